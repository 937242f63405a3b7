"""The bus and a version's end (issue 9): Deprecation/Sunset headers, retired versions refused, moved grants
reaching the new version with the same key."""

import datetime
import time

import pytest
import time_machine
from django.utils.http import http_date

from access import services as access_services
from directory import services as directory_services

from .conftest import Upstream, bus_spec, call, grant_with_key

ECHO = "/gateway/data-bus/v1/echo"
SUNSET = datetime.date(2099, 3, 31)


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def later(settings):
    """Past the gateway's cache window: what the database says now is what the bus does."""
    return time_machine.travel(time.time() + settings.SPLP_GATEWAY_CACHE_SECONDS + 1)


@pytest.fixture
def v2(bus_version, upstream, publisher, admin_user):
    """Version 2 of the same API on another upstream path, without /v1/secret."""
    spec = bus_spec()
    del spec["paths"]["/v1/secret"]
    version = directory_services.api_version_create(
        actor=publisher, service=bus_version.service, version="2.0.0",
        upstream_base_url=f"http://127.0.0.1:{upstream.server_port}/api2", spec=spec,
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    return directory_services.api_version_publish(actor=admin_user, api_version=version)


def test_a_deprecated_version_answers_with_deprecation_and_sunset(bus, bus_grant, bus_version, publisher, settings):
    _grant, raw = bus_grant
    assert "sunset" not in call(bus, "GET", ECHO, bearer(raw)).headers
    version = directory_services.api_version_deprecate(actor=publisher, api_version=bus_version, sunset_on=SUNSET)
    with later(settings):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 200
    # The start of the planned day in the installation's zone (the suite runs in WIB, UTC+7).
    assert answer.headers["sunset"] == "Mon, 30 Mar 2099 17:00:00 GMT"
    assert answer.headers["sunset"] == http_date(datetime.datetime(2099, 3, 31, tzinfo=datetime.timezone(
        datetime.timedelta(hours=7))).timestamp())
    assert answer.headers["deprecation"] == f"@{int(version.deprecated_at.timestamp())}"


def test_a_retired_version_is_refused(bus, bus_grant, bus_version, publisher, settings):
    _grant, raw = bus_grant
    directory_services.api_version_deprecate(actor=publisher, api_version=bus_version, sunset_on=SUNSET)
    directory_services.api_version_retire(actor=publisher, api_version=bus_version)
    with later(settings):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 404 and answer.json()["error"]["code"] == "api_not_found"
    assert Upstream.hits == []


def test_a_retired_version_is_refused_while_another_is_live(bus, bus_grant, bus_version, v2, publisher, settings):
    _grant, raw = bus_grant
    directory_services.api_version_deprecate(actor=publisher, api_version=bus_version, sunset_on=SUNSET)
    directory_services.api_version_retire(actor=publisher, api_version=bus_version)
    with later(settings):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 403 and answer.json()["error"]["code"] == "grant_inactive"
    assert Upstream.hits == []


def test_the_same_key_reaches_the_new_version_after_a_move(
    bus, requester, requester_org, bus_version, v2, admin_user, publisher, settings
):
    wanted = [bus_version.operations.get(method="GET", path=path) for path in ("/v1/echo", "/v1/secret")]
    grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher, operations=wanted)
    directory_services.api_version_deprecate(actor=publisher, api_version=bus_version, sunset_on=SUNSET)
    assert call(bus, "GET", "/gateway/data-bus/v1/secret", bearer(raw)).status == 200

    plan = access_services.grant_move(actor=publisher, grant=grant, to_version=v2)
    assert plan.dropped_labels == ["GET /v1/secret"]
    with later(settings):
        moved = call(bus, "GET", ECHO, bearer(raw))
        explicit = call(bus, "GET", "/gateway/data-bus/v2.0.0/v1/echo", bearer(raw))
        old = call(bus, "GET", "/gateway/data-bus/v1.0.0/v1/echo", bearer(raw))
        dropped = call(bus, "GET", "/gateway/data-bus/v1/secret", bearer(raw))
        not_granted = call(bus, "GET", "/gateway/data-bus/v1/items/1", bearer(raw))
    assert moved.status == 200 and moved.json()["path"] == "/api2/v1/echo"
    assert "sunset" not in moved.headers and "deprecation" not in moved.headers
    assert explicit.status == 200 and explicit.json()["path"] == "/api2/v1/echo"
    assert old.status == 403 and old.json()["error"]["code"] == "no_grant"
    # v2 has no /v1/secret at all; /v1/items/{id} exists there but was never granted.
    assert dropped.status == 404 and dropped.json()["error"]["code"] == "unknown_operation"
    assert not_granted.status == 403 and not_granted.json()["error"]["code"] == "operation_not_granted"
    assert [hit[1] for hit in Upstream.hits] == ["/api/v1/secret", "/api2/v1/echo", "/api2/v1/echo"]

