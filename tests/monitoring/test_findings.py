"""Misuse findings for pengawasan (Pasal 8(5)b): each rule fires on a crafted log and stays quiet on a
clean one; detection is idempotent; the Dinas (only) marks a finding followed up, with a note."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from access import services as access_services
from monitoring.findings import detect_findings_task, finding_follow_up, findings_detect
from monitoring.models import Finding, FindingKindChoices as K, FindingStatusChoices as FS, LogBatch, RequestLog
from splp.audit import audit_events_for
from splp.models import AuditEvent
from splp.workflow import TransitionError
from tests.conftest import sent_away

from ..admin.conftest import admin_url, confirm_action, login, make_staff, messages_of, start_action
from ..factories import OrganizationFactory

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = datetime.timedelta(days=1)


def local(*args):
    return datetime.datetime(*args, tzinfo=JAKARTA)


# The clock: 10 March 2026, 08:00 in Baubau's zone; the daily run looks at 9 March.
NOW = local(2026, 3, 10, 8)
START, END = local(2026, 3, 9), local(2026, 3, 10)


def log_rows(*, time, n=1, organization=None, grant=None, service=None, status=200, error_code="",
             upstream_status=None, spread=datetime.timedelta(minutes=1)):
    """``n`` request-log rows from ``time``, ``spread`` apart."""
    batch = LogBatch.objects.create(row_count=n, prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)
    RequestLog.objects.bulk_create([
        RequestLog(
            batch=batch, request_id=uuid.uuid4().hex, time=time + i * spread, organization=organization,
            grant=grant, service=service, method="GET", path="/gateway/data-penduduk/v1/penduduk/1", status=status,
            upstream_status=upstream_status, latency_ms=5.0, error_code=error_code,
        )
        for i in range(n)
    ])


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def grant(granted_request):
    return granted_request.grant


@pytest.fixture
def calls(grant):
    """log_rows for the requester's grant on the published API."""

    def make(n, *, time=START + datetime.timedelta(hours=9), **fields):
        fields = {"organization": grant.organization, "grant": grant, "service": grant.api_version.service, **fields}
        log_rows(time=time, n=n, **fields)

    return make


def detect(**kwargs):
    return findings_detect(period_start=START, period_end=END, **kwargs)


def found():
    return sorted((f.kind, f.organization.code, f.service and f.service.slug, f.count) for f in Finding.objects.all())


# -- each rule on its own ---------------------------------------------------------------------------


def test_repeated_refused_calls_fire_at_twenty(calls, grant):
    calls(19, status=403, error_code="ip_not_allowed")
    detect()
    assert found() == []
    calls(1, status=401, error_code="key_inactive")  # also an inactive-key call
    detect()
    refused = Finding.objects.get(kind=K.REFUSED_CALLS)
    assert (refused.organization, refused.service, refused.grant, refused.count) == (
        grant.organization, grant.api_version.service, grant, 20
    )
    assert refused.detail["status_401"] == 1 and refused.detail["status_403"] == 19
    assert (refused.period_start, refused.period_end) == (START, END)


def test_upstream_refusals_count_too_and_are_told_apart(calls):
    calls(15, status=403, error_code="ip_not_allowed")
    calls(5, status=403, upstream_status=403)  # the publisher's own system refused
    detect()
    refused = Finding.objects.get(kind=K.REFUSED_CALLS)
    assert refused.count == 20 and refused.detail["refused_by_bus"] == 15


def test_rate_limit_hits_fire_at_ten(calls):
    calls(9, status=429, error_code="rate_limited")
    detect()
    assert found() == []
    calls(1, status=429, error_code="rate_limited")
    detect()
    assert found() == [(K.RATE_LIMITED, "dinkes", "data-penduduk", 10)]


def test_one_call_to_an_operation_not_granted_fires(calls):
    calls(1, status=403, error_code="operation_not_granted")
    detect()
    assert found() == [(K.NOT_GRANTED, "dinkes", "data-penduduk", 1)]


@pytest.mark.parametrize("status, code", [(401, "key_inactive"), (403, "grant_inactive")])
def test_one_call_with_a_revoked_or_expired_key_fires(calls, status, code):
    calls(1, status=status, error_code=code)
    detect()
    finding = Finding.objects.get()
    assert (finding.kind, finding.count) == (K.INACTIVE_KEY, 1)
    assert finding.detail[code] == 1


def test_calls_outside_the_period_do_not_count(calls):
    calls(30, status=403, error_code="ip_not_allowed", time=START - datetime.timedelta(minutes=31))  # ends 23:59
    calls(30, status=429, error_code="rate_limited", time=END)
    detect()
    assert found() == []


def test_spike_against_the_requesters_own_baseline(calls):
    # 14 days of 10 calls a day before the period, then 101 in its last 24 hours: > 5 x 10 and > 100.
    calls(140, time=START - 14 * DAY, spread=datetime.timedelta(hours=2.4))
    calls(101)
    detect()
    spike = Finding.objects.get()
    assert (spike.kind, spike.count, spike.grant) == (K.SPIKE, 101, None)
    assert spike.detail["baseline_daily_average"] == 10.0


