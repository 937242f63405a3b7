"""The Laporan Monitoring dan Evaluasi SPLP (Pasal 9): figures equal the rollups, every connector is listed
(dormant ones with 0 calls), the services' transitions, the yearly job, the page and its downloads."""

import csv
import datetime
import io
import threading
import zoneinfo
from types import SimpleNamespace

import openpyxl
import pypdf
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import services as access_services
from directory import services as directory_services
from monitoring import incidents
from monitoring.models import (
    LATENCY_BUCKETS_MS,
    Activity,
    Finding,
    HealthCheck,
    MonevReport,
    UsageRollup,
)
from monitoring.monev import services as monev
from monitoring.monev.csvfile import render_csv
from monitoring.monev.figures import compute_figures
from monitoring.monev.narrative import conclusion_text
from monitoring.monev.pdf import render_pdf
from monitoring.monev.sections import report_sections
from monitoring.monev.xlsx import render_xlsx
from splp.context_processors import current_pemda
from splp.models import AuditEvent, MailClaim
from splp.workflow import TransitionError
from tests.conftest import sent_away

from ..conftest import submit_request
from ..factories import OrganizationFactory, ThemeFactory, UserFactory, openapi_doc, service_fields

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = datetime.UTC
T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=JKT)
REPORT_TIME = datetime.datetime(2027, 1, 10, 10, 0, tzinfo=JKT)
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
BUCKETS = len(LATENCY_BUCKETS_MS) + 1


def histogram(**counts):
    """histogram(b10=5, b50=3): counts per bucket named by its upper bound; ``over`` for the overflow bucket."""
    result = [0] * BUCKETS
    for name, count in counts.items():
        index = len(LATENCY_BUCKETS_MS) if name == "over" else LATENCY_BUCKETS_MS.index(int(name[1:]))
        result[index] = count
    return result


def rollup(hour, service, **fields):
    calls = fields.setdefault("calls", 0)
    fields.setdefault("status_2xx", calls)
    return UsageRollup.objects.create(hour=hour, service=service, **fields)


def publish(publisher, owner, admin_user, theme, slug, name):
    _service, version = directory_services.api_service_register(
        actor=publisher, owner=owner, slug=slug, version="1.0.0", upstream_base_url="http://127.0.0.1:9/api",
        spec=openapi_doc(title=name), **service_fields(theme, name=name),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    return directory_services.api_version_publish(actor=admin_user, api_version=version)


def grant(requester, org, version, admin_user, publisher):
    request = submit_request(requester, org, version)
    access_services.access_request_approve(actor=admin_user, access_request=request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)
    return grant


def build_world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme):
    """Two published APIs in two themes, three connectors (one dormant), one pending request."""
    world = SimpleNamespace(admin=admin_user, publisher=publisher, requester=requester, outsider=outsider,
                            requester_org=requester_org, outsider_org=outsider_org, publisher_org=publisher_org)
    with time_machine.travel(T0, tick=False):
        world.v1 = publish(publisher, publisher_org, admin_user, theme, "data-penduduk", "Data Penduduk")
        world.theme2 = ThemeFactory(name="Keuangan", slug="keuangan")
        world.v2 = publish(outsider, outsider_org, admin_user, world.theme2, "data-pajak", "Data Pajak")
        world.api1, world.api2 = world.v1.service, world.v2.service
        # Grant A: decided 24 h after the request, granted 12 h after the decision.
        request_a = submit_request(requester, requester_org, world.v1)
    with time_machine.travel(T0 + datetime.timedelta(hours=24), tick=False):
        access_services.access_request_approve(actor=admin_user, access_request=request_a)
    with time_machine.travel(T0 + datetime.timedelta(hours=36), tick=False):
        world.grant_a, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request_a)
        world.grant_b = grant(outsider, outsider_org, world.v1, admin_user, publisher)  # dormant: never called
        world.grant_c = grant(requester, requester_org, world.v2, admin_user, outsider)
        world.pending = submit_request(outsider, outsider_org, world.v2)  # still waiting for a decision

    a, c = world.grant_a, world.grant_c
    org = requester_org
    # Just before the period (31 Dec 2025, 23:00 local) and just after it (1 Jan 2027, 00:00 local): excluded.
    rollup(datetime.datetime(2025, 12, 31, 16, tzinfo=UTC), world.api1, organization=org, grant=a, calls=1000,
           latency_sum_ms=1000, latency_max_ms=1, latency_histogram=histogram(b1=1000))
    rollup(datetime.datetime(2026, 12, 31, 17, tzinfo=UTC), world.api2, organization=org, grant=c, calls=2000,
           latency_sum_ms=2000, latency_max_ms=1, latency_histogram=histogram(b1=2000))
    # 1 Jan 2026, 00:00 local: the first hour of the period.
    rollup(datetime.datetime(2025, 12, 31, 17, tzinfo=UTC), world.api1, organization=org, grant=a, calls=7,
           latency_sum_ms=71, latency_max_ms=10, latency_histogram=histogram(b10=7))
    rollup(datetime.datetime(2026, 2, 10, 3, tzinfo=UTC), world.api1, organization=org, grant=a, calls=10,
           status_2xx=8, status_4xx=1, status_5xx=1, refused_401=1, latency_sum_ms=300, latency_max_ms=120,
           latency_histogram=histogram(b10=5, b50=3, b200=2), bytes_in=1000, bytes_out=5000)
    rollup(datetime.datetime(2026, 3, 15, 5, tzinfo=UTC), world.api1, organization=org, grant=a, calls=30,
           latency_sum_ms=600, latency_max_ms=40, latency_histogram=histogram(b20=20, b50=10))
    # Calls with an unknown key: no organisation, no grant.
    rollup(datetime.datetime(2026, 3, 15, 6, tzinfo=UTC), world.api1, calls=5, status_2xx=0, status_4xx=5,
           refused_401=5, latency_sum_ms=5, latency_max_ms=2, latency_histogram=histogram(b2=5))
    rollup(datetime.datetime(2026, 12, 1, 2, tzinfo=UTC), world.api2, organization=org, grant=c, calls=100,
           status_2xx=90, status_5xx=10, latency_sum_ms=8000, latency_max_ms=2500,
           latency_histogram=histogram(b100=90, b5000=10))

    def check(service, version, when, ok):
        HealthCheck.objects.create(service=service, api_version=version, checked_at=when, ok=ok,
                                   status_code=200 if ok else 503)

    for day, ok in ((1, True), (2, True), (3, True), (4, False)):
        check(world.api1, world.v1, datetime.datetime(2026, 5, day, 1, tzinfo=UTC), ok)
    for day in (1, 2):
        check(world.api2, world.v2, datetime.datetime(2026, 5, day, 1, tzinfo=UTC), True)
    check(world.api1, world.v1, datetime.datetime(2025, 12, 30, 1, tzinfo=UTC), False)  # before the period

    def finding(kind, start, status="open", count=12):
        return Finding.objects.create(
            kind=kind, fingerprint=f"{kind}-{start.isoformat()}", organization=requester_org, service=world.api1,
            grant=a, period_start=start, period_end=start + datetime.timedelta(days=1), count=count, status=status,
        )

    world.open_finding = finding("refused_calls", datetime.datetime(2026, 2, 10, tzinfo=UTC))
    finding("rate_limited", datetime.datetime(2026, 3, 15, tzinfo=UTC), status="followed_up", count=40)
    finding("refused_calls", datetime.datetime(2025, 6, 1, tzinfo=UTC))  # another year
    Activity.objects.create(kind="sosialisasi", date=datetime.date(2026, 3, 1), title="Sosialisasi SPLP",
                            created_by=admin_user)
    Activity.objects.create(kind="pengawasan", date=datetime.date(2026, 9, 1), title="Pengawasan penggunaan",
                            created_by=admin_user)
    return world


