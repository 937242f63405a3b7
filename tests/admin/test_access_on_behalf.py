""""Catat permohonan atas nama Perangkat Daerah": an administrator records an organisation's application from
its letter, for any published API, rahasia included; only administrators reach the page."""

import datetime

import pytest
from django.core import mail

from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest, PendingAccessRequest
from splp.audit import audit_events_for

from ..conftest import LETTER, file_request
from .conftest import admin_url, change_url, confirm_action, login, make_staff, messages_of, sent_away, start_action

pytestmark = pytest.mark.usefixtures("on_policy_day")
URL = "/admin/access/accessrequest/on-behalf/"




def letter_form(requester_org, api_version, **overrides):
    return {
        "requester": requester_org.pk, "api_version": api_version.pk, "purpose": "Pendataan penduduk rentan",
        "legal_basis": "Perda 3/2025", "period_start": "2026-12-07", "period_end": "2027-03-07",
        "expected_daily_volume": "200", "letter_reference": LETTER, **overrides,
    }


def test_the_list_links_to_the_page_for_administrators_only(alice, publisher):
    assert URL in alice.get(admin_url(AccessRequest)).content.decode()
    # The queue has the button too (its own URL of the same page).
    queue = admin_url(PendingAccessRequest)
    assert f"{queue}on-behalf/" in alice.get(queue).content.decode()
    assert alice.get(f"{queue}on-behalf/").status_code == 200
    assert sent_away(login(make_staff(publisher)).get(admin_url(AccessRequest)))


def test_the_page_offers_every_published_api_and_says_who_decides(alice, rahasia, published_version, requester_org):
    response = alice.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Catat permohonan atas nama Perangkat Daerah</h1>" in page
    assert "Nomor surat permohonan" in page and "API dan versi" in page
    assert "API penduduk-rentan (penduduk-rentan), versi 1.0.0, rahasia" in page
    assert "(data-penduduk), versi 1.0.0, terbuka" in page
    assert "Anda tercatat sebagai pengaju, sehingga Anda tidak dapat memutuskan permohonan ini" in page
    assert "memerlukan persetujuan kedua (rahasia), diperlukan dua administrator lain" in page
    assert requester_org.name in page


def test_an_administrator_records_a_rahasia_request_which_another_decides(
    alice, admin_user, second_admin, filing_admin, rahasia, requester, requester_org,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(URL, letter_form(requester_org, rahasia))
    access_request = AccessRequest.objects.get()
    assert response.status_code == 302 and response.url == change_url(access_request)
    assert messages_of(response) == [("success", "Permohonan Dinas Kesehatan telah dicatat dan operator pemohonnya "
                                                 "diberi tahu. Administrator lain yang memutuskannya.")]
    assert (access_request.requester, access_request.applicant, access_request.status) == (
        requester_org, admin_user, S.SUBMITTED)
    assert access_request.all_operations and access_request.letter_reference == LETTER
    assert audit_events_for(access_request).get().data == {"on_behalf": True, "letter_reference": LETTER}
    assert [requester.email] in [m.to for m in mail.outbox]

    page = alice.get(change_url(access_request)).content.decode()
    assert "Nomor surat permohonan" in page and LETTER in page
    # The decision pages show the letter; the applicant may not decide.
    assert f"surat permohonan {LETTER}" in start_action(alice, PendingAccessRequest, "approve",
                                                       [access_request]).content.decode()
    refused = confirm_action(alice, PendingAccessRequest, "approve", [access_request])
    assert any("Pemisahan tugas" in text for level, text in messages_of(refused) if level == "error")
    access_request.refresh_from_db()
    assert access_request.status == S.SUBMITTED
    for administrator in (second_admin, filing_admin):
        confirm_action(login(administrator), PendingAccessRequest, "approve", [access_request])
    access_request.refresh_from_db()
    assert (access_request.status, access_request.first_approved_by, access_request.decided_by) == (
        S.APPROVED, second_admin, filing_admin)


def test_chosen_operations_are_recorded(alice, published_version, requester_org):
    operation = published_version.operations.order_by("path", "method").first()
    response = alice.post(URL, letter_form(requester_org, published_version, operations=[operation.pk]))
    assert response.status_code == 302
    access_request = AccessRequest.objects.get()
    assert not access_request.all_operations and list(access_request.operations.all()) == [operation]


def test_a_missing_letter_and_bad_input_are_refused_in_indonesian_and_nothing_is_saved(
    alice, rahasia, published_version, requester_org
):
    for blank in ("", "   "):
        response = alice.post(URL, letter_form(requester_org, rahasia, letter_reference=blank))
        assert response.status_code == 200
        assert response.context["form"].errors == {"letter_reference": ["Bidang ini harus diisi."]}
    # The service's own rules come back on the form: the rahasia policy's period, another version's operation.
    response = alice.post(URL, letter_form(requester_org, rahasia, period_end="2027-12-07"))
    assert response.context["form"].errors == {
        "period_end": ["Kebijakan klasifikasi rahasia: periode paling lama 183 hari."]}
    other = published_version.operations.first()
    response = alice.post(URL, letter_form(requester_org, rahasia, operations=[other.pk]))
    assert response.context["form"].errors == {
        "operations": ["Operasi yang dipilih bukan milik versi API ini."]}
    assert "Operasi yang dipilih bukan milik versi API ini." in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_an_open_request_of_the_organisation_is_refused(alice, filing_admin, rahasia, requester_org):
    file_request(filing_admin, requester_org, rahasia, period_start=datetime.date(2026, 12, 7),
                 period_end=datetime.date(2027, 1, 7))
    response = alice.post(URL, letter_form(requester_org, rahasia))
    assert response.status_code == 200
    assert "sudah memiliki permohonan" in " ".join(response.context["form"].non_field_errors())
    assert AccessRequest.objects.count() == 1


def test_a_draft_version_cannot_be_chosen(alice, draft_version_other, requester_org):
    response = alice.post(URL, letter_form(requester_org, draft_version_other))
    assert "api_version" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_operators_are_refused(who, request, rahasia, requester_org):
    client = login(make_staff(request.getfixturevalue(who)))
    assert sent_away(client.get(URL))
    assert sent_away(client.post(URL, letter_form(requester_org, rahasia)))
    assert not AccessRequest.objects.exists()


def test_anonymous_is_sent_to_the_login(client, rahasia, requester_org):
    for response in (client.get(URL), client.post(URL, letter_form(requester_org, rahasia))):
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not AccessRequest.objects.exists()
