"""Numbers from users have bounds (access.models: 10 million calls a day, 100,000 a minute; ids within a
key's range): past them the answer is a 400 with an Indonesian message, on SQLite and PostgreSQL alike,
never an overflow (500), and nothing is half-saved. Defaults computed from them stay within the bounds."""

import pytest
from django.core.exceptions import ValidationError

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.models import MAX_CALLS_PER_DAY, AccessRequest, ApiKey, Grant

from ..conftest import api_client_for, submit_request
from ..portal.conftest import client_for
from ..portal.test_access_pages import REQUEST_FORM, request_data
from .conftest import API, error_code
from .test_access_api import application


@pytest.mark.parametrize("volume", [MAX_CALLS_PER_DAY + 1, 2_000_000_000, 10**10, 10**20])
def test_an_absurd_expected_volume_is_400_over_the_api(published_version, as_requester, volume):
    response = as_requester.post(f"{API}access-requests/", application(expected_daily_volume=volume), format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid"
    assert "10000000" in response.json()["error"]["fields"]["expected_daily_volume"][0]
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("volume", ["10000001", str(10**20)])
def test_an_absurd_expected_volume_is_refused_in_the_portal(requester, published_version, volume):
    response = client_for(requester).post(REQUEST_FORM, request_data(expected_daily_volume=volume))
    assert response.status_code == 200
    assert "10000000" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_the_service_refuses_an_absurd_volume_in_indonesian(requester, requester_org, published_version):
    with pytest.raises(ValidationError) as refused:
        submit_request(requester, requester_org, published_version, expected_daily_volume=10**20)
    assert refused.value.message_dict["expected_daily_volume"] == [
        "Perkiraan volume harus antara 1 dan 10.000.000 panggilan per hari."
    ]
    assert not AccessRequest.objects.exists()


def test_the_default_daily_limit_of_a_huge_request_is_clamped(approved_request, publisher):
    # A request stored before the bound existed (PostgreSQL's integer holds up to 2,147,483,647).
    AccessRequest.objects.filter(pk=approved_request.pk).update(expected_daily_volume=2_000_000_000)
    response = api_client_for(publisher).post(f"{API}access-requests/{approved_request.pk}/grant/", {},
                                              format="json")
    assert response.status_code == 200, response.content
    assert response.json()["grant"]["rate_limit_per_day"] == MAX_CALLS_PER_DAY


@pytest.mark.parametrize("limits, field", [
    ({"rate_limit_per_minute": 10**10}, "rate_limit_per_minute"),
    ({"rate_limit_per_minute": 100_001}, "rate_limit_per_minute"),
    ({"rate_limit_per_day": 10**20}, "rate_limit_per_day"),
])
def test_absurd_rate_limits_are_400_and_nothing_is_granted(approved_request, publisher, limits, field):
    response = api_client_for(publisher).post(f"{API}access-requests/{approved_request.pk}/grant/", limits,
                                              format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED
    assert not Grant.objects.exists() and not ApiKey.objects.exists()


def test_absurd_rate_limits_are_refused_in_the_portal(approved_request, publisher):
    url = f"/permohonan-masuk/{approved_request.pk}/beri-akses/"
    response = client_for(publisher).post(url, {"rate_limit_per_minute": str(10**10)}, follow=True)
    assert "100000" in response.content.decode()
    approved_request.refresh_from_db()
    assert approved_request.status == S.APPROVED and not Grant.objects.exists()


def test_the_service_refuses_absurd_rate_limits_in_indonesian(approved_request, publisher):
    with pytest.raises(ValidationError) as refused:
        access_services.access_request_grant(actor=publisher, access_request=approved_request,
                                             rate_limit_per_minute=10**10, rate_limit_per_day=10**20)
    assert refused.value.message_dict == {
        "rate_limit_per_minute": ["Batas per menit harus antara 1 dan 100.000 panggilan."],
        "rate_limit_per_day": ["Batas per hari harus antara 1 dan 10.000.000 panggilan."],
    }
    assert not Grant.objects.exists()


@pytest.mark.parametrize("url", [
    f"{API}access-requests/?api_id={10**20}",
    f"{API}access-requests/?requester_id={10**20}",
    f"{API}keys/?grant_id={10**20}",
    f"{API}keys/?grant_id=1.5",
])
def test_an_id_filter_out_of_range_is_400(as_requester, url):
    response = as_requester.get(url)
    assert response.status_code == 400
    assert error_code(response) == "invalid"


def test_an_operation_id_out_of_range_is_400(published_version, as_requester):
    response = as_requester.post(f"{API}access-requests/", application(operations=[10**20]), format="json")
    assert response.status_code == 400
    assert "operations" in response.json()["error"]["fields"]
    assert not AccessRequest.objects.exists()