@pytest.fixture
def world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme,
          pemda_identity):
    return build_world(admin_user, publisher, publisher_org, requester, requester_org, outsider, outsider_org, theme)


@pytest.fixture
def at_report_time():
    with time_machine.travel(REPORT_TIME, tick=False):
        yield


@pytest.fixture
def figures(world, at_report_time):
    return compute_figures(period_start=YEAR[0], period_end=YEAR[1])


@pytest.fixture
def report(world, at_report_time):
    return monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])


def by_name(rows, key, name):
    return next(row for row in rows if row[key] == name)


# -- Figures equal the rollups -----------------------------------------------------------------------


def test_total_usage_equals_the_rollups_of_the_period(figures):
    total = figures["usage"]["total"]
    assert total["calls"] == 7 + 10 + 30 + 5 + 100
    assert (total["status_2xx"], total["status_4xx"], total["status_5xx"]) == (7 + 8 + 30 + 90, 6, 11)
    assert total["errors"] == 17
    assert total["error_rate_pct"] == round(100 * 17 / 152, 2)
    assert total["refused_401"] == 6
    assert (total["bytes_in"], total["bytes_out"]) == (1000, 5000)
    assert total["latency_avg_ms"] == round((71 + 300 + 600 + 5 + 8000) / 152, 1)
    assert total["latency_max_ms"] == 2500
    # Merged histogram: b2 5, b10 12, b20 20, b50 13, b100 90, b200 2, b5000 10 (152 calls).
    assert total["p50_ms"] == 100  # rank 76 lies in the <=100 ms bucket
    assert total["p95_ms"] == 2500  # rank 145 in the <=5000 ms bucket, capped by the maximum seen
    assert total["health_checks"] == 6 and total["availability_pct"] == round(100 * 5 / 6, 2)


def test_usage_per_api_with_percentiles_from_the_histograms(figures):
    api1 = by_name(figures["usage"]["per_api"], "api", "Data Penduduk")
    assert (api1["calls"], api1["errors"], api1["status_5xx"], api1["refused_401"]) == (52, 7, 1, 6)
    assert api1["error_rate_pct"] == round(100 * 7 / 52, 2)
    assert api1["latency_avg_ms"] == round(976 / 52, 1)
    # Histogram b2 5, b10 12, b20 20, b50 13, b200 2: ranks 26, 50 and 52.
    assert (api1["p50_ms"], api1["p95_ms"], api1["p99_ms"]) == (20, 50, 120)  # p99 capped by the max, 120 ms
    assert api1["availability_pct"] == 75.0 and api1["health_checks"] == 4
    api2 = by_name(figures["usage"]["per_api"], "api", "Data Pajak")
    assert (api2["calls"], api2["status_5xx"], api2["server_error_rate_pct"]) == (100, 10, 10.0)
    assert (api2["p50_ms"], api2["p95_ms"], api2["p99_ms"]) == (100, 2500, 2500)
    assert api2["availability_pct"] == 100.0


