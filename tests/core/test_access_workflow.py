"""The Pasal 7 state machine: every transition, every refused one, concurrency, audit and notifications."""

import datetime
import threading

import pytest
import time_machine
from cryptography.fernet import InvalidToken
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from access import services
from access.choices import AccessRequestStatusChoices as S
from access.keys import key_matches, split_prefix
from access.models import AccessRequest, ApiKey, Grant
from access.selectors import requests_awaiting_decision
from monitoring.reminders import approvals_expire_lapsed, grants_expire_lapsed
from splp import crypto
from splp.audit import audit_events_for
from splp.workflow import TransitionError

from ..conftest import submit_request
from ..factories import R, UserFactory, member


def actions(obj):
    return [(e.action, e.old_state, e.new_state) for e in audit_events_for(obj).order_by("id")]


def test_submit_records_request_audit_and_mails_administrators(
    requester, requester_org, published_version, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_request(requester, requester_org, published_version)
    assert request.status == S.SUBMITTED
    assert request.all_operations is True
    assert actions(request) == [("submit", "", S.SUBMITTED)]
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert "menunggu keputusan" in mail.outbox[0].subject
    assert requester_org.name in mail.outbox[0].body


def test_full_flow_grant_issues_hashed_key_revealed_once(
    submitted_request, admin_user, publisher, requester, django_capture_on_commit_callbacks
):
    services.access_request_approve(actor=admin_user, access_request=submitted_request, reason="Sesuai")
    with django_capture_on_commit_callbacks(execute=True):
        grant, key, raw = services.access_request_grant(
            actor=publisher, access_request=submitted_request, rate_limit_per_minute=30, ip_allowlist="10.0.0.0/8"
        )
    # The publisher is not an operator of the requesting organisation: the secret waits for the requester.
    assert raw is None
    assert [m.to for m in mail.outbox] == [[requester.email]]
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.GRANTED
    assert grant.rate_limit_per_minute == 30 and grant.ip_allowlist == "10.0.0.0/8"
    assert grant.expires_at.date() == submitted_request.period_end
    assert key.pending_secret and "splp_" not in key.pending_secret  # stored encrypted

    revealed = services.api_key_reveal(actor=requester, api_key=key)
    key.refresh_from_db()
    assert split_prefix(revealed) == key.prefix
    assert key_matches(revealed, key.key_hash)
    assert key.pending_secret == "" and key.revealed_at is not None
    assert revealed not in key.key_hash
    with pytest.raises(TransitionError):
        services.api_key_reveal(actor=requester, api_key=key)
    assert actions(submitted_request) == [
        ("submit", "", S.SUBMITTED),
        ("approve", S.SUBMITTED, S.APPROVED),
        ("grant", S.APPROVED, S.GRANTED),
    ]
    assert [a for a, _o, _n in actions(key)] == ["issue", "reveal"]


def test_grant_returns_key_at_once_when_publisher_also_operates_the_requesting_org(
    approved_request, publisher, requester_org
):
    from ..factories import R, member

    member(publisher, requester_org, R.REQUESTER)
    _grant, key, raw = services.access_request_grant(actor=publisher, access_request=approved_request)
    assert raw and key_matches(raw, key.key_hash)
    key.refresh_from_db()
    assert key.pending_secret == ""


def test_reject_requires_reason_and_saves_nothing_without_one(submitted_request, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.access_request_reject(actor=admin_user, access_request=submitted_request, reason="  ")
    assert "reason" in exc.value.message_dict
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED
    assert actions(submitted_request) == [("submit", "", S.SUBMITTED)]

    services.access_request_reject(actor=admin_user, access_request=submitted_request, reason="Tidak ada dasar hukum")
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.REJECTED
    assert submitted_request.decision_reason == "Tidak ada dasar hukum"
    assert submitted_request.decided_by == admin_user


@pytest.mark.parametrize(
    "state, action",
    [
        (S.SUBMITTED, "grant"),
        (S.SUBMITTED, "revoke"),
        (S.APPROVED, "approve"),
        (S.APPROVED, "reject"),
        (S.SUBMITTED, "decline"),
        (S.APPROVED, "revoke"),
        (S.REJECTED, "approve"),
        (S.REJECTED, "grant"),
        (S.REJECTED, "withdraw"),
        (S.GRANTED, "approve"),
        (S.GRANTED, "grant"),
        (S.GRANTED, "withdraw"),
        (S.GRANTED, "decline"),
        (S.DECLINED, "approve"),
        (S.DECLINED, "grant"),
        (S.DECLINED, "decline"),
        (S.DECLINED, "withdraw"),
        (S.REVOKED, "grant"),
        (S.REVOKED, "revoke"),
        (S.WITHDRAWN, "approve"),
        (S.WITHDRAWN, "withdraw"),
        (S.EXPIRED, "revoke"),
        (S.EXPIRED, "grant"),
        (S.APPROVED, "request_changes"),
        (S.GRANTED, "request_changes"),
        (S.REJECTED, "request_changes"),
        (S.CHANGES_REQUESTED, "request_changes"),
        (S.CHANGES_REQUESTED, "approve"),
        (S.CHANGES_REQUESTED, "reject"),
        (S.CHANGES_REQUESTED, "grant"),
        (S.CHANGES_REQUESTED, "decline"),
        (S.CHANGES_REQUESTED, "expire"),
        (S.SUBMITTED, "resubmit"),
        (S.SECOND_APPROVAL, "resubmit"),
        (S.APPROVED, "resubmit"),
        (S.REJECTED, "resubmit"),
        (S.WITHDRAWN, "resubmit"),
    ],
)
def test_illegal_transitions_are_refused_with_a_message(
    state, action, submitted_request, admin_user, publisher, requester
):
    AccessRequest.objects.filter(pk=submitted_request.pk).update(status=state)
    actor = {"approve": admin_user, "reject": admin_user, "grant": publisher, "revoke": admin_user,
             "withdraw": requester, "decline": publisher, "request_changes": admin_user, "resubmit": requester,
             "expire": None}[action]
    kwargs = {"reject": {"reason": "alasan"}, "revoke": {"reason": "alasan"}, "decline": {"reason": "alasan"},
              "request_changes": {"note": "catatan"}, "resubmit": {"purpose": "Tujuan baru"}}.get(action, {})
    with pytest.raises(TransitionError) as exc:
        getattr(services, f"access_request_{action}")(actor=actor, access_request=submitted_request, **kwargs)
    assert "status saat ini" in exc.value.messages[0]
    submitted_request.refresh_from_db()
    assert submitted_request.status == state


@pytest.mark.parametrize(
    "action, who",
    [
        ("approve", "requester"),
        ("approve", "publisher"),
        ("reject", "outsider"),
        ("withdraw", "outsider"),
        ("withdraw", "publisher"),
        ("request_changes", "requester"),
        ("request_changes", "publisher"),
        ("request_changes", "outsider"),
    ],
)
def test_wrong_role_cannot_decide(action, who, submitted_request, request):
    actor = request.getfixturevalue(who)
    kwargs = {"reject": {"reason": "alasan"}, "request_changes": {"note": "catatan"}}.get(action, {})
    with pytest.raises(PermissionDenied):
        getattr(services, f"access_request_{action}")(actor=actor, access_request=submitted_request, **kwargs)


@pytest.mark.parametrize("who", ["admin_user", "requester", "outsider"])
def test_only_the_owning_publisher_grants(who, approved_request, request):
    # Pasal 7c: the publisher gives access; not even the administrator does it for them.
    with pytest.raises(PermissionDenied):
        services.access_request_grant(actor=request.getfixturevalue(who), access_request=approved_request)
    assert not Grant.objects.exists()


def test_withdraw_by_requester_before_decision(submitted_request, requester):
    services.access_request_withdraw(actor=requester, access_request=submitted_request)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.WITHDRAWN


@pytest.mark.parametrize("who", ["publisher", "admin_user"])
def test_revoke_by_publisher_or_admin_revokes_keys(who, granted_request, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(ValidationError):
        services.access_request_revoke(actor=actor, access_request=granted_request, reason="")
    services.access_request_revoke(actor=actor, access_request=granted_request, reason="Penyalahgunaan")
    granted_request.refresh_from_db()
    assert granted_request.status == S.REVOKED
    assert granted_request.grant.revoked_at is not None
    assert not granted_request.grant.is_active
    key = granted_request.grant.keys.get()
    assert key.revoked_at is not None and key.pending_secret == ""


def test_requester_and_outsider_cannot_revoke(granted_request, requester, outsider):
    for actor in (requester, outsider):
        with pytest.raises(PermissionDenied):
            services.access_request_revoke(actor=actor, access_request=granted_request, reason="x")


def test_expire_only_after_the_grant_lapses(granted_request):
    with pytest.raises(TransitionError):
        services.access_request_expire(actor=None, access_request=granted_request)
    later = granted_request.grant.expires_at + datetime.timedelta(seconds=1)
    with time_machine.travel(later):
        services.access_request_expire(actor=None, access_request=granted_request)
    granted_request.refresh_from_db()
    assert granted_request.status == S.EXPIRED
    event = audit_events_for(granted_request).get(action="expire")
    assert event.actor is None


# -- no dead end after approval ----------------------------------------------------------------------


def test_requester_withdraws_an_approval_before_the_grant_and_may_apply_again(
    approved_request, requester, requester_org, published_version, admin_user, publisher,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_withdraw(actor=requester, access_request=approved_request)
    approved_request.refresh_from_db()
    assert approved_request.status == S.WITHDRAWN
    assert actions(approved_request)[-1] == ("withdraw", S.APPROVED, S.WITHDRAWN)
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    with pytest.raises(TransitionError):
        services.access_request_grant(actor=publisher, access_request=approved_request)
    assert submit_request(requester, requester_org, published_version).status == S.SUBMITTED


def test_publisher_declines_with_a_reason_and_the_requester_is_told(
    approved_request, publisher, requester, requester_org, published_version, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as exc:
        services.access_request_decline(actor=publisher, access_request=approved_request, reason=" ")
    assert "reason" in exc.value.message_dict
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED
    assert actions(approved_request)[-1][0] == "approve"

    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_decline(actor=publisher, access_request=approved_request,
                                        reason="Kapasitas server tidak cukup")
    approved_request.refresh_from_db()
    assert approved_request.status == S.DECLINED
    assert approved_request.decline_reason == "Kapasitas server tidak cukup"
    event = audit_events_for(approved_request).get(action="decline")
    assert (event.actor, event.old_state, event.new_state, event.reason) == (
        publisher, S.APPROVED, S.DECLINED, "Kapasitas server tidak cukup")
    [notice] = mail.outbox
    assert notice.to == [requester.email]
    assert "ditolak oleh penyedia API" in notice.subject
    assert "Alasan: Kapasitas server tidak cukup" in notice.body
    assert "dapat mengajukan permohonan baru" in notice.body
    # The declined request no longer blocks a new application.
    assert submit_request(requester, requester_org, published_version).status == S.SUBMITTED


@pytest.mark.parametrize("who", ["admin_user", "requester", "outsider"])
def test_only_the_owning_publisher_declines(who, approved_request, request):
    with pytest.raises(PermissionDenied):
        services.access_request_decline(actor=request.getfixturevalue(who), access_request=approved_request,
                                        reason="tidak")
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED


def _expires_with_notice(access_request, publisher, requester, capture):
    with capture(execute=True):
        services.access_request_expire(actor=None, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == S.EXPIRED
    event = audit_events_for(access_request).get(action="expire")
    assert (event.actor, event.old_state, event.new_state) == (None, S.APPROVED, S.EXPIRED)
    [notice] = mail.outbox
    assert sorted(notice.to) == sorted([publisher.email, requester.email])
    assert "kedaluwarsa tanpa pemberian akses" in notice.subject
    assert "dapat mengajukan permohonan baru" in notice.body


def test_approval_not_granted_within_the_wait_days_expires(
    approved_request, publisher, requester, settings, django_capture_on_commit_callbacks
):
    settings.SPLP_GRANT_WAIT_DAYS = 5
    deadline = approved_request.decided_at + datetime.timedelta(days=5)
    with time_machine.travel(deadline - datetime.timedelta(seconds=1), tick=False):
        with pytest.raises(TransitionError):
            services.access_request_expire(actor=None, access_request=approved_request)
    mail.outbox.clear()
    with time_machine.travel(deadline, tick=False):
        _expires_with_notice(approved_request, publisher, requester, django_capture_on_commit_callbacks)


def test_approval_expires_when_its_period_ends_before_the_grant(
    requester, requester_org, published_version, admin_user, publisher, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    access_request = submit_request(requester, requester_org, published_version, period_start=today,
                                    period_end=today + datetime.timedelta(days=2))
    services.access_request_approve(actor=admin_user, access_request=access_request)
    mail.outbox.clear()
    # Three days later: well within the 14 wait days, but the requested period is over.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        _expires_with_notice(access_request, publisher, requester, django_capture_on_commit_callbacks)


# -- separation of duties ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [R.REQUESTER, R.PUBLISHER, R.ADMINISTRATOR])
@pytest.mark.parametrize("action, text", [("approve", "reason"), ("reject", "reason"), ("request_changes", "note")])
def test_administrator_of_the_requesting_organisation_cannot_decide(
    role, action, text, submitted_request, admin_user, requester_org
):
    member(admin_user, requester_org, role)
    with pytest.raises(PermissionDenied) as exc:
        getattr(services, f"access_request_{action}")(actor=admin_user, access_request=submitted_request,
                                                       **{text: "alasan"})
    assert "Pemisahan tugas" in str(exc.value) and "administrator lain" in str(exc.value)
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.SUBMITTED and submitted_request.decided_by is None
    assert [a for a, _o, _n in actions(submitted_request)] == ["submit"]


def test_administrator_who_applied_cannot_approve_but_another_can(
    admin_user, requester_org, published_version, dinas
):
    from directory.models import Membership

    member(admin_user, requester_org, R.REQUESTER)
    access_request = submit_request(admin_user, requester_org, published_version)
    # Leaving the organisation afterwards does not make them independent of their own application.
    Membership.objects.filter(user=admin_user, organization=requester_org).delete()
    with pytest.raises(PermissionDenied) as exc:
        services.access_request_approve(actor=admin_user, access_request=access_request)
    assert "Pemisahan tugas" in str(exc.value)
    other_admin = member(UserFactory(username="dewi", is_staff=True), dinas, R.ADMINISTRATOR)
    services.access_request_approve(actor=other_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == S.APPROVED and access_request.decided_by == other_admin


def test_submit_refuses_bad_input_and_duplicates(requester, requester_org, published_version, outsider, outsider_org):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        submit_request(requester, requester_org, published_version, purpose=" ", legal_basis="",
                       period_start=today, period_end=today - datetime.timedelta(days=1), expected_daily_volume=0)
    assert set(exc.value.message_dict) == {"purpose", "legal_basis", "period_end", "expected_daily_volume"}
    assert not AccessRequest.objects.exists()

    submit_request(requester, requester_org, published_version)
    with pytest.raises(ValidationError):
        submit_request(requester, requester_org, published_version)
    assert AccessRequest.objects.count() == 1
    with pytest.raises(PermissionDenied):
        submit_request(requester, outsider_org, published_version)
    with pytest.raises(PermissionDenied):
        submit_request(outsider, requester_org, published_version)


def test_submit_refuses_unpublished_versions_and_foreign_operations(
    requester, requester_org, draft_version, published_version, publisher
):
    from directory import services as directory_services

    other = directory_services.api_version_create(
        actor=publisher, service=published_version.service, version="2.0.0",
        upstream_base_url=published_version.upstream_base_url, spec=published_version.spec,
    )
    with pytest.raises(ValidationError):
        submit_request(requester, requester_org, other)
    with pytest.raises(ValidationError) as exc:
        submit_request(requester, requester_org, published_version, operations=list(other.operations.all()))
    assert "operations" in exc.value.message_dict


def test_subset_of_operations_is_carried_into_the_grant(requester, requester_org, published_version, admin_user,
                                                        publisher):
    op = published_version.operations.get(method="GET")
    request = submit_request(requester, requester_org, published_version, operations=[op])
    assert request.all_operations is False
    services.access_request_approve(actor=admin_user, access_request=request)
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=request)
    assert grant.all_operations is False
    assert list(grant.operations.all()) == [op]


def test_grant_refuses_invalid_ip_allowlist_and_saves_nothing(approved_request, publisher):
    with pytest.raises(ValidationError):
        services.access_request_grant(actor=publisher, access_request=approved_request, ip_allowlist="bukan-ip")
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED
    assert not Grant.objects.exists() and not ApiKey.objects.exists()


def test_rotate_issues_a_new_key_and_revokes_the_old(granted_request, requester, publisher, outsider):
    grant = granted_request.grant
    old = grant.keys.get()
    with pytest.raises(PermissionDenied):
        services.api_key_rotate(actor=publisher, grant=grant)
    with pytest.raises(PermissionDenied):
        services.api_key_rotate(actor=outsider, grant=grant)
    new, raw = services.api_key_rotate(actor=requester, grant=grant)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.revoked_at is None and key_matches(raw, new.key_hash) and new.pending_secret == ""
    services.api_key_revoke(actor=requester, api_key=new, reason="bocor")
    with pytest.raises(TransitionError):
        services.api_key_revoke(actor=requester, api_key=new)
    with pytest.raises(PermissionDenied):
        services.api_key_revoke(actor=outsider, api_key=old)


def test_pending_secret_is_decryptable_only_with_the_server_key(granted_request, settings):
    key = granted_request.grant.keys.get()
    assert crypto.decrypt(key.pending_secret).startswith("splp_")
    settings.SECRET_KEY = "another-secret"
    with pytest.raises(InvalidToken):
        crypto.decrypt(key.pending_secret)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_decisions_exactly_one_wins(request):
    """Approve and reject at the same moment: one decision wins, the other is refused clearly."""
    for name in ("admin_user", "requester", "requester_org", "published_version"):
        request.getfixturevalue(name)
    admin_user = request.getfixturevalue("admin_user")
    access_request = submit_request(
        request.getfixturevalue("requester"), request.getfixturevalue("requester_org"),
        request.getfixturevalue("published_version"),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(action):
        try:
            barrier.wait()
            kwargs = {"reason": "alasan"} if action == "reject" else {}
            getattr(services, f"access_request_{action}")(actor=admin_user, access_request=access_request, **kwargs)
            outcomes.append((action, "ok"))
        except TransitionError:
            outcomes.append((action, "refused"))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("approve", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(o for _a, o in outcomes) == ["ok", "refused"]
    winner = next(a for a, o in outcomes if o == "ok")
    access_request.refresh_from_db()
    assert access_request.status == {"approve": S.APPROVED, "reject": S.REJECTED}[winner]
    decisions = [e for e in audit_events_for(access_request) if e.action in ("approve", "reject")]
    assert len(decisions) == 1


def test_submit_refuses_a_rahasia_api_the_applicant_may_not_see_as_if_unpublished(
    requester, requester_org, published_version, publisher
):
    from directory import services as directory_services

    directory_services.api_version_create(
        actor=publisher, service=published_version.service, version="2.0.0",
        upstream_base_url=published_version.upstream_base_url, spec=published_version.spec,
    )
    unpublished = published_version.service.versions.get(version="2.0.0")
    with pytest.raises(ValidationError) as hidden_unpublished:
        submit_request(requester, requester_org, unpublished)
    published_version.service.classification = "rahasia"
    published_version.service.save()
    with pytest.raises(ValidationError) as hidden:
        submit_request(requester, requester_org, published_version)
    assert hidden.value.messages == hidden_unpublished.value.messages
    assert not AccessRequest.objects.exists()


# -- returned to the requester for changes ("Minta perbaikan") ------------------------------------------------

NOTE = "Dasar hukum belum dicantumkan: sebutkan pasal yang mengizinkan akses NIK."


def test_request_changes_returns_the_request_with_the_note_and_mails_the_requester(
    submitted_request, admin_user, requester, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_request_changes(actor=admin_user, access_request=submitted_request,
                                                note=f"  {NOTE}  ")
    submitted_request.refresh_from_db()
    assert submitted_request.status == S.CHANGES_REQUESTED
    assert submitted_request.changes_note == NOTE
    # Not a decision: nothing is recorded as decided.
    assert (submitted_request.decided_by, submitted_request.decided_at, submitted_request.decision_reason) == (
        None, None, "")
    event = audit_events_for(submitted_request).get(action="request_changes")
    assert (event.actor, event.old_state, event.new_state, event.reason) == (
        admin_user, S.SUBMITTED, S.CHANGES_REQUESTED, NOTE)
    [notice] = mail.outbox
    assert notice.to == [requester.email]
    assert notice.subject.endswith("Permohonan akses dikembalikan untuk diperbaiki")
    assert NOTE in notice.body
    assert 'Perbaiki permohonan lalu ajukan lagi di halaman "Permohonan saya"' in notice.body
    # It is no longer the administrators' to decide, but still the organisation's one open request.
    assert not requests_awaiting_decision(admin_user).exists()
    with pytest.raises(ValidationError, match="sudah memiliki permohonan"):
        submit_request(requester, submitted_request.requester, submitted_request.api_version)


@pytest.mark.parametrize("note", ["", "   ", None])
def test_request_changes_needs_a_note_and_saves_nothing(note, submitted_request, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.access_request_request_changes(actor=admin_user, access_request=submitted_request, note=note)
    assert exc.value.message_dict == {"note": ["Catatan perbaikan wajib diisi."]}
    submitted_request.refresh_from_db()
    assert (submitted_request.status, submitted_request.changes_note) == (S.SUBMITTED, "")
    assert actions(submitted_request) == [("submit", "", S.SUBMITTED)]


@pytest.fixture
def returned_request(submitted_request, admin_user):
    return services.access_request_request_changes(actor=admin_user, access_request=submitted_request, note=NOTE)


def test_resubmit_applies_the_changes_and_returns_to_the_administrators(
    returned_request, requester, admin_user, published_version, django_capture_on_commit_callbacks
):
    operation = published_version.operations.get(method="GET")
    start, end = returned_request.period_start, returned_request.period_end - datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_resubmit(
            actor=requester, access_request=returned_request, legal_basis="  UU 24/2013 Pasal 79  ",
            period_start=start, period_end=end, operations=[operation],
        )
    returned_request.refresh_from_db()
    assert returned_request.status == S.SUBMITTED
    assert returned_request.legal_basis == "UU 24/2013 Pasal 79"
    assert returned_request.purpose == "Verifikasi NIK pasien"  # not sent: unchanged
    assert (returned_request.period_start, returned_request.period_end) == (start, end)
    assert returned_request.all_operations is False and list(returned_request.operations.all()) == [operation]
    event = audit_events_for(returned_request).order_by("id").last()
    assert (event.action, event.actor, event.old_state, event.new_state) == (
        "submit", requester, S.CHANGES_REQUESTED, S.SUBMITTED)
    # Only what changed, old and new, as JSON.
    assert event.data == {
        "old": {"legal_basis": "Permenkes 24/2022", "period_end": (end + datetime.timedelta(days=30)).isoformat(),
                "operations": []},
        "new": {"legal_basis": "UU 24/2013 Pasal 79", "period_end": end.isoformat(),
                "operations": [f"GET {operation.path}"]},
    }
    [notice] = mail.outbox
    assert notice.to == [admin_user.email]
    assert notice.subject.endswith("Permohonan akses yang telah diperbaiki menunggu keputusan")
    assert "telah memperbaiki permohonan akses" in notice.body
    assert list(requests_awaiting_decision(admin_user)) == [returned_request]
    # Back in the queue: the administrator decides as on any submitted request.
    services.access_request_approve(actor=admin_user, access_request=returned_request)
    returned_request.refresh_from_db()
    assert returned_request.status == S.APPROVED


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"purpose": " ", "legal_basis": "", "expected_daily_volume": 0},
         {"purpose", "legal_basis", "expected_daily_volume"}),
        ({"period_end": datetime.date(2000, 1, 1)}, {"period_end"}),
        # The terbuka policy allows at most 730 days.
        ({"period_end": timezone.localdate() + datetime.timedelta(days=800)}, {"period_end"}),
    ],
)
def test_invalid_resubmission_is_refused_as_a_submission_and_saves_nothing(
    fields, errors, returned_request, requester, published_version, django_capture_on_commit_callbacks
):
    before = AccessRequest.objects.values().get(pk=returned_request.pk)
    operation = published_version.operations.get(method="GET")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.access_request_resubmit(actor=requester, access_request=returned_request, operations=[operation],
                                         **fields)
    assert set(exc.value.message_dict) == errors
    assert AccessRequest.objects.values().get(pk=returned_request.pk) == before
    assert not returned_request.operations.exists()
    assert [a for a, _o, _n in actions(returned_request)] == ["submit", "request_changes"]
    assert mail.outbox == []


def test_resubmit_refuses_operations_of_another_version_and_an_unpublished_api(
    returned_request, requester, published_version, publisher, v2
):
    with pytest.raises(ValidationError) as exc:
        services.access_request_resubmit(actor=requester, access_request=returned_request,
                                         operations=list(v2.operations.all()))
    assert "operations" in exc.value.message_dict
    from directory import services as directory_services

    directory_services.api_version_deprecate(actor=publisher, api_version=published_version,
                                             sunset_on=timezone.localdate() + datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match=r"tidak \(lagi\) terbit di direktori"):
        services.access_request_resubmit(actor=requester, access_request=returned_request)
    returned_request.refresh_from_db()
    assert returned_request.status == S.CHANGES_REQUESTED


@pytest.mark.parametrize("who", ["admin_user", "publisher", "outsider"])
def test_only_a_requester_operator_of_the_organisation_resubmits(who, returned_request, request):
    with pytest.raises(PermissionDenied):
        services.access_request_resubmit(actor=request.getfixturevalue(who), access_request=returned_request,
                                         purpose="Tujuan lain")
    returned_request.refresh_from_db()
    assert (returned_request.status, returned_request.purpose) == (S.CHANGES_REQUESTED, "Verifikasi NIK pasien")


def test_a_returned_request_may_be_withdrawn_and_then_applied_for_anew(
    returned_request, requester, requester_org, published_version, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_withdraw(actor=requester, access_request=returned_request)
    returned_request.refresh_from_db()
    assert returned_request.status == S.WITHDRAWN
    assert actions(returned_request)[-1] == ("withdraw", S.CHANGES_REQUESTED, S.WITHDRAWN)
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert submit_request(requester, requester_org, published_version).status == S.SUBMITTED


def test_a_returned_request_waits_for_the_requester_without_lapsing(returned_request, settings):
    """The expiry sweeps close approvals and grants; a returned request waits for its requester (who may
    withdraw it), as a submitted one waits for the administrator."""
    settings.SPLP_GRANT_WAIT_DAYS = 1
    later = timezone.localtime(timezone.now()) + datetime.timedelta(days=400)
    with time_machine.travel(later, tick=False):
        assert approvals_expire_lapsed() == 0 and grants_expire_lapsed() == 0
    returned_request.refresh_from_db()
    assert returned_request.status == S.CHANGES_REQUESTED
