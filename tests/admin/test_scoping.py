"""Operators in the admin: their own organisation's records only, read-only, no actions, no audit trail."""

import pytest

from access.choices import AccessRequestStatusChoices as RS
from access.models import AccessRequest, ApiKey, Grant, PendingAccessRequest
from directory.choices import ApiVersionStatusChoices as VS
from directory.models import ApiService, ApiVersion, Organization, PendingApiVersion, Theme
from splp.models import AuditEvent, Pemda
from tests.factories import UserFactory

from .conftest import admin_url, change_url, confirm_action, login, make_staff


@pytest.fixture
def bob(publisher):
    return login(make_staff(publisher))


@pytest.fixture
def charlie(outsider):
    return login(make_staff(outsider))


@pytest.fixture
def world(granted_request, submitted_version, outsider_version, requester, requester_org):
    """Bob's API granted to Dinkes, another Bob version waiting, and Bappeda's own registration."""
    key = ApiKey.objects.get(grant__access_request=granted_request)
    return {
        "service": granted_request.api_version.service,
        "version": granted_request.api_version,
        "request": granted_request,
        "grant": granted_request.grant,
        "key": key,
        "pending_version": submitted_version,
        "outsider_service": outsider_version.service,
        "outsider_version": outsider_version,
    }


def listed(client, model):
    response = client.get(admin_url(model))
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_publisher_sees_only_own_records(bob, world):
    assert listed(bob, ApiService) == {world["service"].pk, world["pending_version"].service_id}
    assert listed(bob, ApiVersion) == {world["version"].pk, world["pending_version"].pk}
    assert listed(bob, PendingApiVersion) == {world["pending_version"].pk}
    assert listed(bob, AccessRequest) == {world["request"].pk}  # requests for Bob's APIs
    assert listed(bob, Grant) == {world["grant"].pk}
    assert listed(bob, ApiKey) == {world["key"].pk}
    for obj in (world["service"], world["version"], world["request"], world["grant"], world["key"]):
        assert bob.get(change_url(obj)).status_code == 200


def test_publisher_gets_404_on_another_organisations_object(bob, world):
    assert bob.get(change_url(world["outsider_service"])).status_code == 404
    assert bob.get(change_url(world["outsider_version"])).status_code == 404
    assert bob.get(change_url(world["outsider_version"], PendingApiVersion)).status_code == 404
    assert bob.get(admin_url(ApiVersion, "history", world["outsider_version"].pk)).status_code == 404


def test_publisher_is_read_only_without_actions(bob, world):
    for model in (ApiService, ApiVersion, PendingApiVersion, AccessRequest, Grant, ApiKey):
        response = bob.get(admin_url(model))
        assert response.context["action_form"] is None, model
        assert not response.context["has_add_permission"]
    page = bob.get(change_url(world["pending_version"])).content.decode()
    assert 'name="_save"' not in page
    assert "/workflow/" not in page
    assert "Riwayat audit" not in page  # no audit trail for operators

    # Actions and workflow pages refused; nothing changes.
    confirm_action(bob, PendingApiVersion, "publish", [world["pending_version"]])
    assert bob.get(admin_url(ApiVersion, "workflow", world["pending_version"].pk, "publish")).status_code == 403
    assert bob.post(
        admin_url(AccessRequest, "workflow", world["request"].pk, "revoke"), {"apply": "1", "text": "x"}
    ).status_code == 403
    assert bob.post(change_url(world["service"]), {"name": "Diubah"}).status_code == 403
    world["pending_version"].refresh_from_db()
    world["request"].refresh_from_db()
    world["service"].refresh_from_db()
    assert world["pending_version"].status == VS.SUBMITTED
    assert world["request"].status == RS.GRANTED
    assert world["service"].name != "Diubah"


@pytest.mark.parametrize("model", [AuditEvent, Organization, Theme, Pemda])
def test_operators_have_no_access_to_administrator_models(bob, world, model):
    assert bob.get(admin_url(model)).status_code == 403


def test_requester_operator_sees_own_requests_and_keys(world, requester):
    carol = login(make_staff(requester))
    assert listed(carol, AccessRequest) == {world["request"].pk}
    assert listed(carol, Grant) == {world["grant"].pk}
    assert listed(carol, ApiKey) == {world["key"].pk}
    # A requester publishes nothing: registrations are not theirs to see.
    assert carol.get(admin_url(ApiService)).status_code == 403
    assert carol.get(change_url(world["service"])).status_code == 404


def test_outsider_sees_none_of_the_publishers_objects(charlie, world):
    assert listed(charlie, ApiService) == {world["outsider_service"].pk}
    assert listed(charlie, ApiVersion) == {world["outsider_version"].pk}
    assert listed(charlie, AccessRequest) == set()
    assert listed(charlie, PendingAccessRequest) == set()
    assert listed(charlie, Grant) == set()
    assert listed(charlie, ApiKey) == set()
    for obj in (world["service"], world["version"], world["request"], world["grant"], world["key"]):
        assert charlie.get(change_url(obj)).status_code == 404, obj
    assert charlie.get(change_url(world["request"], PendingAccessRequest)).status_code == 404


def test_index_lists_only_what_the_operator_may_see(bob, world):
    page = bob.get(admin_url(ApiService).rsplit("directory/", 1)[0]).content.decode()
    assert admin_url(ApiService) in page
    assert admin_url(AuditEvent) not in page
    assert admin_url(Organization) not in page


def test_staff_without_membership_sees_nothing(db):
    nobody = login(UserFactory(username="dave", is_staff=True))
    response = nobody.get("/admin/")
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert nobody.get(admin_url(ApiService)).status_code == 403
    assert nobody.get(admin_url(AccessRequest)).status_code == 403


def test_non_staff_cannot_enter(world, publisher):
    client = login(publisher)  # operator, not staff
    response = client.get(admin_url(ApiService))
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
    assert client.get(change_url(world["service"])).status_code == 302