def test_usage_per_month_theme_and_organisation(figures, world):
    months = {m["month"]: (m["calls"], m["errors"]) for m in figures["usage"]["months"]}
    assert len(months) == 12
    assert months["2026-01-01"] == (7, 0)
    assert months["2026-02-01"] == (10, 2)
    assert months["2026-03-01"] == (35, 5)
    assert months["2026-12-01"] == (100, 10)
    assert sum(calls for calls, _errors in months.values()) == 152
    themes = {t["theme"]: t for t in figures["usage"]["per_theme"]}
    assert themes["Kependudukan"]["calls"] == 52 and themes["Keuangan"]["calls"] == 100
    assert themes["Keuangan"]["error_rate_pct"] == 10.0
    orgs = {o["organization"]: o["calls"] for o in figures["usage"]["per_organization"]}
    assert orgs == {"Dinas Kesehatan": 147, "": 5}


def test_every_connector_is_listed_including_dormant_ones(figures, world):
    connectors = {c["grant_id"]: c for c in figures["usage"]["connectors"]}
    assert set(connectors) == {world.grant_a.pk, world.grant_b.pk, world.grant_c.pk}
    a, b, c = connectors[world.grant_a.pk], connectors[world.grant_b.pk], connectors[world.grant_c.pk]
    assert (a["calls"], a["errors"], a["refused"], a["dormant"]) == (47, 2, 1, False)
    assert a["last_call"].startswith("2026-03-15T12:00")  # 05:00 UTC, shown in local time
    assert (b["calls"], b["errors"], b["dormant"], b["organization"]) == (0, 0, True, "Bappeda")
    assert b["last_call"] is None
    assert (c["calls"], c["errors"]) == (100, 10)
    # Unused for the last 90 days of the period: A (last call in March) and B (never); C was called in December.
    assert (a["unused_90_days"], b["unused_90_days"], c["unused_90_days"]) == (True, True, False)
    assert all(conn["state"] == "active" for conn in connectors.values())
    assert figures["usage"]["connectors_dormant"] == 1


def test_connectors_are_the_grants_active_at_any_time_in_the_period(world, requester, requester_org, admin_user,
                                                                   publisher, outsider_org):
    with time_machine.travel(T0 + datetime.timedelta(days=2), tick=False):
        other = OrganizationFactory(name="Dinas Sosial", code="dinsos")
        user = UserFactory(username="dina")
        from ..factories import R, member

        member(user, other, R.REQUESTER)
        revoked = grant(user, other, world.v1, admin_user, publisher)
        access_services.access_request_revoke(actor=admin_user, access_request=revoked.access_request,
                                              reason="Tidak diperlukan lagi")
    with time_machine.travel(REPORT_TIME, tick=False):
        february = compute_figures(period_start=datetime.date(2026, 2, 1),
                                           period_end=datetime.date(2026, 2, 28))
        january = compute_figures(period_start=datetime.date(2026, 1, 1),
                                          period_end=datetime.date(2026, 1, 31))
    assert revoked.pk not in {c["grant_id"] for c in february["usage"]["connectors"]}
    in_january = {c["grant_id"]: c for c in january["usage"]["connectors"]}
    assert in_january[revoked.pk]["state"] == "revoked" and in_january[revoked.pk]["calls"] == 0
    assert world.grant_b.pk in {c["grant_id"] for c in february["usage"]["connectors"]}
    assert february["usage"]["total"]["calls"] == 10


def test_inventory_overview_and_compliance(figures, world):
    overview = figures["overview"]
    assert overview == {
        "organizations": 3, "publishers": 2, "requesters": 2, "apis_registered": 2, "apis_published": 2,
        "operations": 4, "themes": 2, "themes_used": 2, "connectors": 3, "connectors_active_at_end": 3,
    }
    api1 = by_name(figures["inventory"]["apis"], "name", "Data Penduduk")
    assert (api1["owner"], api1["theme"], api1["status"], api1["classification"]) == (
        "Disdukcapil", "Kependudukan", "published", "terbuka")
    assert api1["interop_passed"] is True and api1["operations"] == 2
    assert figures["inventory"]["interop_passed"] == 2
    without = {org["name"] for org in figures["compliance"]["without_api"]}
    assert without == {"Dinas Kesehatan"}  # the Dinas administers the SPLP: not counted as a PD without an API


def test_access_management_figures(figures):
    access = figures["access"]
    assert access["requests_submitted"] == 4
    assert access["events"]["submit"] == 4 and access["events"]["approve"] == 3
    assert access["events"]["grant"] == 3 and access["events"]["reject"] == 0
    assert access["requests_by_status"]["granted"] == 3 and access["requests_by_status"]["submitted"] == 1
    assert access["decision_time"] == {"count": 3, "avg_hours": 8.0, "max_hours": 24.0}
    assert access["grant_time"] == {"count": 3, "avg_hours": 4.0, "max_hours": 12.0}
    assert access["keys_issued"] == 3 and access["keys_revoked"] == 0
    assert access["pending_decision"] == 1 and access["pending_grant"] == 0


