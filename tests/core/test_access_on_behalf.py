"""An administrator records a Perangkat Daerah's application from its official letter (Pasal 7a): the way an
organisation applies for a rahasia API it cannot see before it applied."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from access import services
from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest
from directory.selectors import visible_services
from splp.audit import audit_events_for

from ..conftest import LETTER, file_request, submit_request
from ..factories import R, UserFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_policy_day")]





def short(**overrides):
    """Within the rahasia policy's longest period (183 days)."""
    start = datetime.date(2026, 12, 7)
    return {"period_start": start, "period_end": start + datetime.timedelta(days=90), **overrides}


def test_an_administrator_records_a_rahasia_request_and_the_organisation_then_sees_the_api(
    rahasia, filing_admin, requester, requester_org, admin_user, second_admin, django_capture_on_commit_callbacks
):
    assert not visible_services(requester).filter(pk=rahasia.service_id).exists()
    with pytest.raises(ValidationError, match="tidak .*terbit"):  # the dead end this feature removes
        submit_request(requester, requester_org, rahasia, **short())

    with django_capture_on_commit_callbacks(execute=True):
        access_request = file_request(filing_admin, requester_org, rahasia, **short())

    assert (access_request.status, access_request.applicant, access_request.requester) == (
        S.SUBMITTED, filing_admin, requester_org)
    assert access_request.letter_reference == LETTER
    event = audit_events_for(access_request).get()
    assert (event.action, event.actor, event.new_state) == ("submit", filing_admin, S.SUBMITTED)
    assert event.data == {"on_behalf": True, "letter_reference": LETTER}
    # A fresh user object: the audience is cached on the user for one request.
    assert visible_services(type(requester).objects.get(pk=requester.pk)).filter(pk=rahasia.service_id).exists()

    by_subject = {m.subject: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    to_requesters = next(m for s, m in by_subject.items() if "dicatat atas nama organisasi Anda" in s)
    assert to_requesters.to == [requester.email]
    assert f"Administrator Dinas frank mencatat permohonan {requester_org.name}" in to_requesters.body
    assert LETTER in to_requesters.body and '"Permohonan saya"' in to_requesters.body
    to_admins = next(m for s, m in by_subject.items() if "menunggu keputusan" in s)
    assert sorted(to_admins.to) == sorted([admin_user.email, second_admin.email, filing_admin.email])


def test_the_filing_administrator_never_decides_and_two_others_approve_a_rahasia_request(
    rahasia, filing_admin, requester_org, admin_user, second_admin
):
    access_request = file_request(filing_admin, requester_org, rahasia, **short())
    for decide in (services.access_request_approve, services.access_request_reject):
        with pytest.raises(PermissionDenied, match="Pemisahan tugas"):
            decide(actor=filing_admin, access_request=access_request, reason="Sesuai surat")
    access_request.refresh_from_db()
    assert access_request.status == S.SUBMITTED

    services.access_request_approve(actor=admin_user, access_request=access_request)
    with pytest.raises(PermissionDenied, match="Pemisahan tugas"):
        services.access_request_approve(actor=filing_admin, access_request=access_request)
    services.access_request_approve(actor=second_admin, access_request=access_request)
    access_request.refresh_from_db()
    assert (access_request.status, access_request.first_approved_by, access_request.decided_by) == (
        S.APPROVED, admin_user, second_admin)


def test_the_letter_is_required_when_an_administrator_files_and_nothing_is_saved(rahasia, filing_admin, requester_org):
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            submit_request(filing_admin, requester_org, rahasia, letter_reference=blank, **short())
        assert refused.value.message_dict == {"letter_reference": [
            "Nomor dan tanggal surat permohonan organisasi wajib diisi bila administrator mencatat permohonan atas "
            "nama organisasi tersebut."]}
    with pytest.raises(ValidationError) as refused:
        submit_request(filing_admin, requester_org, rahasia, letter_reference="8" * 201, **short())
    assert refused.value.message_dict == {"letter_reference": ["Nomor surat permohonan paling panjang 200 karakter."]}
    assert not AccessRequest.objects.exists()
    assert mail.outbox == []


def test_the_other_rules_still_apply_to_a_filed_request(rahasia, filing_admin, requester_org):
    with pytest.raises(ValidationError) as refused:
        file_request(filing_admin, requester_org, rahasia, **short(period_end=datetime.date(2027, 12, 7)))
    assert refused.value.message_dict == {
        "period_end": ["Kebijakan klasifikasi rahasia: periode paling lama 183 hari."]}
    file_request(filing_admin, requester_org, rahasia, **short())
    with pytest.raises(ValidationError, match="sudah memiliki permohonan"):
        file_request(filing_admin, requester_org, rahasia, **short())
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["publisher", "outsider", "requester", "anonymous"])
def test_only_an_administrator_files_for_an_organisation_it_does_not_operate(
    who, request, rahasia, published_version, outsider_org
):
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    # Each for an organisation it does not operate (the outsider operates Bappeda: it tries Dinkes), with a letter,
    # for the rahasia API and for an open one alike.
    target = request.getfixturevalue("requester_org") if who == "outsider" else outsider_org
    for version in (rahasia, published_version):
        with pytest.raises(PermissionDenied, match="Anda bukan operator pemohon di perangkat daerah ini"):
            submit_request(actor, target, version, letter_reference=LETTER, **short())
    assert not AccessRequest.objects.exists()


def test_a_requester_operator_applies_as_before_with_an_optional_letter(
    published_version, requester, requester_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plain = submit_request(requester, requester_org, published_version)
    assert plain.letter_reference == "" and audit_events_for(plain).get().data == {}
    services.access_request_withdraw(actor=requester, access_request=plain)
    with django_capture_on_commit_callbacks(execute=True):
        lettered = submit_request(requester, requester_org, published_version, letter_reference=f"  {LETTER} ")
    assert lettered.letter_reference == LETTER
    # Not on anyone's behalf: only the administrators hear of it (twice submitted, once withdrawn).
    assert not any("atas nama" in m.subject for m in mail.outbox)


def test_an_administrator_who_operates_the_organisation_applies_as_its_requester(
    published_version, admin_user, requester_org
):
    member(admin_user, requester_org, R.REQUESTER)
    access_request = submit_request(admin_user, requester_org, published_version)
    assert access_request.letter_reference == "" and audit_events_for(access_request).get().data == {}


def test_the_organisation_withdraws_a_request_filed_for_it(rahasia, filing_admin, requester, requester_org, outsider):
    access_request = file_request(filing_admin, requester_org, rahasia, **short())
    with pytest.raises(PermissionDenied):
        services.access_request_withdraw(actor=outsider, access_request=access_request)
    services.access_request_withdraw(actor=requester, access_request=access_request)
    access_request.refresh_from_db()
    assert access_request.status == S.WITHDRAWN
    # Having applied, the organisation keeps seeing the API: it may apply again itself.
    stranger = UserFactory(username="dani")
    member(stranger, requester_org, R.REQUESTER)
    again = submit_request(stranger, requester_org, rahasia, **short())
    assert again.applicant == stranger