@pytest.mark.parametrize("baseline_per_day, recent", [
    (10, 100),   # 10x the baseline but not above 100 calls
    (30, 150),   # above 100 but not above 5 x 30
])
def test_no_spike_below_either_bar(calls, baseline_per_day, recent):
    calls(14 * baseline_per_day, time=START - 14 * DAY, spread=DAY / baseline_per_day)
    calls(recent)
    detect()
    assert found() == []


def test_spike_of_a_requester_without_history(calls):
    calls(101)
    detect()
    assert found() == [(K.SPIKE, "dinkes", "data-penduduk", 101)]


def test_unattributed_refusals_are_no_finding(published_version):
    # No key or an unknown key: the log names no organisation to follow up with.
    log_rows(time=START, n=50, service=published_version.service, status=401, error_code="missing_key")
    log_rows(time=START, n=50, service=published_version.service, status=401, error_code="invalid_key")
    detect()
    assert found() == []


def test_a_clean_log_gives_no_finding(calls, published_version):
    calls(14 * 50, time=START - 14 * DAY, spread=DAY / 50)
    calls(150)  # with the refusals below ~4x its usual 50 a day
    calls(19, status=403, error_code="ip_not_allowed")
    calls(9, status=429, error_code="rate_limited")
    calls(20, status=404, error_code="unknown_operation")
    calls(5, status=502, error_code="upstream_timeout")
    log_rows(time=START, n=30, service=published_version.service, status=401, error_code="missing_key")
    assert detect() == {"created": 0, "updated": 0, "unchanged": 0}
    assert Finding.objects.count() == 0


# -- grants unused for 90 days --------------------------------------------------------------------


def run_daily(clock, moment):
    clock.move_to(moment)
    return detect_findings_task()


def test_grant_unused_for_90_days_is_a_candidate_for_revocation(grant, clock):
    granted = grant.granted_at
    run_daily(clock, granted + 89 * DAY)
    assert found() == []
    run_daily(clock, granted + 91 * DAY)
    finding = Finding.objects.get()
    assert (finding.kind, finding.grant, finding.period_start) == (K.UNUSED_GRANT, grant, granted)
    assert finding.detail["last_call"] is None
    idle_days = finding.count
    # The next day the same finding is updated, not repeated.
    run_daily(clock, granted + 92 * DAY)
    finding.refresh_from_db()
    assert Finding.objects.count() == 1 and finding.count == idle_days + 1


def test_a_grant_in_use_or_revoked_is_not_unused(grant, calls, clock, publisher, outsider, outsider_org,
                                                 published_version, admin_user):
    from ..conftest import submit_request

    calls(1, time=grant.granted_at + 5 * DAY)
    other = submit_request(outsider, outsider_org, published_version)
    access_services.access_request_approve(actor=admin_user, access_request=other)
    access_services.access_request_grant(actor=publisher, access_request=other)
    access_services.access_request_revoke(actor=admin_user, access_request=other, reason="tidak dipakai")
    run_daily(clock, grant.granted_at + 91 * DAY)
    assert found() == []  # used 86 days ago; the other grant is revoked
    run_daily(clock, grant.granted_at + 96 * DAY)
    finding = Finding.objects.get()
    assert (finding.kind, finding.grant) == (K.UNUSED_GRANT, grant)
    assert finding.period_start == grant.granted_at + 5 * DAY


# -- idempotence ------------------------------------------------------------------------------------


def test_detecting_twice_creates_nothing_twice_and_refreshes_counts(calls):
    calls(20, status=403, error_code="ip_not_allowed")
    calls(10, status=429, error_code="rate_limited")
    calls(1, status=403, error_code="operation_not_granted")
    first = detect()
    assert first == {"created": 3, "updated": 0, "unchanged": 0}
    assert detect() == {"created": 0, "updated": 0, "unchanged": 3}
    assert Finding.objects.count() == 3
    assert AuditEvent.objects.filter(action="detect").count() == 3
    calls(5, status=429, error_code="rate_limited")
    assert detect() == {"created": 0, "updated": 1, "unchanged": 2}
    assert Finding.objects.get(kind=K.RATE_LIMITED).count == 15


def test_daily_task_and_command_share_the_period(calls):
    calls(10, status=429, error_code="rate_limited")
    assert detect_findings_task() == {"created": 1, "updated": 0, "unchanged": 0}
    call_command("detect_findings", "--from", "2026-03-09", "--to", "2026-03-09")
    assert Finding.objects.count() == 1
    # A month as one period is a different finding; --by-day repeats the daily periods.
    call_command("detect_findings", "--from", "2026-03-01", "--to", "2026-03-31")
    call_command("detect_findings", "--from", "2026-03-08", "--to", "2026-03-09", "--by-day")
    assert sorted((f.period_start, f.period_end) for f in Finding.objects.all()) == [
        (local(2026, 3, 1), local(2026, 4, 1)), (START, END),
    ]


