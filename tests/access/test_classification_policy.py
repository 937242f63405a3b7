"""The Dinas's rules per classification (issue 9): longest period, IP allow-list, second approval; enforced at
submission, approval, grant and key rotation, and changed only by administrators (audited)."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access import services
from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest, ClassificationPolicy, Grant
from directory.choices import ClassificationChoices as C
from splp.audit import audit_events_for
from splp.workflow import RuleRefused

from ..conftest import POLICY_DAY, file_request, submit_request
from ..factories import R, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_policy_day")]





@pytest.fixture
def terbatas(publish):
    return publish("perizinan", classification=C.TERBATAS)


def policy(classification):
    return ClassificationPolicy.objects.get(classification=classification)


def submit(applicant, requester_org, version, days=90, start_in=0):
    """A requester operator's application; for a rahasia API, which an organisation sees only once it applied,
    ``applicant`` is the administrator recording it from the organisation's letter."""
    start = timezone.localdate() + datetime.timedelta(days=start_in)
    if version.service.classification == C.RAHASIA:
        return file_request(applicant, requester_org, version, period_start=start,
                            period_end=start + datetime.timedelta(days=days))
    return submit_request(applicant, requester_org, version, period_start=start,
                          period_end=start + datetime.timedelta(days=days))


def approve_twice(access_request, first, second):
    services.access_request_approve(actor=first, access_request=access_request)
    return services.access_request_approve(actor=second, access_request=access_request)


def actions(obj):
    return [(e.action, e.old_state, e.new_state) for e in audit_events_for(obj).order_by("id")]


def test_the_migration_seeds_one_policy_per_classification():
    rows = {p.classification: (p.max_grant_days, p.require_ip_allowlist, p.require_second_approval)
            for p in ClassificationPolicy.objects.all()}
    assert rows == {C.TERBUKA: (730, False, False), C.TERBATAS: (365, False, False), C.RAHASIA: (183, True, True)}


# -- the period at submission --------------------------------------------------------------------------------


@pytest.mark.parametrize("classification, longest", [(C.TERBUKA, 730), (C.TERBATAS, 365), (C.RAHASIA, 183)])
def test_submission_allows_the_longest_period_and_refuses_one_day_more(
    classification, longest, publish, requester, requester_org, filing_admin
):
    version = publish(f"api-{classification}", classification=classification)
    applicant = filing_admin if classification == C.RAHASIA else requester
    with pytest.raises(RuleRefused) as refused:
        submit(applicant, requester_org, version, days=longest + 1)
    assert refused.value.error_code == "policy_period"
    assert refused.value.message_dict == {
        "period_end": [f"Kebijakan klasifikasi {classification}: periode paling lama {longest} hari."]}
    assert not AccessRequest.objects.exists()
    assert submit(applicant, requester_org, version, days=longest).status == S.SUBMITTED


def test_a_changed_policy_applies_to_the_next_submission(terbatas, requester, requester_org, admin_user):
    services.classification_policy_update(actor=admin_user, policy=policy(C.TERBATAS), max_grant_days=30)
    with pytest.raises(RuleRefused, match="periode paling lama 30 hari"):
        submit(requester, requester_org, terbatas, days=31)


# -- second approval ------------------------------------------------------------------------------------------


