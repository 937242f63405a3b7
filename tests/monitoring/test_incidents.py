"""The personal data incident register (UU 27/2022 Pasal 46): the 3 x 24 hour clock (time frozen), the
services' transitions and refusals, the reminders until the notice is recorded, the admin for administrators
only, and the demo incident."""

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from monitoring import incidents
from monitoring.models import IncidentStatusChoices as IS, PersonalDataIncident
from monitoring.reminders import reminder_incident_send, send_incident_reminders_task
from splp.audit import audit_events_for
from splp.models import MailClaim
from splp.workflow import TransitionError
from tests.conftest import sent_away

JAKARTA = ZoneInfo("Asia/Jakarta")
FOUND = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=JAKARTA)
HOUR = datetime.timedelta(hours=1)


def at(hours):
    return FOUND + datetime.timedelta(hours=hours)


@pytest.fixture
def clock():
    with time_machine.travel(FOUND, tick=False) as traveller:
        yield traveller


@pytest.fixture
def incident(clock, admin_user, service, requester_org):
    return incidents.incident_record(
        actor=admin_user, found_at=FOUND, summary="Tangkapan layar berisi NIK beredar",
        data_affected="NIK dan nama 12 penduduk", services=[service], organizations=[requester_org],
        cause="Dibagikan di grup percakapan", steps_taken="Pesan dihapus, kunci dirotasi",
    )


# -- The clock --------------------------------------------------------------------------------------


def test_the_deadline_is_72_hours_after_the_incident_was_found(incident):
    assert incidents.notification_deadline(incident) == datetime.datetime(2026, 3, 13, 8, 0, tzinfo=JAKARTA)


@pytest.mark.parametrize("hours, state, text", [
    (0, "running", "sisa 72 jam"),
    (31, "running", "sisa 41 jam"),
    (71.5, "running", "sisa 1 jam"),
    (72, "running", "sisa 1 jam"),  # "paling lambat 3 x 24 jam": the last moment is still in time
    (72 + 1 / 60, "overdue", "lewat 1 jam"),
    (77, "overdue", "lewat 5 jam"),
])
def test_the_clock_counts_down_then_shows_how_late(incident, clock, hours, state, text):
    clock.move_to(at(hours))
    result = incidents.incident_clock(incident)
    assert (result.state, result.text) == (state, text)


def test_notified_in_time_or_late_is_judged_against_the_deadline(incident, clock, admin_user, service,
                                                                   requester_org):
    clock.move_to(at(71))
    incidents.incident_mark_notified(actor=admin_user, incident=incident, note="Surat 400/12 kepada subjek data")
    incident.refresh_from_db()
    assert incidents.incident_clock(incident).text == "diberitahukan tepat waktu"
    assert incidents.notified_on_time(incident) is True

    late = incidents.incident_record(actor=admin_user, found_at=at(-10), summary="Lain", data_affected="NIK")
    incidents.incident_mark_notified(actor=admin_user, incident=late, note="Surat")
    late.refresh_from_db()
    assert incidents.incident_clock(late).text == "diberitahukan terlambat 9 jam"
    assert incidents.notified_on_time(late) is False
    clock.move_to(at(500))  # once notified, the clock no longer moves
    assert incidents.incident_clock(late).text == "diberitahukan terlambat 9 jam"


# -- The services -----------------------------------------------------------------------------------


def test_record_notify_close_are_audited_with_their_states(incident, clock, admin_user):
    assert incident.status == IS.OPEN and incident.recorded_by == admin_user
    assert {s.slug for s in incident.services.all()} == {"data-penduduk"}
    clock.move_to(at(10))
    incidents.incident_mark_notified(actor=admin_user, incident=incident, note="Surat 400/12")
    incidents.incident_close(actor=admin_user, incident=incident, note="Pemulihan selesai")
    incident.refresh_from_db()
    assert (incident.status, incident.notified_at, incident.closed_at) == (IS.CLOSED, at(10), at(10))
    events = [(e.action, e.old_state, e.new_state) for e in audit_events_for(incident).order_by("id")]
    assert events == [("record", "", "open"), ("notify", "open", "notified"), ("close", "notified", "closed")]