def test_findings_and_activities_of_the_period(figures):
    findings = figures["findings"]
    assert findings["total"] == 2 and findings["open"] == 1
    assert findings["by_kind"]["refused_calls"] == {"open": 1, "followed_up": 0, "count": 12}
    assert findings["by_kind"]["rate_limited"] == {"open": 0, "followed_up": 1, "count": 40}
    activities = figures["activities"]
    assert [a["title"] for a in activities["rows"]] == ["Sosialisasi SPLP", "Pengawasan penggunaan"]
    (year,) = activities["years"]
    categories = year["periods"]["year"]["categories"]
    assert (categories["pembinaan"]["count"], categories["pembinaan"]["light"]) == (1, "red")
    # Pasal 9 is not among them: this report is its evidence (monitoring.rules).
    assert (categories["pengawasan"]["count"], "monev" in categories) == (1, False)
    assert year["periods"]["h1"]["categories"]["pembinaan"]["light"] == "green"


def test_recommendations_are_drawn_from_the_findings(figures, world):
    text = "\n".join(figures["recommendations"])
    # Numbered in the report ("1. Sebanyak 1 Perangkat Daerah ..."), so a count never follows the number bare.
    assert "Sebanyak 1 Perangkat Daerah belum menyediakan API" in text
    assert "Dinas Kesehatan" in text and "Dinas Kominfo" not in text
    assert f"#{world.grant_a.pk}" in text and f"#{world.grant_b.pk}" in text  # unused 90 days
    assert f"#{world.grant_c.pk}" not in text
    assert "Data Pajak" in text and "5xx" in text  # 10 % server errors
    assert "Data Penduduk" in text and "75%" in text  # availability below 99 %
    assert "Sebanyak 1 temuan pengawasan" in text
    assert "Sebanyak 1 permohonan akses menunggu keputusan" in text


def test_the_conclusion_names_the_activities_short_of_the_minimum_per_year(figures):
    assert "belum terpenuhi untuk: pembinaan, pengawasan (2026)." in conclusion_text(figures)


def test_recommendations_stay_quiet_on_clean_data(admin_user, publisher, publisher_org, theme):
    with time_machine.travel(T0, tick=False):
        version = publish(publisher, publisher_org, admin_user, theme, "data-penduduk", "Data Penduduk")
    with time_machine.travel(REPORT_TIME, tick=False):
        rollup(datetime.datetime(2026, 6, 1, tzinfo=UTC), version.service, calls=10, latency_sum_ms=10,
               latency_max_ms=1, latency_histogram=histogram(b1=10))
        HealthCheck.objects.create(service=version.service, api_version=version,
                                   checked_at=datetime.datetime(2026, 6, 1, tzinfo=UTC), ok=True)
        for kind, month in (("sosialisasi", 2), ("pelatihan", 8), ("pengawasan", 3), ("pengawasan", 9),
                            ("monev", 11)):
            Activity.objects.create(kind=kind, date=datetime.date(2026, month, 1), title=kind, created_by=admin_user)
        figures = compute_figures(period_start=YEAR[0], period_end=YEAR[1])
    # Only the Dinas itself has no API, and it administers the SPLP rather than publishing into it: every
    # rule stays quiet.
    assert figures["compliance"]["without_api"] == []
    assert figures["recommendations"] == [
        "Tidak ditemukan masalah yang memerlukan tindak lanjut khusus; lanjutkan pemantauan secara berkala."]


def test_figures_are_json(figures):
    import json

    assert json.loads(json.dumps(figures)) == figures


# -- Services: generate, edit, finalise ---------------------------------------------------------------


def test_generate_freezes_figures_and_prefills_recommendations(report, world):
    assert report.status == "draft" and report.generated_by == world.admin
    assert report.figures["usage"]["total"]["calls"] == 152
    assert report.title == f"Laporan Monitoring dan Evaluasi SPLP {current_pemda().name} Tahun 2026"
    assert report.recommendations.startswith("1. ")
    assert "Perangkat Daerah belum menyediakan API" in report.recommendations
    event = AuditEvent.objects.get(object_id=str(report.pk), action="generate")
    assert event.actor == world.admin and event.new_state == "draft"
    # Frozen: later calls do not change the stored report.
    rollup(datetime.datetime(2026, 7, 1, tzinfo=UTC), world.api1, calls=999)
    report.refresh_from_db()
    assert report.figures["usage"]["total"]["calls"] == 152


def test_only_administrators_generate(world, at_report_time):
    for user in (world.publisher, world.requester, world.outsider):
        with pytest.raises(PermissionDenied):
            monev.monev_report_generate(actor=user, period_start=YEAR[0], period_end=YEAR[1])
    assert not MonevReport.objects.exists()


def test_generate_refuses_a_reversed_period(world, at_report_time):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        monev.monev_report_generate(actor=world.admin, period_start=YEAR[1], period_end=YEAR[0])


def test_a_second_report_for_the_same_period_needs_confirmation(report, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])
    assert refused.value.code == "duplicate_period"
    assert refused.value.messages == [
        f"Periode ini sudah memiliki laporan: “{report.title}” (Draf, dibuat 10 Jan 2027 10:00 WIB). Centang "
        "konfirmasi untuk membuat laporan lain untuk periode yang sama."
    ]
    assert MonevReport.objects.count() == 1
    again = monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1], again=True)
    assert again.pk != report.pk and MonevReport.objects.count() == 2
    # Another period is not a duplicate.
    monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=datetime.date(2026, 6, 30))


