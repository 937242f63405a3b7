"""The classification policy over the API (issue 9): refusals name the rule as the error code, and the access
requests carry the second approval and the policy in force."""

import datetime

import pytest
from django.utils import timezone

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from directory.choices import ClassificationChoices as C

from ..conftest import api_client_for, file_request, submit_request
from .conftest import API

URL = f"{API}access-requests/"
KEYS = f"{API}keys/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def rahasia(publish):
    return publish("penduduk-rentan", classification=C.RAHASIA)


@pytest.fixture
def rahasia_request(rahasia, filing_admin, requester_org):
    today = timezone.localdate()
    return file_request(filing_admin, requester_org, rahasia, period_start=today,
                        period_end=today + datetime.timedelta(days=90))


def action(user, access_request, name, body=None):
    return api_client_for(user).post(f"{URL}{access_request.pk}/{name}/", body or {}, format="json")


def test_a_period_longer_than_the_policy_is_a_400_naming_the_rule(requester, publish):
    publish("perizinan", classification=C.TERBATAS)
    today = timezone.localdate()
    response = api_client_for(requester).post(URL, {
        "api": "perizinan", "purpose": "Verifikasi izin usaha", "legal_basis": "PP 5/2021",
        "period_start": today.isoformat(), "period_end": (today + datetime.timedelta(days=366)).isoformat(),
        "expected_daily_volume": 10,
    }, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "policy_period"
    assert error["fields"] == {"period_end": ["Kebijakan klasifikasi terbatas: periode paling lama 365 hari."]}


def test_second_approval_over_the_api(rahasia_request, admin_user, second_admin, requester):
    first = action(admin_user, rahasia_request, "approve")
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["first_approved_by"], body["decided_by"]) == (S.SECOND_APPROVAL, "alice", None)
    assert body["policy"] == {"classification": "rahasia", "max_grant_days": 183, "require_ip_allowlist": True,
                              "require_second_approval": True}

    again = action(admin_user, rahasia_request, "approve")
    assert again.status_code == 400 and again.json()["error"]["code"] == "policy_second_approval"

    second = action(second_admin, rahasia_request, "approve")
    assert second.status_code == 200
    assert (second.json()["status"], second.json()["decided_by"]) == (S.APPROVED, "erin")
    # The requester sees the same state on its request.
    seen = api_client_for(requester).get(f"{URL}{rahasia_request.pk}/").json()
    assert (seen["status"], seen["first_approved_by"]) == (S.APPROVED, "alice")


def test_an_outsider_cannot_see_or_approve_a_request_waiting_for_the_second_approval(
    rahasia_request, admin_user, outsider
):
    access_services.access_request_approve(actor=admin_user, access_request=rahasia_request)
    assert api_client_for(outsider).get(f"{URL}{rahasia_request.pk}/").status_code == 404
    assert action(outsider, rahasia_request, "approve").status_code == 404


def test_a_grant_without_the_required_allow_list_is_a_400_naming_the_rule(
    rahasia_request, admin_user, second_admin, publisher
):
    for administrator in (admin_user, second_admin):
        access_services.access_request_approve(actor=administrator, access_request=rahasia_request)
    refused = action(publisher, rahasia_request, "grant", {"rate_limit_per_minute": 10})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "policy_ip_allowlist_required"
    assert refused.json()["error"]["fields"] == {
        "ip_allowlist": ["Kebijakan klasifikasi rahasia: daftar IP wajib diisi."]
    }

    granted = action(publisher, rahasia_request, "grant", {"ip_allowlist": ["10.20.0.0/16"]})
    assert granted.status_code == 200
    assert granted.json()["grant"]["ip_allowlist"] == ["10.20.0.0/16"]
    assert granted.json()["access_request"]["status"] == S.GRANTED


def test_rotation_refused_by_the_current_policy_is_a_400_naming_the_rule(
    published_version, requester, requester_org, admin_user, publisher
):
    access_request = submit_request(requester, requester_org, published_version)
    access_services.access_request_approve(actor=admin_user, access_request=access_request)
    _grant, key, _raw = access_services.access_request_grant(actor=publisher, access_request=access_request)
    access_services.classification_policy_update(
        actor=admin_user, policy=access_services.rules.policy_for(C.TERBUKA), require_ip_allowlist=True)
    response = api_client_for(requester).post(f"{KEYS}{key.pk}/rotate/", format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "policy_ip_allowlist_required", "message": "Kebijakan klasifikasi terbuka: daftar IP wajib diisi.",
        "fields": {"non_field_errors": ["Kebijakan klasifikasi terbuka: daftar IP wajib diisi."]},
    }