def test_rahasia_needs_a_second_different_administrator(
    rahasia, filing_admin, requester_org, admin_user, second_admin, django_capture_on_commit_callbacks
):
    access_request = submit(filing_admin, requester_org, rahasia)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_approve(actor=admin_user, access_request=access_request, reason="Sesuai")
    access_request.refresh_from_db()
    assert access_request.status == S.SECOND_APPROVAL
    assert access_request.get_status_display() == "Disetujui sekali, menunggu administrator kedua"
    assert (access_request.first_approved_by, access_request.first_approved_at) == (admin_user, POLICY_DAY)
    assert access_request.decided_by is None
    # The administrators are told a second approval is needed; the publisher not yet.
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([admin_user.email, second_admin.email, filing_admin.email])
    assert "menunggu persetujuan kedua" in mail.outbox[0].subject
    assert "administrator lain kini harus memutuskan" in mail.outbox[0].body

    with pytest.raises(RuleRefused) as refused:
        services.access_request_approve(actor=admin_user, access_request=access_request)
    assert refused.value.error_code == "policy_second_approval"
    assert refused.value.messages == ["Kebijakan klasifikasi rahasia: persetujuan kedua harus diberikan oleh "
                                      "administrator lain, bukan yang memberi persetujuan pertama."]
    access_request.refresh_from_db()
    assert access_request.status == S.SECOND_APPROVAL

    services.access_request_approve(actor=second_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == S.APPROVED
    assert (access_request.first_approved_by, access_request.decided_by) == (admin_user, second_admin)
    assert actions(access_request) == [
        ("submit", "", S.SUBMITTED), ("first_approval", S.SUBMITTED, S.SECOND_APPROVAL),
        ("approve", S.SECOND_APPROVAL, S.APPROVED),
    ]


def test_one_approval_is_enough_where_the_policy_does_not_ask_for_two(terbatas, requester, requester_org, admin_user):
    access_request = services.access_request_approve(
        actor=admin_user, access_request=submit(requester, requester_org, terbatas))
    assert access_request.status == S.APPROVED and access_request.first_approved_by is None


def test_separation_of_duties_holds_for_the_second_approver(
    rahasia, filing_admin, requester_org, admin_user, second_admin
):
    access_request = submit(filing_admin, requester_org, rahasia)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    member(second_admin, requester_org, R.REQUESTER)
    with pytest.raises(PermissionDenied, match="Pemisahan tugas"):
        services.access_request_approve(actor=second_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == S.SECOND_APPROVAL


def test_a_requester_cannot_give_the_second_approval(rahasia, filing_admin, requester, requester_org, admin_user):
    access_request = submit(filing_admin, requester_org, rahasia)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    with pytest.raises(PermissionDenied):
        services.access_request_approve(actor=requester, access_request=access_request)


def test_reject_and_withdraw_work_while_waiting_for_the_second_approval(
    rahasia, filing_admin, requester, requester_org, admin_user, second_admin
):
    first = submit(filing_admin, requester_org, rahasia)
    services.access_request_approve(actor=admin_user, access_request=first)
    # Even the administrator who approved first may still reject.
    services.access_request_reject(actor=admin_user, access_request=first, reason="Dasar hukum kurang")
    first.refresh_from_db()
    assert first.status == S.REJECTED and first.decided_by == admin_user

    again = submit(filing_admin, requester_org, rahasia)
    services.access_request_approve(actor=second_admin, access_request=again)
    services.access_request_withdraw(actor=requester, access_request=again)
    again.refresh_from_db()
    assert again.status == S.WITHDRAWN


def test_a_request_returned_for_changes_after_one_approval_needs_both_approvals_again(
    rahasia, filing_admin, requester, requester_org, admin_user, second_admin
):
    access_request = submit(filing_admin, requester_org, rahasia)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    services.access_request_request_changes(actor=second_admin, access_request=access_request,
                                            note="Sebutkan dasar hukum akses data penduduk rentan.")
    access_request.refresh_from_db()
    assert access_request.status == S.CHANGES_REQUESTED
    # The first approval was given to the request as it was: it does not count for the changed one.
    assert (access_request.first_approved_by, access_request.first_approved_at) == (None, None)
    # The organisation sees the rahasia API it applied for (by letter), so its operator can resubmit.
    services.access_request_resubmit(actor=requester, access_request=access_request,
                                     legal_basis="Perpres 39/2019 Pasal 12")

    services.access_request_approve(actor=second_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert (access_request.status, access_request.first_approved_by) == (S.SECOND_APPROVAL, second_admin)
    with pytest.raises(RuleRefused):
        services.access_request_approve(actor=second_admin, access_request=access_request)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    access_request.refresh_from_db()
    assert (access_request.status, access_request.decided_by) == (S.APPROVED, admin_user)
    assert [a for a, _o, _n in actions(access_request)] == [
        "submit", "first_approval", "request_changes", "submit", "first_approval", "approve"]


def test_a_request_waiting_for_the_second_approval_blocks_another_one(
    rahasia, filing_admin, requester_org, admin_user
):
    services.access_request_approve(actor=admin_user, access_request=submit(filing_admin, requester_org, rahasia))
    with pytest.raises(ValidationError, match="sudah memiliki permohonan"):
        submit(filing_admin, requester_org, rahasia)


# -- the grant -------------------------------------------------------------------------------------------------


@pytest.fixture
def rahasia_approved(rahasia, filing_admin, requester_org, admin_user, second_admin):
    return approve_twice(submit(filing_admin, requester_org, rahasia), admin_user, second_admin)


def test_grant_without_the_required_allow_list_is_refused(rahasia_approved, publisher):
    with pytest.raises(RuleRefused) as refused:
        services.access_request_grant(actor=publisher, access_request=rahasia_approved)
    assert refused.value.error_code == "policy_ip_allowlist_required"
    assert refused.value.message_dict == {"ip_allowlist": ["Kebijakan klasifikasi rahasia: daftar IP wajib diisi."]}
    rahasia_approved.refresh_from_db()
    assert rahasia_approved.status == S.APPROVED and not Grant.objects.exists()


def test_grant_allow_list_must_lie_in_the_intranet_when_it_is_set(rahasia_approved, publisher, settings):
    settings.SPLP_INTRANET_NETWORKS = ["10.0.0.0/8", "192.168.0.0/16"]
    with pytest.raises(RuleRefused) as refused:
        services.access_request_grant(actor=publisher, access_request=rahasia_approved,
                                      ip_allowlist="10.1.0.0/16\n203.0.113.7")
    assert refused.value.error_code == "policy_ip_outside_intranet"
    assert refused.value.message_dict["ip_allowlist"] == [
        "Kebijakan klasifikasi rahasia: setiap alamat yang diizinkan wajib berada di dalam intranet Pemda "
        "(10.0.0.0/8, 192.168.0.0/16); di luar: 203.0.113.7/32."]
    assert not Grant.objects.exists()
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=rahasia_approved,
                                                      ip_allowlist="10.1.0.0/16\n192.168.5.9")
    assert grant.ip_allowlist == "10.1.0.0/16\n192.168.5.9"
    assert grant.expires_at.date() == rahasia_approved.period_end


def test_grant_is_cut_to_the_longest_period_from_the_day_it_is_given(terbatas, requester, requester_org, admin_user,
                                                                     publisher):
    # Starts in 30 days and runs the full 365: granted today, it may run 365 days from today only.
    access_request = submit(requester, requester_org, terbatas, days=365, start_in=30)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=access_request)
    assert timezone.localtime(grant.expires_at).date() == timezone.localdate() + datetime.timedelta(days=365)
    assert access_request.period_end == timezone.localdate() + datetime.timedelta(days=395)
    event = audit_events_for(grant).get(action="grant")
    assert event.data["policy"] == {"max_grant_days": 365, "require_ip_allowlist": False,
                                    "require_second_approval": False}


# -- after the grant: rotation, and policy changes never widening a grant ---------------------------------------


@pytest.fixture
def terbatas_grant(terbatas, requester, requester_org, admin_user, publisher):
    access_request = submit(requester, requester_org, terbatas, days=200)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=access_request)
    return grant


