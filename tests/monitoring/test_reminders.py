"""Reminders fire exactly when due and only once (also on two workers at once), never before, never
when the target is met; grants expiring in 14 days are announced; lapsed grants expire once."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from monitoring import activities
from monitoring.models import ActivityKindChoices as AK, MonevReport, ReportStatusChoices
from monitoring.reminders import (
    approvals_expire_lapsed,
    expire_grants_task,
    grants_expire_lapsed,
    reminder_grant_expiry_send,
    reminder_grant_waiting_send,
    reminder_monev_send,
    reminder_semiannual_send,
    reminders_send,
    send_reminders_task,
)
from splp.audit import audit_events_for
from splp.models import MailClaim

from ..conftest import submit_request

JAKARTA = ZoneInfo("Asia/Jakarta")
D = datetime.date
NOW = datetime.datetime(2026, 3, 10, 8, tzinfo=JAKARTA)
MINUTE = datetime.timedelta(minutes=1)


def local(*args):
    return datetime.datetime(*args, tzinfo=JAKARTA)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def record(admin_user, kind, day):
    return activities.activity_record(actor=admin_user, kind=kind, date=day, title=f"{kind} {day}")


def logs():
    return sorted(MailClaim.objects.values_list("kind", "key", "recipients"))


# -- (a) half-year pembinaan / pengawasan ----------------------------------------------------------


def test_semiannual_reminder_from_30_days_before_the_half_year_ends_once(admin_user):
    assert reminder_semiannual_send(today=D(2026, 5, 30)) == 0  # 31 days before 30 June
    assert mail.outbox == []
    assert reminder_semiannual_send(today=D(2026, 5, 31)) == 1
    [message] = mail.outbox
    assert message.to == ["alice@example.test"]
    assert "Pembinaan dan pengawasan Pasal 8 semester ini masih di bawah target" in message.subject
    assert "Semester 1 tahun 2026" in message.body and "30 hari lagi" in message.body
    assert "Pembinaan (sosialisasi dan pelatihan): 0 dari minimal 1 (di bawah target)" in message.body
    assert reminder_semiannual_send(today=D(2026, 5, 31)) == 0
    assert reminder_semiannual_send(today=D(2026, 6, 20)) == 0
    assert len(mail.outbox) == 1
    assert logs() == [("semiannual", "2026-H1", 1)]


def test_semiannual_reminder_names_only_what_is_missing(admin_user):
    record(admin_user, AK.PELATIHAN, D(2026, 2, 1))
    assert reminder_semiannual_send(today=D(2026, 6, 15)) == 1
    body = mail.outbox[0].body
    assert "Pembinaan (sosialisasi dan pelatihan): 1 dari minimal 1\n" in body
    assert "Pengawasan: 0 dari minimal 1 (di bawah target)" in body


def test_no_semiannual_reminder_when_the_targets_are_met(admin_user):
    record(admin_user, AK.SOSIALISASI, D(2026, 2, 1))
    record(admin_user, AK.PENGAWASAN, D(2026, 4, 1))
    assert reminder_semiannual_send(today=D(2026, 6, 1)) == 0
    assert (mail.outbox, logs()) == ([], [])
    # The second half-year starts from zero: its reminder is due from 1 December.
    assert reminder_semiannual_send(today=D(2026, 11, 30)) == 0
    assert reminder_semiannual_send(today=D(2026, 12, 1)) == 1
    assert logs() == [("semiannual", "2026-H2", 1)]


def test_semiannual_days_before_is_a_setting_of_the_call(admin_user):
    assert reminder_semiannual_send(today=D(2026, 6, 15), days_before=14) == 0
    assert reminder_semiannual_send(today=D(2026, 6, 16), days_before=14) == 1


def test_nobody_to_tell_means_not_recorded_as_sent(db):
    assert reminder_semiannual_send(today=D(2026, 6, 1)) == 0
    assert logs() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_reminder(request):
    request.getfixturevalue("admin_user")
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(reminder_semiannual_send(today=D(2026, 6, 1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert logs() == [("semiannual", "2026-H1", 1)]


# -- (b) the yearly monev report ---------------------------------------------------------------------


def report(admin_user, start, end, status):
    return MonevReport.objects.create(period_start=start, period_end=end, title="Laporan Monev", status=status,
                                      generated_by=admin_user)


def test_monev_report_reminder_from_1_december_once(admin_user):
    assert reminder_monev_send(today=D(2026, 11, 30)) == 0
    assert reminder_monev_send(today=D(2026, 12, 1)) == 1
    [message] = mail.outbox
    assert "Laporan monitoring dan evaluasi tahunan perlu segera disusun" in message.subject
    assert "2026" in message.body
    assert reminder_monev_send(today=D(2026, 12, 2)) == 0
    assert logs() == [("monev_report", "2026", 1)]


def test_a_draft_or_partial_report_does_not_silence_the_monev_reminder(admin_user):
    report(admin_user, D(2026, 1, 1), D(2026, 12, 31), ReportStatusChoices.DRAFT)
    report(admin_user, D(2026, 1, 1), D(2026, 6, 30), ReportStatusChoices.FINAL)
    assert reminder_monev_send(today=D(2026, 12, 1)) == 1


def test_no_monev_reminder_when_the_years_report_is_final(admin_user):
    report(admin_user, D(2026, 1, 1), D(2026, 12, 31), ReportStatusChoices.FINAL)
    assert reminder_monev_send(today=D(2026, 12, 1)) == 0
    assert (mail.outbox, logs()) == ([], [])


# -- (c) approved requests waiting for the grant ------------------------------------------------------


def test_publisher_reminded_once_after_seven_days_without_a_grant(approved_request, clock):
    mail.outbox.clear()  # the approval's own notice
    clock.move_to(NOW + datetime.timedelta(days=7))
    assert reminder_grant_waiting_send() == 0  # exactly 7 days: not yet more than 7
    clock.move_to(NOW + datetime.timedelta(days=7) + MINUTE)
    assert reminder_grant_waiting_send() == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["alice@example.test", "bob@example.test"]  # the publisher and the Dinas
    assert "Permohonan akses yang disetujui menunggu pemberian akses" in message.subject
    assert "Dinas Kesehatan" in message.body and "7 hari" in message.body
    clock.move_to(NOW + datetime.timedelta(days=9))
    assert reminder_grant_waiting_send() == 0
    assert logs() == [("grant_waiting", f"request-{approved_request.pk}", 2)]


def test_no_waiting_reminder_once_granted(approved_request, publisher, clock):
    access_services.access_request_grant(actor=publisher, access_request=approved_request)
    clock.move_to(NOW + datetime.timedelta(days=10))
    assert reminder_grant_waiting_send() == 0
    assert logs() == []


def test_waiting_days_is_a_setting_of_the_call(approved_request, clock):
    clock.move_to(NOW + datetime.timedelta(days=3, minutes=1))
    assert reminder_grant_waiting_send(days=3) == 1


# -- (d) grants expiring in 14 days, and lapsed grants ---------------------------------------------


@pytest.fixture
def grant(granted_request):
    grant = granted_request.grant
    assert timezone_date(grant.expires_at) == D(2027, 3, 10)  # the requested one-year period
    mail.outbox.clear()
    return grant


def timezone_date(moment):
    return moment.astimezone(JAKARTA).date()


def test_expiry_notice_14_days_before_to_requester_and_publisher_once(grant, clock):
    clock.move_to(local(2027, 2, 23, 23, 59))
    assert reminder_grant_expiry_send() == 0
    clock.move_to(local(2027, 2, 24, 0, 30))
    assert reminder_grant_expiry_send() == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["bob@example.test", "carol@example.test"]
    assert "Hak akses API segera berakhir" in message.subject
    assert "10 Maret 2027" in message.body and "14 hari" in message.body
    clock.move_to(local(2027, 3, 1, 7))
    assert reminder_grant_expiry_send() == 0
    assert logs() == [("grant_expiry", f"grant-{grant.pk}-20270310", 2)]


def test_no_expiry_notice_for_a_revoked_grant(grant, admin_user, clock):
    access_services.access_request_revoke(actor=admin_user, access_request=grant.access_request, reason="selesai")
    clock.move_to(local(2027, 3, 1))
    mail.outbox.clear()
    assert reminder_grant_expiry_send() == 0
    assert mail.outbox == []


def test_lapsed_grants_expire_once(grant, clock, django_capture_on_commit_callbacks):
    clock.move_to(local(2027, 3, 10, 23, 59))
    assert grants_expire_lapsed() == 0
    clock.move_to(local(2027, 3, 11, 0, 0, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_grants_task() == 1
    request = grant.access_request
    request.refresh_from_db()
    grant.refresh_from_db()
    assert request.status == S.EXPIRED and grant.revoked_at is not None
    assert all(key.revoked_at for key in grant.keys.all())
    assert [e.action for e in audit_events_for(request)].count("expire") == 1
    [notice] = mail.outbox  # the service tells the requester and the publisher
    assert sorted(notice.to) == ["bob@example.test", "carol@example.test"]
    assert grants_expire_lapsed() == 0
    call_command("expire_grants")
    assert [e.action for e in audit_events_for(request)].count("expire") == 1


# -- the daily run ---------------------------------------------------------------------------------


def test_the_daily_task_sends_what_is_due_and_nothing_twice(granted_request, outsider, outsider_org,
                                                           published_version, admin_user, clock, capsys):
    waiting = submit_request(outsider, outsider_org, published_version)
    access_services.access_request_approve(actor=admin_user, access_request=waiting)
    mail.outbox.clear()
    clock.move_to(local(2026, 6, 1, 7))
    due = {"semiannual": 1, "monev_report": 0, "grant_waiting": 1, "grant_expiry": 0, "policy_review": 0}
    assert send_reminders_task() == due
    call_command("send_reminders")
    assert "semiannual: 0 sent" in capsys.readouterr().out
    assert reminders_send() == {"semiannual": 0, "monev_report": 0, "grant_waiting": 0, "grant_expiry": 0,
                                "policy_review": 0}
    assert len(mail.outbox) == 2


def test_the_daily_job_expires_approvals_left_ungranted(approved_request, clock, django_capture_on_commit_callbacks):
    """After SPLP_GRANT_WAIT_DAYS (14) without a grant the approval expires, once; both sides are told."""
    clock.move_to(approved_request.decided_at + datetime.timedelta(days=14) - MINUTE)
    assert approvals_expire_lapsed() == 0
    clock.move_to(approved_request.decided_at + datetime.timedelta(days=14))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_grants_task() == 1
    approved_request.refresh_from_db()
    assert approved_request.status == S.EXPIRED
    [notice] = mail.outbox
    assert sorted(notice.to) == ["bob@example.test", "carol@example.test"]
    call_command("expire_grants")
    assert [e.action for e in audit_events_for(approved_request)].count("expire") == 1