def test_a_followed_up_finding_stays_followed_up_when_detected_again(calls, admin_user):
    calls(10, status=429, error_code="rate_limited")
    detect()
    finding_follow_up(actor=admin_user, finding=Finding.objects.get(), note="Sudah ditegur")
    calls(3, status=429, error_code="rate_limited")
    detect()
    finding = Finding.objects.get()
    assert (finding.status, finding.count) == (FS.FOLLOWED_UP, 13)


def test_thresholds_can_be_changed(calls, settings):
    calls(5, status=429, error_code="rate_limited")
    detect(rate_limit_threshold=5)
    assert Finding.objects.count() == 1
    Finding.objects.all().delete()
    settings.SPLP_FINDING_THRESHOLDS = {"rate_limit_threshold": 3}
    detect()
    assert Finding.objects.count() == 1
    with pytest.raises(TypeError):
        detect(unknown_threshold=1)


# -- follow-up ----------------------------------------------------------------------------------


@pytest.fixture
def finding(calls):
    calls(10, status=429, error_code="rate_limited")
    detect()
    return Finding.objects.get()


def test_administrator_follows_up_with_a_note(finding, admin_user):
    finding_follow_up(actor=admin_user, finding=finding, note="  Pembinaan ke Dinkes, 12 Maret  ")
    finding.refresh_from_db()
    assert (finding.status, finding.followed_up_by, finding.followed_up_at, finding.follow_up_note) == (
        FS.FOLLOWED_UP, admin_user, NOW, "Pembinaan ke Dinkes, 12 Maret"
    )
    event = audit_events_for(finding).get(action="follow_up")
    assert (event.actor, event.old_state, event.new_state, event.reason) == (
        admin_user, FS.OPEN, FS.FOLLOWED_UP, "Pembinaan ke Dinkes, 12 Maret"
    )
    with pytest.raises(TransitionError):
        finding_follow_up(actor=admin_user, finding=finding, note="lagi")


def test_follow_up_needs_a_note_and_an_administrator(finding, admin_user, publisher, requester):
    with pytest.raises(ValidationError) as refused:
        finding_follow_up(actor=admin_user, finding=finding, note="   ")
    assert "note" in refused.value.message_dict
    for user in (publisher, requester):
        with pytest.raises(PermissionDenied):
            finding_follow_up(actor=user, finding=finding, note="ok")
    finding.refresh_from_db()
    assert finding.status == FS.OPEN


# -- admin ----------------------------------------------------------------------------------------


def test_admin_lists_and_filters_findings(finding, calls, admin_user):
    calls(1, status=403, error_code="operation_not_granted")
    detect()
    alice = login(admin_user)
    page = alice.get(admin_url(Finding))
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    only = alice.get(admin_url(Finding) + "?kind__exact=rate_limited")
    assert [f.kind for f in only.context["cl"].result_list] == [K.RATE_LIMITED]
    by_org = alice.get(admin_url(Finding) + f"?organization__id__exact={finding.organization_id}&status__exact=open")
    assert by_org.context["cl"].result_count == 2
    detail = alice.get(admin_url(Finding, "change", finding.pk))
    assert detail.status_code == 200
    assert "Tandai sudah ditindaklanjuti" in detail.content.decode()


def test_admin_action_marks_followed_up_with_a_required_note(finding, admin_user):
    alice = login(admin_user)
    page = start_action(alice, Finding, "follow_up", [finding])
    assert page.status_code == 200
    assert "Tandai sudah ditindaklanjuti" in page.content.decode()
    empty = confirm_action(alice, Finding, "follow_up", [finding], text="")
    assert empty.status_code == 200 and empty.context["form"].errors
    finding.refresh_from_db()
    assert finding.status == FS.OPEN
    done = confirm_action(alice, Finding, "follow_up", [finding], text="Surat teguran dikirim")
    assert done.status_code == 302
    assert any(level == "success" for level, _text in messages_of(done))
    finding.refresh_from_db()
    assert (finding.status, finding.follow_up_note) == (FS.FOLLOWED_UP, "Surat teguran dikirim")


def test_operators_cannot_reach_findings(finding, publisher, requester, outsider):
    for user in (publisher, requester, outsider):
        client = login(make_staff(user))
        assert sent_away(client.get(admin_url(Finding)))
        assert sent_away(client.get(admin_url(Finding, "change", finding.pk)))
        workflow = f"{admin_url(Finding)}{finding.pk}/workflow/follow_up/"
        assert sent_away(client.post(workflow, {"apply": "1", "text": "x"}))
    finding.refresh_from_db()
    assert finding.status == FS.OPEN


def test_another_organisations_finding_is_listed_for_the_dinas(calls, admin_user):
    other = OrganizationFactory(code="bappeda-x")
    log_rows(time=START, n=10, organization=other, status=429, error_code="rate_limited")
    calls(10, status=429, error_code="rate_limited")
    detect()
    assert sorted(f.organization.code for f in Finding.objects.all()) == ["bappeda-x", "dinkes"]
