"""End to end over HTTP: token and session authentication, the whole Pasal 7 flow, and the OpenAPI schema."""

import pytest
import yaml
from django.core.management import call_command
from django.http import HttpRequest
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from access.keys import key_matches
from access.models import AccessRequest, ApiKey
from directory import services as directory_services
from directory.models import ApiVersion
from splp.audit import audit_events_for

from ..factories import PASSWORD, openapi_doc, period
from .conftest import API, error_code


def token_client(username):
    response = APIClient().post(f"{API}auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_token_auth_flow(requester, submitted_request):
    client = token_client("carol")
    response = client.get(f"{API}access-requests/")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [submitted_request.pk]


def test_token_auth_refuses_bad_credentials(requester):
    response = APIClient().post(f"{API}auth/token/", {"username": "carol", "password": "salah"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get(f"{API}access-requests/")
    assert response.status_code == 401
    assert error_code(response) == "authentication_failed"


def test_session_auth_keeps_csrf_protection(requester, published_version):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(request=HttpRequest(), username="carol", password=PASSWORD)  # axes needs a request
    assert client.get(f"{API}access-requests/").status_code == 200
    response = client.post(f"{API}access-requests/", {"api": "data-penduduk"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not AccessRequest.objects.exists()


def test_registration_flow_over_the_api(publisher, admin_user, theme):
    bob = token_client("bob")
    response = bob.post(f"{API}api-services/", {
        "slug": "data-kk", "name": "Data KK", "description": "Kartu keluarga", "theme": "kependudukan",
        "classification": "terbatas", "has_personal_data": True, "legal_basis": "UU 24/2013",
        "update_frequency": "harian", "contact_name": "Budi", "contact_email": "budi@example.test", "sla": "99%",
        "data_producer": "Disdukcapil", "data_steward": "Diskominfo", "version": "1.0.0",
        "upstream_base_url": "http://127.0.0.1:9/kk", "spec": yaml.safe_dump(openapi_doc(title="Data KK")),
    }, format="json")
    assert response.status_code == 201, response.content
    assert bob.post(f"{API}api-services/data-kk/versions/1.0.0/notes/", {"body": "Mohon didampingi"},
                    format="json").status_code == 201
    assert bob.post(f"{API}api-services/data-kk/versions/1.0.0/submit/").status_code == 200
    # The Dinas' accompaniment and publication happen in the admin; the API then lists the service.
    directory_services.api_version_publish(actor=admin_user, api_version=ApiVersion.objects.get())
    # A terbatas API: members of the Pemda's organisations see it, an anonymous visitor does not.
    listed = bob.get(f"{API}services/?theme=kependudukan").json()["results"]
    assert [s["slug"] for s in listed] == ["data-kk"]
    assert APIClient().get(f"{API}services/?theme=kependudukan").json()["results"] == []


def test_pasal_7_flow_over_the_api(service, admin_user, publisher, requester):
    carol, alice, bob = token_client("carol"), token_client("alice"), token_client("bob")
    operation = service.versions.get().operations.get(method="GET")
    start, end = period()

    # (a) the requester applies to the administrator
    response = carol.post(f"{API}access-requests/", {
        "api": "data-penduduk", "operations": [operation.pk], "purpose": "Verifikasi NIK pasien",
        "legal_basis": "Permenkes 24/2022", "period_start": start.isoformat(), "period_end": end.isoformat(),
        "expected_daily_volume": 200,
    }, format="json")
    assert response.status_code == 201, response.content
    request_id = response.json()["id"]
    assert [r["id"] for r in bob.get(f"{API}access-requests/?status=submitted").json()["results"]] == [request_id]

    # (b) the administrator approves
    response = alice.post(f"{API}access-requests/{request_id}/approve/", {"reason": "Sesuai"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"

    # (c) the publisher gives access; the secret waits for the requester
    response = bob.post(f"{API}access-requests/{request_id}/grant/", {"rate_limit_per_minute": 10}, format="json")
    assert response.status_code == 200
    assert response.json()["api_key"] is None
    key_id = response.json()["key"]["id"]

    # the requester sees its key pending and reveals it exactly once
    [listed] = carol.get(f"{API}keys/").json()["results"]
    assert listed["id"] == key_id and listed["pending"] is True
    response = carol.post(f"{API}keys/{key_id}/reveal/")
    assert response.status_code == 200
    assert key_matches(response.json()["api_key"], ApiKey.objects.get().key_hash)
    response = carol.post(f"{API}keys/{key_id}/reveal/")
    assert response.status_code == 409
    assert error_code(response) == "invalid_transition"

    access_request = AccessRequest.objects.get()
    assert [(e.action, e.actor.username) for e in audit_events_for(access_request).order_by("id")] == [
        ("submit", "carol"), ("approve", "alice"), ("grant", "bob"),
    ]
    assert [e.action for e in audit_events_for(ApiKey.objects.get()).order_by("id")] == ["issue", "reveal"]
    assert access_request.grant.rate_limit_per_minute == 10
    assert list(access_request.grant.operations.all()) == [operation]


def test_schema_is_served_and_documents_every_endpoint(anon, db):
    response = anon.get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "themes/", "services/", "services/{slug}/", "services/{slug}/openapi/", "api-services/",
        "api-services/{slug}/", "api-services/{service_slug}/versions/",
        "api-services/{service_slug}/versions/{version}/", "api-services/{service_slug}/versions/{version}/submit/",
        "api-services/{service_slug}/versions/{version}/notes/", "access-requests/", "access-requests/{id}/",
        "access-requests/{id}/approve/", "access-requests/{id}/reject/", "access-requests/{id}/grant/",
        "access-requests/{id}/revoke/", "access-requests/{id}/withdraw/", "keys/", "keys/{id}/",
        "keys/{id}/reveal/", "keys/{id}/rotate/", "keys/{id}/revoke/", "auth/token/", "auth/logout/",
        "auth/logout-all/",
    ):
        assert f"/api/v1/{path}" in paths, path
    assert anon.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_schema_generates_without_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    # Raises on any warning or error, and validates the result against the OpenAPI 3 meta-schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