def test_the_admin_asks_before_a_second_report_for_a_period(report, world, client):
    client.force_login(world.admin)
    url = "/admin/monitoring/monevreport/generate/"
    period = {"period_start": YEAR[0].isoformat(), "period_end": YEAR[1].isoformat(), "title": ""}
    page = client.post(url, period)
    assert page.status_code == 200 and MonevReport.objects.count() == 1
    html = page.content.decode()
    assert "Periode ini sudah memiliki laporan: “" + report.title in html
    assert "Buat laporan lain untuk periode ini" in html
    confirmed = client.post(url, {**period, "again": "on"})
    assert confirmed.status_code == 302 and MonevReport.objects.count() == 2


def test_recommendations_edited_while_draft_then_finalised_once(report, world):
    texts = {"introduction": report.introduction, "conclusion": report.conclusion}
    monev.monev_report_update_narrative(actor=world.admin, report=report, recommendations="1. Rekomendasi baru.",
                                        **texts)
    report.refresh_from_db()
    assert report.recommendations == "1. Rekomendasi baru."
    assert AuditEvent.objects.filter(object_id=str(report.pk), action="update_narrative").count() == 1
    with pytest.raises(PermissionDenied):
        monev.monev_report_update_narrative(actor=world.publisher, report=report, recommendations="x", **texts)
    with pytest.raises(PermissionDenied):
        monev.monev_report_finalise(actor=world.requester, report=report)

    monev.monev_report_finalise(actor=world.admin, report=report)
    report.refresh_from_db()
    assert report.status == "final" and report.finalised_by == world.admin and report.finalised_at
    event = AuditEvent.objects.get(object_id=str(report.pk), action="finalise")
    assert (event.old_state, event.new_state) == ("draft", "final")
    with pytest.raises(TransitionError):
        monev.monev_report_finalise(actor=world.admin, report=report)
    with pytest.raises(TransitionError):
        monev.monev_report_update_narrative(actor=world.admin, report=report, recommendations="Perubahan terlambat.",
                                            **texts)
    report.refresh_from_db()
    assert report.recommendations == "1. Rekomendasi baru."


def test_annual_task_generates_the_previous_year_once(world, at_report_time, django_capture_on_commit_callbacks):
    world.admin.email = "alice@example.test"
    world.admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = monev.generate_annual_monev_report_task()
    with django_capture_on_commit_callbacks(execute=True):
        second = monev.generate_annual_monev_report_task()
    assert first["created"] is True and second == {"report": first["report"], "created": False}
    report = MonevReport.objects.get()
    assert (report.period_start, report.period_end) == YEAR
    assert report.generated_by is None and report.status == "draft"
    assert MailClaim.objects.filter(kind=monev.REPORT_READY).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.test"]
    assert report.title in mail.outbox[0].subject


def test_a_ready_mail_that_failed_goes_out_on_the_next_run(world, at_report_time, django_capture_on_commit_callbacks,
                                                           monkeypatch):
    world.admin.email = "alice@example.test"
    world.admin.save()
    send_messages = locmem.EmailBackend.send_messages

    def mail_server_down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", mail_server_down)
    with pytest.raises(ConnectionRefusedError), django_capture_on_commit_callbacks(execute=True):
        monev.generate_annual_monev_report_task()
    assert MonevReport.objects.count() == 1 and not mail.outbox
    monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)
    with django_capture_on_commit_callbacks(execute=True):
        assert monev.generate_annual_monev_report_task()["created"] is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.test"]
    title = MonevReport.objects.get().title
    assert mail.outbox[0].subject.endswith(f"Laporan monitoring dan evaluasi siap ditinjau: {title}")


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_yearly_job_at_once_store_one_report(monkeypatch):
    OrganizationFactory(name="Dinas Kominfo", code="diskominfo", is_administrator=True)
    barrier = threading.Barrier(2)
    outcomes = []
    prepare = monev._prepare

    def prepare_together(*args):
        # Both workers have passed the "already claimed?" check before either stores its report.
        prepared = prepare(*args)
        barrier.wait(timeout=30)
        return prepared

    monkeypatch.setattr(monev, "_prepare", prepare_together)

    def work():
        try:
            outcomes.append(monev.generate_annual_monev_report()[1])
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            outcomes.append(exc)
        finally:
            connection.close()

    with time_machine.travel(REPORT_TIME, tick=False):
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(outcomes) == [False, True]
    assert MonevReport.objects.count() == 1


def test_an_administrators_report_does_not_stop_the_yearly_one(report, at_report_time):
    created = monev.generate_annual_monev_report()[1]
    assert created is True and MonevReport.objects.count() == 2


