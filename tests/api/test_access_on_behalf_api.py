"""POST /api/v1/access-requests/ by a Dinas administrator for any organisation, from its letter of application;
non-administrators keep applying only for the organisations they operate."""


import pytest
from django.core import mail

from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest
from splp.audit import audit_events_for

from ..conftest import LETTER, api_client_for
from .conftest import API, error_code

URL = f"{API}access-requests/"
pytestmark = pytest.mark.usefixtures("on_policy_day")




def application(**overrides):
    body = {
        "api": "penduduk-rentan", "requester": "dinkes", "purpose": "Pendataan penduduk rentan",
        "legal_basis": "Perda 3/2025", "period_start": "2026-12-07", "period_end": "2027-03-07",
        "expected_daily_volume": 200, "letter_reference": LETTER,
    }
    body.update(overrides)
    return body


def test_an_administrator_files_for_an_organisation_which_then_sees_the_api_and_the_request(
    as_admin, as_requester, rahasia, admin_user, requester, requester_org, django_capture_on_commit_callbacks
):
    assert as_requester.get(f"{API}services/penduduk-rentan/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(URL, application(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["applicant"], body["letter_reference"]) == ("submitted", "alice", LETTER)
    assert body["requester"] == {"code": "dinkes", "name": "Dinas Kesehatan"}
    assert body["api"]["slug"] == "penduduk-rentan" and body["version"] == "1.0.0"
    access_request = AccessRequest.objects.get()
    assert audit_events_for(access_request).get().data == {"on_behalf": True, "letter_reference": LETTER}
    assert [requester.email] in [m.to for m in mail.outbox]

    assert as_requester.get(f"{API}services/penduduk-rentan/").status_code == 200
    assert [r["slug"] for r in as_requester.get(f"{API}services/").json()["results"]] == ["penduduk-rentan"]
    seen = as_requester.get(f"{URL}{access_request.pk}/").json()
    assert seen["letter_reference"] == LETTER and seen["applicant"] == "alice"

    # The applicant never decides; another administrator does.
    refused = as_admin.post(f"{URL}{access_request.pk}/approve/", {}, format="json")
    assert refused.status_code == 403 and error_code(refused) == "permission_denied"
    assert "Pemisahan tugas" in refused.json()["error"]["message"]


def test_the_letter_is_required_from_an_administrator(as_admin, rahasia, requester_org):
    for body in (application(letter_reference=""), {k: v for k, v in application().items() if k != "letter_reference"}):
        response = as_admin.post(URL, body, format="json")
        assert response.status_code == 400
        assert error_code(response) == "invalid"
        assert response.json()["error"]["fields"] == {"letter_reference": [
            "Nomor dan tanggal surat permohonan organisasi wajib diisi bila administrator mencatat permohonan atas "
            "nama organisasi tersebut."]}
    response = as_admin.post(URL, application(letter_reference="8" * 201), format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["letter_reference"]
    # The administrator still names the organisation.
    response = as_admin.post(URL, {k: v for k, v in application().items() if k != "requester"}, format="json")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["requester"]
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(("who", "org"), [("as_publisher", "dinkes"), ("as_outsider", "dinkes"),
                                         ("as_requester", "bappeda")])
def test_a_non_administrator_cannot_file_for_another_organisation(
    who, org, request, published_version, requester_org, outsider_org
):
    response = request.getfixturevalue(who).post(URL, application(api="data-penduduk", requester=org), format="json")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert response.json()["error"]["message"] == "Anda bukan operator pemohon di perangkat daerah ini."
    assert not AccessRequest.objects.exists()


def test_a_hidden_api_stays_unknown_to_a_requester_even_with_a_letter(as_requester, as_outsider, rahasia):
    for client, requester in ((as_requester, "dinkes"), (as_outsider, "bappeda")):
        response = client.post(URL, application(requester=requester), format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"api": ['Tidak ada API terbit "penduduk-rentan".']}
    assert not AccessRequest.objects.exists()


def test_a_requester_applies_for_its_own_organisation_with_an_optional_letter(as_requester, published_version):
    response = as_requester.post(URL, application(api="data-penduduk"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["letter_reference"] == LETTER and response.json()["applicant"] == "carol"
    assert audit_events_for(AccessRequest.objects.get()).get().data == {}


def test_anonymous_is_401(anon, rahasia):
    response = anon.post(URL, application(), format="json")
    assert response.status_code == 401 and error_code(response) == "not_authenticated"
    assert not AccessRequest.objects.exists()


def test_an_outsider_does_not_see_a_request_filed_for_another_organisation(
    as_admin, as_outsider, rahasia, requester_org
):
    pk = as_admin.post(URL, application(), format="json").json()["id"]
    assert as_outsider.get(f"{URL}{pk}/").status_code == 404
    assert as_outsider.get(f"{API}services/penduduk-rentan/").status_code == 404
    assert AccessRequest.objects.get(pk=pk).status == S.SUBMITTED


def test_another_administrator_approves_a_filed_request(
    as_admin, rahasia, requester_org, second_admin, filing_admin
):
    pk = as_admin.post(URL, application(), format="json").json()["id"]
    for administrator in (second_admin, filing_admin):
        response = api_client_for(administrator).post(f"{URL}{pk}/approve/", {}, format="json")
        assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["letter_reference"] == LETTER
