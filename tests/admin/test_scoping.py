"""Operators stay out of the admin: whatever admin page they open, they land on the portal with a message in
Indonesian, stale is_staff flag or not; nothing changes. Administrators keep it."""

import pytest
from django.contrib.messages import get_messages

from access.choices import AccessRequestStatusChoices as RS
from access.models import AccessRequest, ApiKey, Grant
from directory.choices import ApiVersionStatusChoices as VS
from directory.models import ApiService, ApiVersion, Organization, PendingApiVersion
from splp.models import AuditEvent, Pemda
from tests.factories import UserFactory

from .conftest import admin_url, change_url, confirm_action, login, make_staff

PORTAL_MESSAGE = "Halaman administrasi khusus administrator Dinas. Pekerjaan Anda ada di portal ini."


@pytest.fixture
def world(granted_request, submitted_version, outsider_version):
    return {"service": granted_request.api_version.service, "request": granted_request,
            "key": ApiKey.objects.get(grant__access_request=granted_request), "pending_version": submitted_version,
            "outsider_version": outsider_version}


def lands_on_the_portal(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == "/", response.redirect_chain
    assert PORTAL_MESSAGE in [str(m) for m in get_messages(response.wsgi_request)]
    return response


@pytest.mark.parametrize("staff", [False, True], ids=["operator", "operator-marked-staff"])
@pytest.mark.parametrize("who", ["publisher", "requester", "outsider"])
def test_operators_opening_the_admin_land_on_the_portal(request, world, who, staff):
    user = request.getfixturevalue(who)
    client = login(make_staff(user) if staff else user)
    for url in ("/admin/", admin_url(ApiService), change_url(world["service"]), admin_url(AccessRequest),
                change_url(world["key"]), admin_url(AuditEvent), admin_url(Organization), admin_url(Pemda)):
        lands_on_the_portal(client, url)


def test_an_operator_signing_in_at_the_admin_is_sent_to_the_portal(world, publisher):
    publisher.set_password("rahasia-sekali")
    publisher.save()
    client = login(publisher)
    client.logout()
    response = client.post("/admin/login/?next=/admin/", {"username": publisher.username,
                                                        "password": "rahasia-sekali", "next": "/admin/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert PORTAL_MESSAGE in [str(m) for m in get_messages(response.wsgi_request)]


def test_operators_change_nothing_through_admin_urls(world, publisher):
    bob = login(make_staff(publisher))
    confirm_action(bob, PendingApiVersion, "publish", [world["pending_version"]])
    bob.post(admin_url(AccessRequest, "workflow", world["request"].pk, "revoke"), {"apply": "1", "text": "x"})
    bob.post(change_url(world["service"]), {"name": "Diubah"})
    for obj in world.values():
        obj.refresh_from_db()
    assert world["pending_version"].status == VS.SUBMITTED
    assert world["request"].status == RS.GRANTED
    assert world["service"].name != "Diubah"


def test_staff_without_membership_is_sent_to_the_portal(db):
    lands_on_the_portal(login(UserFactory(username="dave", is_staff=True)), "/admin/")


def test_administrators_keep_the_admin(alice, world):
    assert alice.get("/admin/").status_code == 200
    for model in (ApiService, ApiVersion, AccessRequest, Grant, ApiKey, AuditEvent, Organization, Pemda):
        assert alice.get(admin_url(model)).status_code == 200, model