def test_command_by_year_is_idempotent_and_by_dates_for_a_user(world, at_report_time):
    out = io.StringIO()
    call_command("generate_monev_report", "--year", "2026", stdout=out)
    call_command("generate_monev_report", "--year", "2026", stdout=out)
    assert MonevReport.objects.filter(generated_by__isnull=True).count() == 1
    assert "already generated" in out.getvalue()
    call_command("generate_monev_report", "--from", "2026-01-01", "--to", "2026-06-30", "--user", "alice",
                 stdout=out)
    half = MonevReport.objects.get(generated_by=world.admin)
    assert (half.period_start, half.period_end) == (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert half.figures["usage"]["total"]["calls"] == 7 + 10 + 30 + 5
    with pytest.raises(CommandError, match="Periode ini sudah memiliki laporan"):
        call_command("generate_monev_report", "--from", "2026-01-01", "--to", "2026-06-30", "--user", "alice",
                     stdout=out)
    call_command("generate_monev_report", "--from", "2026-01-01", "--to", "2026-06-30", "--user", "alice",
                 "--again", stdout=out)
    assert MonevReport.objects.filter(generated_by=world.admin).count() == 2


# -- Exports --------------------------------------------------------------------------------------------

SECTION_TITLES = [
    "Pendahuluan", "Gambaran Umum", "Inventaris Layanan", "Hasil Pemantauan Log", "Pengelolaan Akses",
    "Temuan Pengawasan", "Insiden Data Pribadi", "Pembinaan dan Pengawasan", "Kepatuhan Perangkat Daerah",
    "Kesimpulan", "Rekomendasi", "Lampiran",
]


def test_xlsx_has_one_sheet_per_section_with_the_figures(report):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    assert workbook.sheetnames == SECTION_TITLES
    usage = workbook["Hasil Pemantauan Log"]
    values = {row[0]: row[1] for row in usage.iter_rows(values_only=True) if row and len(row) > 1}
    assert values["Panggilan"] == 152
    assert values["Latensi p95 (ms)"] == 2500
    connectors = [row for row in usage.iter_rows(values_only=True) if row[0] == "Bappeda"]
    assert connectors and connectors[0][3] == 0  # the dormant connector, 0 calls
    lampiran = [row[0] for row in workbook["Lampiran"].iter_rows(values_only=True)]
    assert "Data Penduduk" in lampiran and "Data Pajak" in lampiran


def test_xlsx_reads_as_an_indonesian_spreadsheet(report):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell for cell in cells if isinstance(cell.value, bool)]  # Ya/Tidak, never TRUE/FALSE
    percents = [cell for cell in cells if cell.number_format == "0.00%"]
    assert percents and all(0 <= cell.value <= 1 for cell in percents)  # 12,50% shown, 0.125 stored
    inventory = workbook["Inventaris Layanan"]
    header_row = next(row[0].row for row in inventory.iter_rows() if row[0].value == "API")
    assert inventory.freeze_panes == f"A{header_row + 1}"


def test_xlsx_never_writes_a_formula_from_a_name(report, world):
    report.figures["inventory"]["apis"][0]["name"] = "=1+1"
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    cells = [cell for row in workbook["Inventaris Layanan"].iter_rows() for cell in row if cell.value == "=1+1"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_pdf_has_a_title_page_the_sections_and_the_apis(report):
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(report)))
    assert 4 <= len(reader.pages) <= 25
    first = reader.pages[0].extract_text()
    assert "Laporan Monitoring dan Evaluasi SPLP" in first and "Draf" in first
    assert first.count("Laporan Monitoring dan Evaluasi SPLP") == 1  # the cover says its title once
    assert "Data s.d. 01/01/2027 00:00 WIB" in first  # the period is over: its end, not the generation
    text = "\n".join(page.extract_text() for page in reader.pages)
    for title in SECTION_TITLES:
        assert title in text
    assert "Data Penduduk" in text and "Bappeda" in text
    assert "Panggilan per bulan" in text and "Panggilan per API" in text  # the charts' titles


def csv_rows(report):
    """As a spreadsheet program set to Indonesian reads it: UTF-8 with a BOM, semicolons."""
    text = render_csv(report)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_holds_the_api_and_connector_tables(report, world):
    rows = csv_rows(report)
    apis = [r for r in rows if r["bagian"] == "API"]
    connectors = [r for r in rows if r["bagian"] == "Konektor"]
    assert {r["API"] for r in apis} == {"Data Penduduk", "Data Pajak"}
    assert len(connectors) == 3
    dormant = next(r for r in connectors if r["organisasi"] == "Bappeda")
    assert dormant["panggilan"] == "0"
    assert next(r for r in apis if r["API"] == "Data Pajak")["panggilan"] == "100"


# -- Personal data incidents (UU 27/2022 Pasal 46) -------------------------------------------------------


@pytest.fixture
def incident_report(world):
    """Found in the period: one notified on time, one late, one never; one found the year before."""
    def found(when, summary, notify_after=None):
        with time_machine.travel(when, tick=False):
            incident = incidents.incident_record(
                actor=world.admin, found_at=when, summary=summary, data_affected="NIK",
                services=[world.api1], organizations=[world.requester_org, world.outsider_org])
        if notify_after is not None:
            with time_machine.travel(when + datetime.timedelta(hours=notify_after), tick=False):
                incidents.incident_mark_notified(actor=world.admin, incident=incident, note="Surat")
        return incident

    found(datetime.datetime(2026, 4, 1, 10, tzinfo=JKT), "Tepat", notify_after=30)
    found(datetime.datetime(2026, 6, 1, 10, tzinfo=JKT), "Telat", notify_after=80)
    found(datetime.datetime(2026, 12, 30, 20, tzinfo=JKT), "Belum")
    found(datetime.datetime(2025, 12, 31, 23, tzinfo=JKT), "Tahun lalu", notify_after=1)
    with time_machine.travel(REPORT_TIME, tick=False):
        return monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])


