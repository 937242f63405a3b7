"""Pasal 7 over the API: access requests, each action's allowed and refused cases, and keys."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.keys import key_matches, split_prefix
from access.models import AccessRequest, ApiKey, Grant
from directory import services as directory_services

from ..conftest import api_client_for, submit_request
from ..factories import R, UserFactory, member, period, sunset
from .conftest import API, count_queries, error_code

URL = f"{API}access-requests/"
KEYS = f"{API}keys/"


def application(**overrides):
    start, end = period()
    body = {
        "api": "data-penduduk",
        "purpose": "Verifikasi NIK pasien",
        "legal_basis": "Permenkes 24/2022",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "expected_daily_volume": 100,
    }
    body.update(overrides)
    return body


def action(client, access_request, name, body=None):
    return client.post(f"{URL}{access_request.pk}/{name}/", body or {}, format="json")


def status_of(access_request):
    access_request.refresh_from_db()
    return access_request.status


# Listing and visibility


def test_anonymous_is_401(anon, submitted_request):
    for method, url in [("get", URL), ("post", URL), ("get", f"{URL}{submitted_request.pk}/"), ("get", KEYS)]:
        response = getattr(anon, method)(url)
        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize(
    ("client_name", "sees"),
    [("as_requester", True), ("as_publisher", True), ("as_admin", True), ("as_outsider", False)],
)
def test_each_party_sees_only_its_requests(request, submitted_request, client_name, sees):
    client = request.getfixturevalue(client_name)
    listed = [r["id"] for r in client.get(URL).json()["results"]]
    assert listed == ([submitted_request.pk] if sees else [])
    response = client.get(f"{URL}{submitted_request.pk}/")
    assert response.status_code == (200 if sees else 404)


def test_retrieve_shows_the_request(as_requester, granted_request):
    body = as_requester.get(f"{URL}{granted_request.pk}/").json()
    assert body["status"] == "granted"
    assert body["requester"] == {"code": "dinkes", "name": "Dinas Kesehatan"}
    assert body["applicant"] == "carol"
    assert body["api"] == {"slug": "data-penduduk", "name": "Data Penduduk",
                           "organization": {"code": "disdukcapil", "name": "Disdukcapil"}}
    assert body["version"] == "1.0.0"
    assert body["all_operations"] is True and body["operations"] == []
    assert body["purpose"] == "Verifikasi NIK pasien" and body["expected_daily_volume"] == 100
    assert body["decided_by"] == "alice"
    assert body["grant"]["rate_limit_per_minute"] == 60 and body["grant"]["ip_allowlist"] == []
    assert body["url"] == f"http://testserver/api/v1/access-requests/{granted_request.pk}/"


def test_filters(as_admin, submitted_request, publish, requester, requester_org, outsider, outsider_org,
                 publisher_org):
    other = publish("jadwal-vaksin")
    mine = submit_request(outsider, outsider_org, other)

    def ids(query):
        response = as_admin.get(f"{URL}?{query}")
        assert response.status_code == 200
        return sorted(r["id"] for r in response.json()["results"])

    assert ids("api=jadwal-vaksin") == [mine.pk]
    assert ids(f"api_id={other.service_id}") == [mine.pk]
    assert ids("requester=dinkes") == [submitted_request.pk]
    assert ids(f"requester_id={outsider_org.pk}") == [mine.pk]
    assert ids("status=submitted") == sorted([submitted_request.pk, mine.pk])
    assert ids("status=granted") == []
    response = as_admin.get(f"{URL}?status=entah")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_list_query_count_is_fixed(as_admin, publish, grant_request):
    grant_request(publish("api-0"))
    one, _ = count_queries(as_admin, URL)
    for n in range(1, 5):
        grant_request(publish(f"api-{n}"))
    five, body = count_queries(as_admin, URL)
    assert body["count"] == 5
    # administrator check, count, page, requested operations, classification policies
    assert one == five == 5


# Applying (Pasal 7a)


def test_requester_applies_for_its_only_organisation(as_requester, published_version, requester_org):
    response = as_requester.post(URL, application(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["requester"]["code"] == "dinkes" and body["version"] == "1.0.0"
    created = AccessRequest.objects.get()
    assert created.requester == requester_org and created.api_version == published_version
    assert created.all_operations is True


def test_requester_applies_for_some_operations(as_requester, published_version):
    operation = published_version.operations.get(method="GET")
    response = as_requester.post(URL, application(operations=[operation.pk], version="1.0.0"), format="json")
    assert response.status_code == 201
    assert response.json()["all_operations"] is False
    assert [op["id"] for op in response.json()["operations"]] == [operation.pk]
    assert list(AccessRequest.objects.get().operations.all()) == [operation]


def test_operations_of_another_api_are_refused(as_requester, published_version, publish):
    foreign = publish("jadwal-vaksin").operations.first()
    response = as_requester.post(URL, application(operations=[foreign.pk, 999999]), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "operations": [f"Bukan operasi versi API ini: {foreign.pk}, 999999."]
    }
    assert not AccessRequest.objects.exists()


def test_unknown_or_unpublished_api_is_refused(as_requester, draft_version):
    for slug in ("tidak-ada", "data-penduduk"):
        response = as_requester.post(URL, application(api=slug), format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"api": [f'Tidak ada API terbit "{slug}".']}
    assert not AccessRequest.objects.exists()


def test_unknown_version_is_refused(as_requester, published_version):
    response = as_requester.post(URL, application(version="9.9.9"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"version": ['API ini tidak memiliki versi terbit "9.9.9".']}


def test_deprecated_only_api_cannot_be_requested(as_requester, published_version, publisher):
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset())
    response = as_requester.post(URL, application(), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": ""}, "purpose"),
        ({"legal_basis": "   "}, "legal_basis"),
        ({"period_start": "2030-01-10", "period_end": "2030-01-01"}, "period_end"),
        ({"expected_daily_volume": 0}, "expected_daily_volume"),
        ({"expected_daily_volume": "banyak"}, "expected_daily_volume"),
        ({"period_start": "besok"}, "period_start"),
    ],
)
def test_bad_application_is_refused(as_requester, published_version, overrides, field):
    response = as_requester.post(URL, application(**overrides), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert field in response.json()["error"]["fields"]
    assert not AccessRequest.objects.exists()


def test_second_open_application_is_refused(as_requester, submitted_request):
    response = as_requester.post(URL, application(), format="json")
    assert response.status_code == 400
    assert AccessRequest.objects.count() == 1


def test_publisher_without_requester_role_cannot_apply(as_publisher, published_version, requester_org):
    response = as_publisher.post(URL, application(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Anda bukan operator pemohon di perangkat daerah mana pun."
    response = as_publisher.post(URL, application(requester="dinkes"), format="json")
    assert response.status_code == 403, response.content
    assert not AccessRequest.objects.exists()


def test_requester_cannot_apply_for_another_organisation(as_requester, published_version, outsider_org):
    response = as_requester.post(URL, application(requester="bappeda"), format="json")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"


def test_requester_of_several_organisations_names_one(published_version, requester_org, outsider_org):
    user = member(UserFactory(username="dewi"), requester_org, R.REQUESTER)
    member(user, outsider_org, R.REQUESTER)
    client = api_client_for(user)
    response = client.post(URL, application(), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["requester"]
    response = client.post(URL, application(requester="bappeda"), format="json")
    assert response.status_code == 201
    assert AccessRequest.objects.get().requester == outsider_org


# Decisions (Pasal 7b)


def test_administrator_approves(as_admin, submitted_request):
    response = action(as_admin, submitted_request, "approve", {"reason": "Dasar hukum sesuai"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == "alice"
    assert body["decision_reason"] == "Dasar hukum sesuai" and body["decided_at"]
    assert action(as_admin, submitted_request, "approve").status_code == 409


def test_approve_without_reason_is_fine(as_admin, submitted_request):
    assert action(as_admin, submitted_request, "approve").status_code == 200
    assert status_of(submitted_request) == S.APPROVED


@pytest.mark.parametrize("name", ["approve", "reject"])
@pytest.mark.parametrize("client_name", ["as_requester", "as_publisher"])
def test_only_the_administrator_decides(request, submitted_request, name, client_name):
    response = action(request.getfixturevalue(client_name), submitted_request, name, {"reason": "Saya putuskan"})
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert status_of(submitted_request) == S.SUBMITTED


def test_administrator_rejects_with_reason(as_admin, submitted_request):
    response = action(as_admin, submitted_request, "reject", {"reason": "Tujuan tidak jelas"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["decision_reason"] == "Tujuan tidak jelas"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reject_without_reason_is_400(as_admin, submitted_request, body):
    response = action(as_admin, submitted_request, "reject", body)
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert status_of(submitted_request) == S.SUBMITTED


def test_decided_request_cannot_be_decided_again(as_admin, approved_request):
    response = action(as_admin, approved_request, "reject", {"reason": "Berubah pikiran"})
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert status_of(approved_request) == S.APPROVED


# Returned for changes ("Minta perbaikan") and resubmitted


def test_administrator_returns_a_request_with_a_note(as_admin, as_requester, submitted_request):
    response = action(as_admin, submitted_request, "request-changes", {"note": "Lengkapi dasar hukum."})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "changes_requested" and body["changes_note"] == "Lengkapi dasar hukum."
    assert body["decided_by"] is None
    assert as_requester.get(f"{URL}{submitted_request.pk}/").json()["changes_note"] == "Lengkapi dasar hukum."
    # Nothing to decide while it is with the requester.
    for name in ("request-changes", "approve"):
        response = action(as_admin, submitted_request, name, {"note": "Lagi"})
        assert response.status_code == 409
        assert error_code(response) == "invalid_transition"


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}])
def test_request_changes_without_a_note_is_400(as_admin, submitted_request, body):
    response = action(as_admin, submitted_request, "request-changes", body)
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == ["note"]
    assert status_of(submitted_request) == S.SUBMITTED


@pytest.mark.parametrize("client_name", ["as_requester", "as_publisher"])
def test_only_the_administrator_requests_changes(request, submitted_request, client_name):
    response = action(request.getfixturevalue(client_name), submitted_request, "request-changes",
                      {"note": "Perbaiki"})
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert status_of(submitted_request) == S.SUBMITTED


@pytest.fixture
def returned_request(submitted_request, admin_user):
    return access_services.access_request_request_changes(actor=admin_user, access_request=submitted_request,
                                                          note="Lengkapi dasar hukum.")


def test_requester_resubmits_the_fields_it_sends(as_requester, returned_request, published_version):
    operation = published_version.operations.get(method="GET")
    response = action(as_requester, returned_request, "resubmit",
                      {"legal_basis": "UU 24/2013 Pasal 79", "operations": [operation.pk]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["legal_basis"] == "UU 24/2013 Pasal 79"
    assert body["purpose"] == "Verifikasi NIK pasien"  # not sent: kept
    assert body["all_operations"] is False and [op["id"] for op in body["operations"]] == [operation.pk]
    assert action(as_requester, returned_request, "resubmit").status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": ""}, "purpose"),
        ({"legal_basis": "   "}, "legal_basis"),
        ({"period_start": "2030-01-10", "period_end": "2030-01-01"}, "period_end"),
        ({"expected_daily_volume": 0}, "expected_daily_volume"),
        ({"operations": [999999]}, "operations"),
        ({"period_end": "kemarin"}, "period_end"),
    ],
)
def test_bad_resubmission_is_400_and_changes_nothing(as_requester, returned_request, body, field):
    before = AccessRequest.objects.values().get(pk=returned_request.pk)
    response = action(as_requester, returned_request, "resubmit", body)
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert field in response.json()["error"]["fields"]
    assert AccessRequest.objects.values().get(pk=returned_request.pk) == before


@pytest.mark.parametrize("client_name", ["as_admin", "as_publisher"])
def test_only_the_requesting_organisation_resubmits(request, returned_request, client_name):
    response = action(request.getfixturevalue(client_name), returned_request, "resubmit", {"purpose": "Lain"})
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert status_of(returned_request) == S.CHANGES_REQUESTED


@pytest.mark.parametrize("name", ["resubmit", "withdraw"])
def test_outsider_gets_404_on_a_returned_request(as_outsider, returned_request, name):
    """An operator of another organisation (requester too) cannot change or withdraw it (before it was returned:
    test_outsider_gets_404_on_every_action)."""
    response = action(as_outsider, returned_request, name, {"purpose": "Iseng"})
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert status_of(returned_request) == S.CHANGES_REQUESTED
    assert AccessRequest.objects.get().purpose == "Verifikasi NIK pasien"


def test_the_docs_describe_request_changes_and_resubmit(anon, db):
    schema = anon.get(f"{API}schema/", HTTP_ACCEPT="application/json").json()
    request_changes = schema["paths"]["/api/v1/access-requests/{id}/request-changes/"]["post"]
    assert request_changes["summary"] == "Kembalikan permohonan ke pemohon untuk diperbaiki (Dinas)"
    assert set(request_changes["responses"]) >= {"200", "409"}
    resubmit = schema["paths"]["/api/v1/access-requests/{id}/resubmit/"]["post"]
    assert resubmit["summary"] == "Ajukan lagi permohonan yang dikembalikan, setelah diperbaiki (pemohon)"
    components = schema["components"]["schemas"]
    note = components[request_changes["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert note["required"] == ["note"]
    fields = components[resubmit["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert set(fields["properties"]) == {"purpose", "legal_basis", "period_start", "period_end",
                                         "expected_daily_volume", "operations"}
    assert "required" not in fields
    assert "changes_requested" in components["AccessRequestStatusEnum"]["enum"]
    assert "changes_note" in components["AccessRequest"]["properties"]


# Granting (Pasal 7c)


def test_publisher_grants_and_the_key_waits_for_the_requester(as_publisher, approved_request):
    response = action(
        as_publisher, approved_request, "grant",
        {"rate_limit_per_minute": 30, "rate_limit_per_day": 5000, "ip_allowlist": ["10.0.0.0/8", "192.168.1.7"]},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["access_request"]["status"] == "granted"
    assert body["grant"]["rate_limit_per_minute"] == 30 and body["grant"]["rate_limit_per_day"] == 5000
    assert body["grant"]["ip_allowlist"] == ["10.0.0.0/8", "192.168.1.7"]
    key = ApiKey.objects.get()
    assert body["key"]["id"] == key.pk and body["key"]["prefix"] == key.prefix and body["key"]["pending"] is True
    assert body["api_key"] is None
    assert body["message"] == (
        "Kunci akan ditampilkan satu kali kepada operator perangkat daerah pemohon saat mereka membukanya."
    )
    assert key.key_hash not in response.content.decode()
    assert Grant.objects.get().ip_allowlist == "10.0.0.0/8\n192.168.1.7"


def test_granting_user_of_the_requesting_organisation_gets_the_key(outsider, outsider_org, publish, admin_user):
    version = publish("rencana-kerja", actor=outsider, owner=outsider_org)
    access_request = submit_request(outsider, outsider_org, version)
    access_services.access_request_approve(actor=admin_user, access_request=access_request)
    response = action(api_client_for(outsider), access_request, "grant")
    assert response.status_code == 200
    body = response.json()
    assert key_matches(body["api_key"], ApiKey.objects.get().key_hash)
    assert body["key"]["revealed"] is True and body["key"]["pending"] is False
    assert body["message"] == "Simpan kunci ini sekarang: kunci hanya ditampilkan sekali."


@pytest.mark.parametrize("client_name", ["as_admin", "as_requester"])
def test_only_the_publishing_organisation_grants(request, approved_request, client_name):
    response = action(request.getfixturevalue(client_name), approved_request, "grant")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert status_of(approved_request) == S.APPROVED and not Grant.objects.exists()


def test_grant_before_approval_or_twice_is_409(as_publisher, submitted_request, admin_user):
    response = action(as_publisher, submitted_request, "grant")
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    access_services.access_request_approve(actor=admin_user, access_request=submitted_request)
    assert action(as_publisher, submitted_request, "grant").status_code == 200
    assert action(as_publisher, submitted_request, "grant").status_code == 409
    assert Grant.objects.count() == 1 and ApiKey.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({"rate_limit_per_minute": 0}, "rate_limit_per_minute"), ({"rate_limit_per_day": -5}, "rate_limit_per_day"),
     ({"ip_allowlist": ["bukan-ip"]}, "ip_allowlist"), ({"ip_allowlist": "10.0.0.1"}, "ip_allowlist")],
)
def test_bad_grant_input_is_400_and_nothing_is_granted(as_publisher, approved_request, body, field):
    response = action(as_publisher, approved_request, "grant", body)
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]
    assert status_of(approved_request) == S.APPROVED and not Grant.objects.exists()


# Revoking and withdrawing


@pytest.mark.parametrize("client_name", ["as_publisher", "as_admin"])
def test_publisher_or_administrator_revokes(request, granted_request, client_name):
    response = action(request.getfixturevalue(client_name), granted_request, "revoke", {"reason": "Disalahgunakan"})
    assert response.status_code == 200
    assert response.json()["status"] == "revoked" and response.json()["grant"]["revoked_at"]
    assert ApiKey.objects.get().revoked_at is not None


def test_requester_cannot_revoke(as_requester, granted_request):
    response = action(as_requester, granted_request, "revoke", {"reason": "Tidak perlu lagi"})
    assert response.status_code == 403
    assert status_of(granted_request) == S.GRANTED


def test_revoke_without_reason_is_400(as_publisher, granted_request):
    response = action(as_publisher, granted_request, "revoke")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert status_of(granted_request) == S.GRANTED


def test_revoke_before_grant_is_409(as_publisher, approved_request):
    response = action(as_publisher, approved_request, "revoke", {"reason": "Salah"})
    assert response.status_code == 409
    assert status_of(approved_request) == S.APPROVED


@pytest.mark.parametrize("fixture", ["submitted_request", "returned_request"])
def test_requester_withdraws_before_decision_or_when_returned(request, as_requester, fixture):
    response = action(as_requester, request.getfixturevalue(fixture), "withdraw")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


@pytest.mark.parametrize("client_name", ["as_publisher", "as_admin"])
def test_only_the_requester_withdraws(request, submitted_request, client_name):
    response = action(request.getfixturevalue(client_name), submitted_request, "withdraw")
    assert response.status_code == 403
    assert status_of(submitted_request) == S.SUBMITTED


def test_requester_withdraws_an_approval_not_yet_granted(as_requester, approved_request):
    response = action(as_requester, approved_request, "withdraw")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_withdraw_after_grant_is_409(as_requester, granted_request):
    response = action(as_requester, granted_request, "withdraw")
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert status_of(granted_request) == S.GRANTED


# Declining (the publisher will not grant)


def test_publisher_declines_with_reason_and_the_requester_may_apply_again(as_publisher, as_requester,
                                                                           approved_request):
    response = action(as_publisher, approved_request, "decline", {"reason": "Server sedang dimigrasi"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "declined" and body["decline_reason"] == "Server sedang dimigrasi"
    assert not Grant.objects.exists()
    assert as_requester.post(URL, application(), format="json").status_code == 201


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_decline_without_reason_is_400(as_publisher, approved_request, body):
    response = action(as_publisher, approved_request, "decline", body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert status_of(approved_request) == S.APPROVED


@pytest.mark.parametrize("client_name", ["as_admin", "as_requester"])
def test_only_the_publishing_organisation_declines(request, approved_request, client_name):
    response = action(request.getfixturevalue(client_name), approved_request, "decline", {"reason": "Tidak"})
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert status_of(approved_request) == S.APPROVED


@pytest.mark.parametrize(("fixture", "state"), [("submitted_request", S.SUBMITTED), ("granted_request", S.GRANTED)])
def test_decline_before_approval_or_after_grant_is_409(request, as_publisher, fixture, state):
    access_request = request.getfixturevalue(fixture)
    response = action(as_publisher, access_request, "decline", {"reason": "Tidak"})
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"
    assert status_of(access_request) == state


# Separation of duties


def test_administrator_of_the_requesting_organisation_cannot_decide(as_admin, admin_user, submitted_request,
                                                                    requester_org):
    member(admin_user, requester_org, R.PUBLISHER)
    for name in ("approve", "reject"):
        response = action(as_admin, submitted_request, name, {"reason": "Saya putuskan"})
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        assert "Pemisahan tugas" in response.json()["error"]["message"]
    assert status_of(submitted_request) == S.SUBMITTED


@pytest.mark.parametrize(
    "name", ["approve", "reject", "request-changes", "resubmit", "grant", "decline", "revoke", "withdraw"])
def test_outsider_gets_404_on_every_action(as_outsider, submitted_request, name):
    response = action(as_outsider, submitted_request, name, {"reason": "Iseng"})
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert status_of(submitted_request) == S.SUBMITTED


def test_unknown_request_is_404(as_admin, db):
    assert as_admin.get(f"{URL}999999/").status_code == 404
    assert as_admin.post(f"{URL}999999/approve/").status_code == 404


# Keys


def test_requester_lists_keys_without_secrets(as_requester, as_publisher, as_outsider, granted_request):
    response = as_requester.get(KEYS)
    assert response.status_code == 200
    key = ApiKey.objects.get()
    [row] = response.json()["results"]
    assert row == {
        "id": key.pk, "prefix": key.prefix, "api": "data-penduduk", "version": "1.0.0",
        "grant": granted_request.grant.pk, "access_request": granted_request.pk,
        "created_at": row["created_at"], "expires_at": row["expires_at"], "revoked_at": None,
        "revealed": False, "pending": True, "status": "active",
        "url": f"http://testserver/api/v1/keys/{key.pk}/",
    }
    content = response.content.decode()
    assert key.key_hash not in content and key.pending_secret not in content
    assert as_publisher.get(KEYS).json()["results"] == []
    assert as_outsider.get(KEYS).json()["results"] == []


def test_keys_filter_by_api(as_requester, granted_request, publish, grant_request):
    grant_request(publish("jadwal-vaksin"))
    assert [k["api"] for k in as_requester.get(f"{KEYS}?api=jadwal-vaksin").json()["results"]] == ["jadwal-vaksin"]
    grant = granted_request.grant
    assert [k["grant"] for k in as_requester.get(f"{KEYS}?grant_id={grant.pk}").json()["results"]] == [grant.pk]


def test_keys_list_query_count_is_fixed(as_requester, publish, grant_request):
    grant_request(publish("api-0"))
    one, _ = count_queries(as_requester, KEYS)
    for n in range(1, 5):
        grant_request(publish(f"api-{n}"))
    five, body = count_queries(as_requester, KEYS)
    assert body["count"] == 5
    assert one == five == 3  # membership look-up, count, page


def test_key_is_revealed_once(as_requester, granted_request):
    key = ApiKey.objects.get()
    response = as_requester.post(f"{KEYS}{key.pk}/reveal/")
    assert response.status_code == 200
    body = response.json()
    assert split_prefix(body["api_key"]) == key.prefix
    assert key_matches(body["api_key"], key.key_hash)
    assert body["key"]["revealed"] is True and body["key"]["pending"] is False
    again = as_requester.post(f"{KEYS}{key.pk}/reveal/")
    assert again.status_code == 409
    assert error_code(again) == "invalid_transition"
    assert body["api_key"] not in again.content.decode()


def test_expired_key_cannot_be_revealed(as_requester, granted_request):
    key = ApiKey.objects.get()
    with time_machine.travel(key.expires_at + datetime.timedelta(days=1)):
        assert as_requester.get(f"{KEYS}{key.pk}/").json()["status"] == "expired"
        assert as_requester.post(f"{KEYS}{key.pk}/reveal/").status_code == 409


@pytest.mark.parametrize("name", ["reveal", "rotate", "revoke"])
@pytest.mark.parametrize("client_name", ["as_publisher", "as_outsider", "as_admin"])
def test_keys_of_another_organisation_are_404(request, granted_request, name, client_name):
    client = request.getfixturevalue(client_name)
    key = ApiKey.objects.get()
    assert client.get(f"{KEYS}{key.pk}/").status_code == 404
    response = client.post(f"{KEYS}{key.pk}/{name}/")
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.pending_secret and key.revoked_at is None


def test_rotation_issues_a_new_key_shown_once(as_requester, granted_request):
    old = ApiKey.objects.get()
    response = as_requester.post(f"{KEYS}{old.pk}/rotate/")
    assert response.status_code == 200
    body = response.json()
    new = ApiKey.objects.exclude(pk=old.pk).get()
    assert body["key"]["id"] == new.pk and key_matches(body["api_key"], new.key_hash)
    assert body["key"]["revealed"] is True
    old.refresh_from_db()
    assert old.revoked_at is not None
    listed = {k["id"]: k["status"] for k in as_requester.get(KEYS).json()["results"]}
    assert listed == {old.pk: "revoked", new.pk: "active"}


def test_rotation_of_a_revoked_grant_is_409(as_requester, granted_request, publisher):
    access_services.access_request_revoke(actor=publisher, access_request=granted_request, reason="Dicabut")
    key = ApiKey.objects.get()
    response = as_requester.post(f"{KEYS}{key.pk}/rotate/")
    assert response.status_code == 409
    assert ApiKey.objects.count() == 1


def test_requester_revokes_a_key_once(as_requester, granted_request):
    key = ApiKey.objects.get()
    response = as_requester.post(f"{KEYS}{key.pk}/revoke/", {"reason": "Bocor"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked" and response.json()["pending"] is False
    key.refresh_from_db()
    assert key.revoked_at is not None and key.pending_secret == ""
    assert as_requester.post(f"{KEYS}{key.pk}/revoke/").status_code == 409


def test_keys_are_read_only_collections(as_requester, granted_request):
    key = ApiKey.objects.get()
    assert as_requester.post(KEYS, {}, format="json").status_code == 405
    assert as_requester.delete(f"{KEYS}{key.pk}/").status_code == 405
    assert as_requester.patch(f"{KEYS}{key.pk}/", {"revoked_at": timezone.now().isoformat()},
                              format="json").status_code == 405
