"""The Pasal 8 and 9 rules (monitoring/rules.py): the Dinas' targets and thresholds are data, seeded with the
regulation's values and edited by administrators only (audited); a change reaches the dashboard, the
reminders and the report; the unused-grant days are one number for the findings and the report; Pasal 9 is
done for a year when final reports cover it."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from monitoring import activities, rules
from monitoring.findings import findings_detect
from monitoring.models import (
    ActivityKindChoices as AK,
    Finding,
    FindingKindChoices as K,
    MonevReport,
    MonevRules,
    ReportStatusChoices as RS,
)
from monitoring.monev import services as monev
from monitoring.monev.figures import compute_figures
from monitoring.reminders import reminder_monev_send, reminder_semiannual_send
from splp.audit import audit_events_for
from tests.conftest import sent_away

from ..admin.conftest import admin_url, change_url, login, make_staff

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
D = datetime.date
NOW = datetime.datetime(2026, 5, 10, 10, tzinfo=JAKARTA)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def the_rules():
    return MonevRules.objects.get()


def change(actor, **fields):
    return rules.monev_rules_update(actor=actor, rules=the_rules(), **fields)


def record(admin_user, kind, day):
    return activities.activity_record(actor=admin_user, kind=kind, date=day, title=f"{kind} {day}")


def report(admin_user, start, end, status=RS.FINAL):
    return MonevReport.objects.create(period_start=start, period_end=end, title="Laporan Monev", status=status,
                                      generated_by=admin_user)


# -- the numbers are data -----------------------------------------------------------------------------


def test_the_migration_seeds_the_regulations_values():
    assert MonevRules.objects.count() == 1
    assert rules.snapshot(the_rules()) == {"pembinaan_per_year": 2, "pengawasan_per_year": 2, "monev_per_year": 1,
                                           "unused_days": 90, "reminder_days_before": 30}


def test_an_administrators_change_is_audited_with_old_and_new_values(admin_user):
    change(admin_user, pengawasan_per_year=3, unused_days=60, pembinaan_per_year=2)
    saved = the_rules()
    assert (saved.pengawasan_per_year, saved.unused_days, saved.updated_by) == (3, 60, admin_user)
    event = audit_events_for(saved).get()
    assert (event.actor, event.action) == (admin_user, "monev_rules_update")
    assert event.data == {"old": {"pengawasan_per_year": 2, "unused_days": 90},
                          "new": {"pengawasan_per_year": 3, "unused_days": 60}}
    change(admin_user, pengawasan_per_year=3)  # nothing changes: nothing is recorded
    assert audit_events_for(saved).count() == 1


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_operators_cannot_change_the_rules(who, request):
    with pytest.raises(PermissionDenied):
        change(request.getfixturevalue(who), pembinaan_per_year=1)
    assert the_rules().pembinaan_per_year == 2 and not audit_events_for(the_rules()).exists()


@pytest.mark.parametrize("fields", [{"pembinaan_per_year": 0}, {"monev_per_year": 5}, {"unused_days": 0},
                                    {"reminder_days_before": 400}])
def test_impossible_numbers_are_refused_and_nothing_is_saved(admin_user, fields):
    with pytest.raises(ValidationError):
        change(admin_user, **fields)
    assert rules.snapshot(the_rules()) == rules.DEFAULTS and not audit_events_for(the_rules()).exists()


def admin_form(client, obj, **overrides):
    """The change form as the page sends it: the fields, and the audit history's (read-only) inline."""
    data = {**rules.snapshot(obj), **overrides}
    page = client.get(change_url(obj))
    if page.status_code == 200:
        for inline in page.context["inline_admin_formsets"]:
            management = inline.formset.management_form
            data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_administrator_edits_the_rules_in_the_admin(admin_user):
    alice = login(admin_user)
    page = alice.get(admin_url(MonevRules))
    assert page.status_code == 200 and "Ketentuan Pasal 8 dan 9" in page.content.decode()
    obj = the_rules()
    assert "Laporan monitoring dan evaluasi per tahun" in alice.get(change_url(obj)).content.decode()
    response = alice.post(change_url(obj), admin_form(alice, obj, monev_per_year=2))
    assert response.status_code == 302
    assert the_rules().monev_per_year == 2
    assert audit_events_for(obj).get().data == {"old": {"monev_per_year": 1}, "new": {"monev_per_year": 2}}
    # A number outside the rule is refused on the form.
    response = alice.post(change_url(obj), admin_form(alice, obj, unused_days=0))
    assert response.status_code == 200 and "unused_days" in response.context["adminform"].form.errors
    # One row: never added or deleted.
    assert alice.get(admin_url(MonevRules, "add")).status_code == 403
    assert alice.post(admin_url(MonevRules, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert MonevRules.objects.count() == 1


@pytest.mark.parametrize("who", ["publisher", "outsider"])
def test_operators_cannot_reach_the_rules_in_the_admin(who, request):
    client = login(make_staff(request.getfixturevalue(who)))
    obj = the_rules()
    assert sent_away(client.get(admin_url(MonevRules)))
    assert sent_away(client.post(change_url(obj), admin_form(client, obj, unused_days=7)))
    assert the_rules().unused_days == 90 and not audit_events_for(obj).exists()


# -- the targets reach the dashboard, the register, the reminders and the report -----------------------


def pasal8_rows(html):
    start = html.index('id="pasal8"')
    table = html[start:html.index("</section>", start)]
    return re.findall(r'<td>[^<]*</td><td>([^<]*)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>', table)


def test_changed_targets_show_on_the_dashboard_and_the_register(client, admin_user):
    record(admin_user, AK.SOSIALISASI, D(2026, 2, 1))
    client.force_login(admin_user)
    before = pasal8_rows(client.get(reverse("monitoring:dashboard")).content.decode())
    assert ("Pembinaan", "1", "1") in before and ("Pembinaan", "1", "2") in before

    change(admin_user, pembinaan_per_year=4, monev_per_year=2)
    html = client.get(reverse("monitoring:dashboard")).content.decode()
    # Half-years: 2 of 4 each; the year: 4. Supervision keeps 1 and 2.
    assert pasal8_rows(html) == [("Pembinaan", "1", "2"), ("Pengawasan", "0", "1"), ("Pembinaan", "0", "2"),
                                 ("Pengawasan", "0", "1"), ("Pembinaan", "1", "4"), ("Pengawasan", "0", "2")]
    assert "Ketentuan Dinas: Satu laporan per semester." in html

    listing = client.get(admin_url(activities.Activity)).content.decode()
    table = listing[listing.index('id="pasal8-status"'):]
    assert "1 dari 4" in table and "0 dari 2" in table  # the year's coaching, and Pasal 9's two parts


def test_changed_targets_and_lead_time_drive_the_reminders(admin_user):
    record(admin_user, AK.SOSIALISASI, D(2026, 2, 1))
    record(admin_user, AK.PENGAWASAN, D(2026, 3, 1))
    assert reminder_semiannual_send(today=D(2026, 6, 1)) == 0  # 1 of 1 each: met

    change(admin_user, pengawasan_per_year=4, reminder_days_before=10)
    assert reminder_semiannual_send(today=D(2026, 6, 19)) == 0  # not yet: 10 days before 30 June
    assert reminder_semiannual_send(today=D(2026, 6, 20)) == 1
    [message] = mail.outbox
    assert "Pengawasan: 1 dari minimal 2 (di bawah target)" in message.body

    assert reminder_monev_send(today=D(2026, 12, 20)) == 0  # 10 days before 31 December
    assert reminder_monev_send(today=D(2026, 12, 21)) == 1
    assert "ketentuan Dinas: satu laporan untuk seluruh tahun" in mail.outbox[1].body


def test_changed_targets_reach_the_report_which_keeps_its_numbers(client, admin_user):
    record(admin_user, AK.SOSIALISASI, D(2026, 2, 1))
    change(admin_user, pembinaan_per_year=3, monev_per_year=2)
    generated = monev.monev_report_generate(actor=admin_user, period_start=D(2026, 1, 1),
                                              period_end=D(2026, 12, 31))
    (year,) = generated.figures["activities"]["years"]
    assert year["periods"]["year"]["categories"]["pembinaan"]["target"] == 3
    assert "Tahun 2026: baru 1 kegiatan pembinaan tercatat dari minimal 3 per tahun (Pasal 8)" in (
        generated.recommendations)

    change(admin_user, pembinaan_per_year=5, monev_per_year=1)  # later changes do not rewrite the report
    client.force_login(admin_user)
    page = client.get(reverse("monitoring:report", args=[generated.pk])).content.decode()
    assert ("Batas minimal yang berlaku adalah 3 kegiatan pembinaan dan 2 kegiatan pengawasan per tahun dan, "
            "untuk monitoring dan evaluasi, satu laporan per semester") in page


# -- one number of days for an unused grant ---------------------------------------------------------


def test_the_unused_days_agree_in_the_findings_and_the_report(client, admin_user, granted_request, clock):
    grant = granted_request.grant
    change(admin_user, unused_days=30)

    def judged_at(moment):
        clock.move_to(moment)
        findings_detect(period_start=moment - DAY, period_end=moment, now=moment)
        figures = compute_figures(period_start=D(2026, 5, 1), period_end=D(2026, 6, 30))
        (connector,) = [c for c in figures["usage"]["connectors"] if c["grant_id"] == grant.pk]
        return Finding.objects.filter(kind=K.UNUSED_GRANT, grant=grant).exists(), connector["unused_90_days"]

    assert judged_at(grant.granted_at + 29 * DAY) == (False, False)
    assert judged_at(grant.granted_at + 31 * DAY) == (True, True)
    assert Finding.objects.get(kind=K.UNUSED_GRANT).detail["unused_days"] == 30

    generated = monev.monev_report_generate(actor=admin_user, period_start=D(2026, 5, 1),
                                              period_end=D(2026, 6, 30))
    assert "tidak digunakan selama 30 hari: pertimbangkan pencabutannya" in generated.recommendations
    client.force_login(admin_user)
    page = client.get(reverse("monitoring:report", args=[generated.pk])).content.decode()
    assert "1 tidak digunakan selama 30 hari" in page and "izin akses yang tidak digunakan selama 30 hari" in page
    assert "Tidak digunakan 30 hari: pertimbangkan pencabutan" in page


# -- Pasal 9: final reports covering the year --------------------------------------------------------


def test_pasal9_is_done_when_final_reports_cover_the_year(admin_user):
    def status():
        found = rules.pasal9_status(year=2026)
        return found["count"], found["target"], found["light"]

    assert status() == (0, 1, "red")
    report(admin_user, D(2026, 1, 1), D(2026, 6, 30))
    report(admin_user, D(2026, 7, 1), D(2026, 12, 31), RS.DRAFT)
    assert status() == (0, 1, "amber")  # one report for the whole year is the rule

    change(admin_user, monev_per_year=2)  # one per half-year
    assert status() == (1, 2, "amber")
    assert reminder_monev_send(today=D(2026, 12, 1)) == 1
    MonevReport.objects.filter(status=RS.DRAFT).update(status=RS.FINAL)
    assert status() == (2, 2, "green")
    mail.outbox.clear()
    assert reminder_monev_send(today=D(2026, 12, 2)) == 0  # done: no reminder (and none is repeated)
    assert mail.outbox == []

    change(admin_user, monev_per_year=1)
    assert status() == (0, 1, "amber")
    whole = report(admin_user, D(2025, 12, 1), D(2026, 12, 31))  # a final report covering the year and more
    assert status() == (1, 1, "green") and rules.pasal9_status(year=2026)["report"] == whole