def test_rotation_is_refused_once_the_policy_requires_an_allow_list_the_grant_lacks(
    terbatas_grant, requester, admin_user
):
    services.classification_policy_update(actor=admin_user, policy=policy(C.TERBATAS), require_ip_allowlist=True)
    old_keys = list(terbatas_grant.keys.values_list("pk", "revoked_at"))
    with pytest.raises(RuleRefused) as refused:
        services.api_key_rotate(actor=requester, grant=terbatas_grant)
    assert refused.value.error_code == "policy_ip_allowlist_required"
    assert refused.value.messages == ["Kebijakan klasifikasi terbatas: daftar IP wajib diisi."]
    assert list(terbatas_grant.keys.values_list("pk", "revoked_at")) == old_keys  # nothing half-done


def test_tightening_the_period_stops_rotation_and_loosening_never_lengthens_the_grant(
    terbatas_grant, requester, admin_user
):
    expires_at = terbatas_grant.expires_at
    services.classification_policy_update(actor=admin_user, policy=policy(C.TERBATAS), max_grant_days=30)
    services.api_key_rotate(actor=requester, grant=terbatas_grant)  # day 0: within 30 days
    with time_machine.travel(POLICY_DAY + datetime.timedelta(days=32), tick=False):
        with pytest.raises(RuleRefused, match="hak akses berlaku paling lama 30 hari") as refused:
            services.api_key_rotate(actor=requester, grant=terbatas_grant)
        assert refused.value.error_code == "policy_period_exceeded"
        services.classification_policy_update(actor=admin_user, policy=policy(C.TERBATAS), max_grant_days=3000)
        services.api_key_rotate(actor=requester, grant=terbatas_grant)
    terbatas_grant.refresh_from_db()
    assert terbatas_grant.expires_at == expires_at
    with time_machine.travel(expires_at + datetime.timedelta(seconds=1), tick=False):
        with pytest.raises(ValidationError, match="tidak aktif"):
            services.api_key_rotate(actor=requester, grant=terbatas_grant)