def test_illegal_transitions_are_refused(incident, admin_user):
    with pytest.raises(TransitionError, match="menutup insiden"):
        incidents.incident_close(actor=admin_user, incident=incident)  # never closed unannounced
    incidents.incident_mark_notified(actor=admin_user, incident=incident, note="Surat")
    with pytest.raises(TransitionError, match="mencatat pemberitahuan"):
        incidents.incident_mark_notified(actor=admin_user, incident=incident, note="Lagi")
    incidents.incident_close(actor=admin_user, incident=incident)
    with pytest.raises(TransitionError):
        incidents.incident_update(actor=admin_user, incident=incident, summary="x", data_affected="y")
    assert PersonalDataIncident.objects.get().status == IS.CLOSED


def test_bad_input_is_refused_with_a_message_and_nothing_saved(clock, admin_user, incident):
    with pytest.raises(ValidationError) as exc:
        incidents.incident_record(actor=admin_user, found_at=at(1), summary=" ", data_affected="")
    assert set(exc.value.message_dict) == {"found_at"}
    with pytest.raises(ValidationError) as exc:
        incidents.incident_record(actor=admin_user, found_at=at(-1), summary=" ", data_affected="")
    assert exc.value.message_dict == {
        "summary": ["Uraikan insiden dalam satu kalimat."],
        "data_affected": ["Sebutkan data pribadi yang terdampak (misalnya NIK, nama, alamat)."],
    }
    with pytest.raises(ValidationError, match="nomor surat"):
        incidents.incident_mark_notified(actor=admin_user, incident=incident, note="  ")
    assert PersonalDataIncident.objects.count() == 1
    assert PersonalDataIncident.objects.get().status == IS.OPEN


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_only_administrators_manage_the_register(request, incident, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        incidents.incident_record(actor=user, found_at=FOUND, summary="x", data_affected="y")
    with pytest.raises(PermissionDenied):
        incidents.incident_mark_notified(actor=user, incident=incident, note="Surat")
    assert PersonalDataIncident.objects.count() == 1 and incident.status == IS.OPEN


# -- Reminders ---------------------------------------------------------------------------------------


def test_reminders_go_out_every_six_hours_until_the_notification_is_recorded(incident, clock, admin_user):
    admin_user.email = "alice@example.test"
    admin_user.save()
    assert reminder_incident_send() == 1  # at once: every administrator learns of it
    assert reminder_incident_send() == 0  # the same span: once
    clock.move_to(at(5.9))
    assert send_incident_reminders_task() == 0
    clock.move_to(at(6))
    assert send_incident_reminders_task() == 1
    clock.move_to(at(77))  # past the deadline: still reminded
    assert reminder_incident_send() == 1
    assert len(mail.outbox) == 3
    last = mail.outbox[-1]
    assert last.to == ["alice@example.test"]
    assert "Insiden data pribadi: beri tahu subjek data pribadi dan lembaga dalam 3 x 24 jam" in last.subject
    assert "10 Mar 2026 08:00 WIB" in last.body and "13 Mar 2026 08:00 WIB" in last.body
    assert "lewat 5 jam" in last.body and "NIK dan nama 12 penduduk" in last.body
    assert "API terdampak: Data Penduduk\nPerangkat daerah terdampak: Dinas Kesehatan\n" in last.body
    assert reverse("admin:monitoring_personaldataincident_change", args=[incident.pk]) in last.body

    incidents.incident_mark_notified(actor=admin_user, incident=incident, note="Surat 400/12")
    clock.move_to(at(90))
    assert reminder_incident_send() == 0
    assert len(mail.outbox) == 3
    assert MailClaim.objects.filter(kind="incident_notify").count() == 3


def test_the_command_sends_the_same_reminders_for_cron(incident, admin_user):
    admin_user.email = "alice@example.test"
    admin_user.save()
    out = StringIO()
    call_command("send_incident_reminders", stdout=out)
    call_command("send_incident_reminders", stdout=out)
    assert out.getvalue() == "incident_notify: 1 sent\nincident_notify: 0 sent\n"
    assert len(mail.outbox) == 1


# -- Admin --------------------------------------------------------------------------------------------


def test_the_register_shows_the_countdown_and_overdue_in_colour(client, incident, clock, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:monitoring_personaldataincident_changelist")
    clock.move_to(at(31))
    page = client.get(url).content.decode()
    assert "sisa 41 jam" in page and "incident-running" in page
    assert "13 Mar 2026 08:00 WIB" in page  # the deadline in the installation's zone
    assert reverse("monitoring:ropa-xlsx") in page
    clock.move_to(at(77))
    page = client.get(url).content.decode()
    assert "lewat 5 jam" in page and "incident-overdue" in page and "#b00020" in page


def test_an_administrator_records_an_incident_in_the_admin(client, clock, admin_user, service, requester_org):
    client.force_login(admin_user)
    response = client.post(reverse("admin:monitoring_personaldataincident_add"), {
        "found_at_0": "2026-03-10", "found_at_1": "06:30:00", "summary": "Data bocor",
        "services": [service.pk], "organizations": [requester_org.pk], "data_affected": "NIK 3 penduduk",
        "cause": "", "steps_taken": "",
        "splp-auditevent-content_type-object_id-TOTAL_FORMS": "0",
        "splp-auditevent-content_type-object_id-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = PersonalDataIncident.objects.get()
    assert incident.found_at == datetime.datetime(2026, 3, 10, 6, 30, tzinfo=JAKARTA)  # typed in local time
    assert list(incident.organizations.all()) == [requester_org]
    assert [e.action for e in audit_events_for(incident)] == ["record"]

    future = client.post(reverse("admin:monitoring_personaldataincident_add"), {
        "found_at_0": "2026-03-11", "found_at_1": "06:30:00", "summary": "x", "data_affected": "y",
        "splp-auditevent-content_type-object_id-TOTAL_FORMS": "0",
        "splp-auditevent-content_type-object_id-INITIAL_FORMS": "0",
    })
    assert future.status_code == 200
    assert "Waktu ditemukannya insiden tidak boleh di masa depan." in future.content.decode()
    assert PersonalDataIncident.objects.count() == 1


def test_the_notification_is_recorded_through_the_workflow_button(client, incident, clock, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:monitoring_personaldataincident_workflow", args=[incident.pk, "notify"])
    assert "Catat pemberitahuan" in client.get(
        reverse("admin:monitoring_personaldataincident_change", args=[incident.pk])).content.decode()
    clock.move_to(at(20))
    response = client.post(url, {"apply": "1", "text": "Surat 400/12 kepada 12 subjek data dan lembaga"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.notified_at) == (IS.NOTIFIED, at(20))


@pytest.mark.parametrize("who", [None, "publisher", "requester", "outsider"])
def test_outsiders_do_not_reach_the_register(client, request, incident, who):
    user = request.getfixturevalue(who) if who else None
    if user:
        user.is_staff = True
        user.save()
        client.force_login(user)
    for url in (
        reverse("admin:monitoring_personaldataincident_changelist"),
        reverse("admin:monitoring_personaldataincident_change", args=[incident.pk]),
        reverse("admin:monitoring_personaldataincident_add"),
    ):
        response = client.get(url)
        if user is None:
            assert response.status_code == 302 and "/login/" in response["Location"]
        else:
            assert sent_away(response)
    response = client.post(reverse("admin:monitoring_personaldataincident_workflow", args=[incident.pk, "notify"]),
                           {"apply": "1", "text": "Surat"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IS.OPEN


# -- Demo ---------------------------------------------------------------------------------------------


def test_the_demo_has_one_incident_notified_in_time(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Insiden data pribadi: 0 dibuat, 1 sudah ada" in out.getvalue()
    incident = PersonalDataIncident.objects.get()
    assert incident.status == IS.NOTIFIED and incidents.notified_on_time(incident)
    assert [s.slug for s in incident.services.all()] == ["data-kependudukan"]
    assert incident.organizations.count() == 2