def test_incidents_of_the_period_with_their_deadline_in_every_renderer(client, incident_report, world):
    figures = incident_report.figures["incidents"]
    assert [(r["summary"], r["clock"]) for r in figures["rows"]] == [
        ("Tepat", "on_time"), ("Telat", "late"), ("Belum", "overdue")]
    assert (figures["total"], figures["on_time"], figures["late"], figures["not_notified"]) == (3, 1, 1, 1)
    assert "1 insiden data pribadi belum tercatat pemberitahuannya" in incident_report.recommendations
    summary = ("3 insiden data pribadi tercatat dalam periode ini. UU 27/2022 tentang Pelindungan Data Pribadi "
               "(Pasal 46) mewajibkan pemberitahuan tertulis kepada subjek data pribadi dan lembaga paling lambat "
               "3 x 24 jam sejak diketahui: 1 diberitahukan tepat waktu, 1 terlambat, dan 1 belum diberitahukan "
               "saat laporan dibuat (1 di antaranya lewat batas waktu).")

    client.force_login(world.admin)
    page = client.get(reverse("monitoring:report", args=[incident_report.pk])).content.decode()
    assert "7. Insiden Data Pribadi" in page and summary in page
    assert "01/04/2026 10:00 WIB" in page and "04/04/2026 10:00 WIB" in page  # found, deadline
    assert "Terlambat" in page and "Belum diberitahukan, lewat batas waktu" in page and "Tahun lalu" not in page

    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(incident_report)))["Insiden Data Pribadi"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    late = next(row for row in rows if row[1] == "Telat")
    assert late[0] == datetime.datetime(2026, 6, 1, 10) and late[5] == datetime.datetime(2026, 6, 4, 18)
    assert late[3] == "Bappeda, Dinas Kesehatan" and late[6] == "Terlambat"

    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(incident_report))).pages)
    assert "Insiden Data Pribadi" in text and "Telat" in text and "Terlambat" in text  # the table

    rows = csv_rows(incident_report)
    on_time = next(r for r in rows if r["bagian"] == "Insiden" and r["insiden"] == "Tepat")
    assert (on_time["API"], on_time["status"], on_time["ditemukan"], on_time["batas pemberitahuan"],
            on_time["diberitahukan"]) == ("Data Penduduk", "Tepat waktu", "01/04/2026 10:00", "04/04/2026 10:00",
                                          "02/04/2026 16:00")


def test_a_period_without_incidents_says_so(client, report, world):
    client.force_login(world.admin)
    page = client.get(reverse("monitoring:report", args=[report.pk])).content.decode()
    assert "Tidak ada insiden data pribadi yang tercatat dalam periode ini." in page


def test_figures_frozen_before_the_register_have_no_incident_section(report):
    del report.figures["incidents"]
    assert "incidents" not in [section.key for section in report_sections(report)]
    assert "Insiden" not in {row["bagian"] for row in csv_rows(report)}


# -- Pages ----------------------------------------------------------------------------------------------


def test_report_page_shows_every_section_in_indonesian_with_charts(client, report, world):
    client.force_login(world.admin)
    response = client.get(reverse("monitoring:report", args=[report.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"{number}. {title}" in page
    assert page.count('<figure class="chart ') >= 3
    assert "Data Penduduk" in page and "Bappeda" in page
    assert "152" in page


def test_charts_of_a_period_without_calls_say_so_instead_of_drawing_zeros(client, world, at_report_time):
    quiet = monev.monev_report_generate(actor=world.admin, period_start=datetime.date(2020, 1, 1),
                                          period_end=datetime.date(2020, 12, 31))
    assert quiet.figures["usage"]["total"]["calls"] == 0
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(quiet))).pages)
    for number, title in enumerate(("Panggilan per bulan", "Panggilan per API", "Panggilan per tema"), start=1):
        assert f"Tidak ada data\n Gambar 4.{number} {title}" in text  # one line, no axes of zeros
    client.force_login(world.admin)
    page = client.get(reverse("monitoring:report", args=[quiet.pk])).content.decode()
    assert page.count("Tidak ada panggilan pada periode ini.") == 3
    assert 'class="chart-bar"' not in page and 'class="chart-colbar"' not in page
    # The log section says it in words, with no rates of nothing ("– di antaranya").
    assert ("Pada periode ini tidak ada panggilan yang melalui jalur penghubung. Tidak ada pemeriksaan kesehatan "
            "layanan hulu yang tercatat pada periode ini.") in page
    assert "– di antaranya" not in page and "pada – pemeriksaan" not in page