# -- who changes a policy, and the audit --------------------------------------------------------------------------


def test_an_administrator_changes_a_policy_and_the_old_and_new_values_are_audited(admin_user):
    updated = services.classification_policy_update(
        actor=admin_user, policy=policy(C.TERBATAS), max_grant_days=180, require_second_approval=True,
        require_ip_allowlist=False,
    )
    assert (updated.max_grant_days, updated.require_second_approval, updated.updated_by) == (180, True, admin_user)
    event = audit_events_for(updated).get()
    assert (event.actor, event.action) == (admin_user, "update")
    assert event.data == {"old": {"max_grant_days": 365, "require_second_approval": False},
                          "new": {"max_grant_days": 180, "require_second_approval": True}}
    # Saving the same values again records nothing.
    services.classification_policy_update(actor=admin_user, policy=updated, max_grant_days=180)
    assert audit_events_for(updated).count() == 1


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_only_an_administrator_changes_a_policy(who, request):
    with pytest.raises(PermissionDenied, match="Hanya administrator Dinas"):
        services.classification_policy_update(actor=request.getfixturevalue(who), policy=policy(C.RAHASIA),
                                              require_ip_allowlist=False)
    assert policy(C.RAHASIA).require_ip_allowlist is True
    assert not audit_events_for(policy(C.RAHASIA)).exists()


@pytest.mark.parametrize("days", [0, 3661])
def test_an_impossible_period_is_refused_and_nothing_saved(admin_user, days):
    with pytest.raises(ValidationError) as refused:
        services.classification_policy_update(actor=admin_user, policy=policy(C.TERBUKA), max_grant_days=days)
    assert "max_grant_days" in refused.value.message_dict
    assert policy(C.TERBUKA).max_grant_days == 730


def test_submit_and_grant_still_work_without_policy_rows(terbatas, requester, requester_org, admin_user, publisher):
    """A database flushed after the migrations (transactional tests) has no rows: the defaults apply."""
    ClassificationPolicy.objects.all().delete()
    with pytest.raises(RuleRefused, match="365 hari"):
        submit(requester, requester_org, terbatas, days=366)
    access_request = submit(requester, requester_org, terbatas, days=365)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=access_request)
    assert grant.expires_at.date() == access_request.period_end
