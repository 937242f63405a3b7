"""The bus enforces the classification policy as it is now (issue 9): a grant that no longer meets it is
refused with a code naming the rule, and loosening a policy never lengthens a grant."""

import datetime
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import services as access_services
from access.models import ClassificationPolicy
from directory import services as directory_services
from directory.choices import ClassificationChoices as C

from ..conftest import file_request
from ..factories import service_fields
from .conftest import bus_spec, call

ECHO = "/gateway/data-bus/v1/echo"
SECRET_ECHO = "/gateway/rahasia-bus/v1/echo"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def later(settings, seconds=0):
    """A moment past the bus's cache window, so it reads the grant and the policy again."""
    return time_machine.travel(time.time() + settings.SPLP_GATEWAY_CACHE_SECONDS + 1 + seconds, tick=False)


def update_policy(admin_user, classification, **fields):
    access_services.classification_policy_update(
        actor=admin_user, policy=ClassificationPolicy.objects.get(classification=classification), **fields)


@pytest.fixture
def rahasia_grant(upstream, publisher, publisher_org, admin_user, second_admin, filing_admin, requester,
                  requester_org, theme):
    """A rahasia API on the local upstream, granted within its policy: 90 days, two approvals, 127.0.0.0/8."""
    _service, version = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="rahasia-bus", version="1.0.0",
        upstream_base_url=f"http://127.0.0.1:{upstream.server_port}/api", spec=bus_spec(),
        **service_fields(theme, name="Rahasia bus", classification=C.RAHASIA),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    directory_services.api_version_publish(actor=admin_user, api_version=version)
    today = timezone.localdate()
    # Recorded from the organisation's letter: the requester cannot see the rahasia API before it applied.
    access_request = file_request(filing_admin, requester_org, version, period_start=today,
                                  period_end=today + datetime.timedelta(days=90))
    for administrator in (admin_user, second_admin):
        access_services.access_request_approve(actor=administrator, access_request=access_request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=access_request,
                                                             ip_allowlist="127.0.0.0/8")
    _key, raw = access_services.api_key_rotate(actor=requester, grant=grant)
    return grant, raw


def test_a_grant_within_the_rahasia_policy_is_served(bus, rahasia_grant):
    _grant, raw = rahasia_grant
    answer = call(bus, "GET", SECRET_ECHO, bearer(raw))
    assert answer.status == 200 and answer.json()["path"] == "/api/v1/echo"


def test_an_allow_list_now_required_and_missing_is_refused(bus, bus_grant, admin_user, settings):
    _grant, raw = bus_grant
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    update_policy(admin_user, C.TERBUKA, require_ip_allowlist=True)
    with later(settings):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 403
    assert answer.json()["error"] == {"code": "policy_ip_allowlist_required",
                                      "message": "Kebijakan klasifikasi terbuka: daftar IP wajib diisi."}


def test_an_allow_list_outside_the_intranet_networks_is_refused(bus, rahasia_grant, settings):
    _grant, raw = rahasia_grant
    settings.SPLP_INTRANET_NETWORKS = ["10.0.0.0/8"]
    with later(settings):
        answer = call(bus, "GET", SECRET_ECHO, bearer(raw))
    assert answer.status == 403 and answer.json()["error"]["code"] == "policy_ip_outside_intranet"
    assert "di luar: 127.0.0.0/8" in answer.json()["error"]["message"]


def test_a_shortened_period_refuses_older_grants_and_lengthening_it_never_widens_one(
    bus, bus_grant, admin_user, settings
):
    grant, raw = bus_grant
    update_policy(admin_user, C.TERBUKA, max_grant_days=10)
    with later(settings, seconds=11 * 86400):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 403 and answer.json()["error"]["code"] == "policy_period_exceeded"
    assert "hak akses berlaku paling lama 10 hari" in answer.json()["error"]["message"]

    update_policy(admin_user, C.TERBUKA, max_grant_days=3000)
    with later(settings, seconds=12 * 86400):  # a day on: past the cache window of the refusal above
        assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    # The grant's own end still holds: the looser policy did not lengthen it.
    with time_machine.travel(grant.expires_at + datetime.timedelta(seconds=1), tick=False):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 401 and answer.json()["error"]["code"] == "key_inactive"


def test_the_policy_is_read_with_the_key_and_cached_with_it(bus, rahasia_grant):
    """One database round per cache window for the key, its grant and the policy; none while cached."""
    _grant, raw = rahasia_grant
    with CaptureQueriesContext(connection) as first:
        assert call(bus, "GET", SECRET_ECHO, bearer(raw)).status == 200
    assert sum("access_classificationpolicy" in q["sql"] for q in first.captured_queries) == 1
    with CaptureQueriesContext(connection) as cached:
        assert call(bus, "GET", SECRET_ECHO, bearer(raw)).status == 200
    assert cached.captured_queries == []