@pytest.mark.parametrize("name", ["report", "report-pdf", "report-xlsx", "report-csv"])
def test_report_and_downloads_are_for_administrators_only(client, report, world, name):
    url = reverse(f"monitoring:{name}", args=[report.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (world.publisher, world.requester, world.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(world.admin)
    response = client.get(url)
    assert response.status_code == 200
    if name != "report":
        assert "attachment" in response["Content-Disposition"]


def test_downloads_have_their_content_types(client, report, world):
    client.force_login(world.admin)
    assert client.get(reverse("monitoring:report-pdf", args=[report.pk])).content.startswith(b"%PDF-")
    xlsx = client.get(reverse("monitoring:report-xlsx", args=[report.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("monitoring:report-csv", args=[report.pk]))["Content-Type"].startswith("text/csv")


def test_report_page_escapes_names(client, world, at_report_time):
    world.api1.name = "<script>alert(1)</script>"
    world.api1.save()
    report = monev.monev_report_generate(actor=world.admin, period_start=YEAR[0], period_end=YEAR[1])
    client.force_login(world.admin)
    page = client.get(reverse("monitoring:report", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def _report_page_queries(client, user, report):
    url = reverse("monitoring:report", args=[report.pk])
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_report_page_query_count_does_not_grow_with_the_apis(client, admin_user, publisher, publisher_org, theme):
    client.force_login(admin_user)
    with time_machine.travel(T0, tick=False):
        publish(publisher, publisher_org, admin_user, theme, "api-0", "API 0")
    with time_machine.travel(REPORT_TIME, tick=False):
        one = monev.monev_report_generate(actor=admin_user, period_start=YEAR[0], period_end=YEAR[1])
    with time_machine.travel(T0, tick=False):
        for n in range(1, 5):
            version = publish(publisher, publisher_org, admin_user, theme, f"api-{n}", f"API {n}")
            rollup(datetime.datetime(2026, 5, 1, tzinfo=UTC), version.service, calls=n, latency_max_ms=1,
                   latency_sum_ms=n, latency_histogram=histogram(b1=n))
    with time_machine.travel(REPORT_TIME, tick=False):
        five = monev.monev_report_generate(actor=admin_user, period_start=YEAR[0], period_end=YEAR[1],
                                               again=True)
    assert len(five.figures["inventory"]["apis"]) == 5
    assert _report_page_queries(client, admin_user, one) == _report_page_queries(client, admin_user, five)


def test_compute_figures_query_count_does_not_grow_with_the_apis(admin_user, publisher, publisher_org, theme):
    counts = []
    for batch in (range(0, 1), range(1, 5)):
        with time_machine.travel(T0, tick=False):
            for n in batch:
                version = publish(publisher, publisher_org, admin_user, theme, f"api-{n}", f"API {n}")
                rollup(datetime.datetime(2026, 5, 1, tzinfo=UTC), version.service, calls=1, latency_max_ms=1,
                       latency_sum_ms=1, latency_histogram=histogram(b1=1))
        with time_machine.travel(REPORT_TIME, tick=False), CaptureQueriesContext(connection) as queries:
            compute_figures(period_start=YEAR[0], period_end=YEAR[1])
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- Admin ----------------------------------------------------------------------------------------------


def test_admin_generate_now_creates_a_draft(client, world, at_report_time):
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_generate")
    page = client.get(url)
    assert page.status_code == 200 and "Buat laporan sekarang" in page.content.decode()
    response = client.post(url, {"period_start": "2026-01-01", "period_end": "2026-06-30", "title": ""})
    report = MonevReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:monitoring_monevreport_change", args=[report.pk])
    assert (report.period_start, report.period_end, report.generated_by) == (
        datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), world.admin)


def test_admin_generate_refuses_a_reversed_period_and_non_administrators(client, world, at_report_time):
    client.force_login(world.admin)
    url = reverse("admin:monitoring_monevreport_generate")
    response = client.post(url, {"period_start": "2026-06-30", "period_end": "2026-01-01"})
    assert response.status_code == 200 and not MonevReport.objects.exists()
    world.publisher.is_staff = True
    world.publisher.save()
    client.force_login(world.publisher)
    assert sent_away(client.post(url, {"period_start": "2026-01-01", "period_end": "2026-06-30"}))
    assert sent_away(client.get(reverse("admin:monitoring_monevreport_changelist")))
    assert not MonevReport.objects.exists()


def test_admin_list_links_and_edits_then_finalises(client, report, world):
    client.force_login(world.admin)
    changelist = client.get(reverse("admin:monitoring_monevreport_changelist")).content.decode()
    assert reverse("admin:monitoring_monevreport_generate") in changelist
    assert reverse("monitoring:report-pdf", args=[report.pk]) in changelist
    change_url = reverse("admin:monitoring_monevreport_change", args=[report.pk])
    page = client.get(change_url).content.decode()
    assert 'name="recommendations"' in page and reverse("monitoring:report-xlsx", args=[report.pk]) in page
    response = client.post(change_url, {"introduction": report.introduction, "conclusion": report.conclusion,
                                        "recommendations": "1. Percepat penyediaan API.", "_save": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.recommendations == "1. Percepat penyediaan API."
    assert AuditEvent.objects.filter(object_id=str(report.pk), action="update_narrative").exists()

    finalise = reverse("admin:monitoring_monevreport_workflow", args=[report.pk, "finalise"])
    assert client.post(finalise, {"apply": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "final"
    page = client.get(change_url).content.decode()
    assert 'name="recommendations"' not in page and "Percepat penyediaan API." in page  # read-only once final
    assert "1 rekomendasi untuk ditindaklanjuti" in page
    assert client.post(change_url, {"recommendations": "Diubah", "_save": "1"}).status_code == 403
    report.refresh_from_db()
    assert report.recommendations == "1. Percepat penyediaan API."
