"""POST /api/v1/access-requests/{id}/move/ (issue 9): the publisher moves a grant to a newer version."""

import pytest

from access.models import Grant
from directory import services as directory_services

from ..conftest import submit_request
from ..factories import sunset
from .conftest import API, error_code

URL = API + "access-requests/"


def move(client, access_request, to_version):
    return client.post(f"{URL}{access_request.pk}/move/", {"to_version": to_version}, format="json")


@pytest.fixture
def granted(grant_request, published_version):
    return grant_request(published_version)


def test_publisher_moves_and_learns_what_did_not_carry_over(as_publisher, granted, v2):
    response = move(as_publisher, granted, "2.0.0")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["carried"], body["dropped"]) == ([], ["POST /v1/penduduk"])  # a grant of all operations
    assert body["access_request"]["version"] == "2.0.0"
    assert body["access_request"]["grant"]["all_operations"] is True
    assert Grant.objects.get(access_request=granted).api_version == v2


def test_versions_are_in_the_directory_api_with_their_planned_retirement(as_publisher, anon, granted, v2,
                                                                         published_version, publisher):
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset(30))
    listed = anon.get(API + "services/data-penduduk/").json()
    assert {v["version"]: v["sunset_on"] for v in listed["versions"]} == {
        "1.0.0": sunset(30).isoformat(), "2.0.0": None}


@pytest.mark.parametrize("to_version, status, code", [
    ("9.9.9", 400, "invalid"),
    ("1.0.0", 400, "invalid"),
    ("", 400, "invalid"),
])
def test_bad_targets_are_400(as_publisher, granted, v2, to_version, status, code):
    response = move(as_publisher, granted, to_version)
    assert response.status_code == status and error_code(response) == code
    assert list(response.json()["error"]["fields"]) == ["to_version"]


def test_duplicate_request_on_the_target_is_refused(as_publisher, granted, v2, requester, requester_org):
    submit_request(requester, requester_org, v2)
    response = move(as_publisher, granted, "2.0.0")
    assert response.status_code == 400
    assert "akses aktif untuk versi 2.0.0" in response.json()["error"]["fields"]["to_version"][0]


def test_a_request_without_an_active_grant_is_409(as_publisher, submitted_request, v2):
    response = move(as_publisher, submitted_request, "2.0.0")
    assert response.status_code == 409


def test_outsider_gets_404_and_requester_403(as_outsider, as_requester, granted, v2, published_version):
    assert move(as_outsider, granted, "2.0.0").status_code == 404
    response = move(as_requester, granted, "2.0.0")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    assert Grant.objects.get(access_request=granted).api_version == published_version
