"""GET /api/v1/usage/: daily figures for administrators (every API) and publishers (their own APIs), from
the rollups plus the calls drained since the last one."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.models import LATENCY_BUCKETS_MS, RequestLog, UsageRollup
from monitoring.rollups import rollup_pending
from monitoring.services import request_log_drain

from ..bus.conftest import bus, bus_version, call, grant_with_key, upstream, upstream_server  # noqa: F401
from ..conftest import api_client_for
from ..monitoring.test_rollups import log_row, make_batch
from .conftest import API

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
NOW = datetime.datetime(2026, 3, 10, 10, 20, tzinfo=JKT)
URL = API + "usage/"
BUCKETS = len(LATENCY_BUCKETS_MS) + 1


def histogram(**counts):
    result = [0] * BUCKETS
    for name, count in counts.items():
        result[LATENCY_BUCKETS_MS.index(int(name[1:]))] = count
    return result


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def usage(clock, published_version, publish, requester_org, outsider_org, outsider):
    """Bob's API (data-penduduk) on 8 and 10 March, and Charlie's API (data-pajak) on 9 March."""
    mine = published_version.service
    theirs = publish("data-pajak", actor=outsider, owner=outsider_org, name="Data Pajak").service
    # 8 March 09:00 WIB: 10 calls of dinkes, 2 of them refused by the bus (401), 1 upstream 5xx.
    UsageRollup.objects.create(
        hour=datetime.datetime(2026, 3, 8, 2, tzinfo=UTC), service=mine, organization=requester_org, calls=10,
        status_2xx=7, status_4xx=2, status_5xx=1, refused_401=2, latency_sum_ms=500, latency_max_ms=180,
        latency_histogram=histogram(b10=5, b50=4, b200=1),
    )
    # 8 March 23:00 WIB (16:00 UTC): still 8 March locally, from Bappeda.
    UsageRollup.objects.create(
        hour=datetime.datetime(2026, 3, 8, 16, tzinfo=UTC), service=mine, organization=outsider_org, calls=3,
        status_2xx=3, latency_sum_ms=3, latency_max_ms=1, latency_histogram=histogram(b1=3),
    )
    UsageRollup.objects.create(
        hour=datetime.datetime(2026, 3, 9, 2, tzinfo=UTC), service=theirs, organization=requester_org, calls=20,
        status_2xx=20, latency_sum_ms=20, latency_max_ms=1, latency_histogram=histogram(b1=20),
    )
    # Today, in the open hour, drained and not rolled up: 4 calls, one refused with 429.
    batch = make_batch()
    RequestLog.objects.bulk_create([
        log_row(batch, NOW - datetime.timedelta(minutes=10 - i), service=mine, organization=requester_org,
                latency_ms=30.0) for i in range(3)
    ] + [log_row(batch, NOW - datetime.timedelta(minutes=1), service=mine, organization=requester_org, status=429,
                 error_code="rate_limited", latency_ms=0.5)])
    return {"mine": mine, "theirs": theirs}


def get(user, **params):
    return api_client_for(user).get(URL, {"from": "2026-03-08", "to": "2026-03-10", **params})


def day(body, date):
    return next(d for d in body["days"] if d["date"] == date)


def test_administrator_sees_every_api_per_local_day_with_live_calls(usage, admin_user):
    response = get(admin_user)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [d["date"] for d in body["days"]] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert body["time_zone"] == "Asia/Jakarta"
    assert body["data_as_of"] == "2026-03-10T10:20:00+07:00"
    first = day(body, "2026-03-08")
    assert (first["calls"], first["status_2xx"], first["status_4xx"], first["status_5xx"], first["errors"]) == (
        13, 10, 2, 1, 3)
    assert (first["refusals"], first["refused_401"]) == (2, 2)
    # 13 latencies: 3 in (0,1], 5 in (5,10], 4 in (20,50], 1 in (100,200]; p50 = the 7th, p95 = the 13th.
    assert (first["latency_p50_ms"], first["latency_p95_ms"]) == (10.0, 180.0)
    assert day(body, "2026-03-09")["calls"] == 20
    today = day(body, "2026-03-10")
    assert (today["calls"], today["status_4xx"], today["refused_429"], today["refusals"]) == (4, 1, 1, 1)
    assert (today["latency_p50_ms"], today["latency_p95_ms"]) == (30.0, 30.0)
    assert body["total"]["calls"] == 37 and body["total"]["refusals"] == 3


def test_publisher_sees_only_their_own_apis(usage, publisher):
    body = get(publisher).json()
    assert [d["calls"] for d in body["days"]] == [13, 0, 4]
    assert day(body, "2026-03-09")["latency_p50_ms"] is None


def test_another_organisations_api_is_not_found(usage, publisher, outsider, admin_user):
    for user, slug in ((publisher, "data-pajak"), (outsider, "data-penduduk"), (admin_user, "no-such-api")):
        response = get(user, api=slug)
        assert response.status_code == 404, (user, slug)
        assert response.json()["error"]["code"] == "not_found"
    assert get(outsider, api="data-pajak").json()["total"]["calls"] == 20


def test_requesters_are_refused_and_anonymous_must_sign_in(usage, requester):
    response = get(requester)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = get(None)
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_filters_by_api_and_calling_organisation(usage, admin_user, publisher):
    assert [d["calls"] for d in get(admin_user, api="data-pajak").json()["days"]] == [0, 20, 0]
    assert [d["calls"] for d in get(publisher, organization="bappeda").json()["days"]] == [3, 0, 0]
    both = get(admin_user, api="data-penduduk", organization="dinkes").json()
    assert ([d["calls"] for d in both["days"]], both["api"], both["organization"]) == (
        [10, 0, 4], "data-penduduk", "dinkes")
    response = get(admin_user, organization="no-such-org")
    assert response.status_code == 404


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-02-30"}, "from"),
    ({"to": "10-03-2026"}, "to"),
    ({"from": "2026-03-11", "to": "2026-03-10"}, "from"),
    ({"from": "2025-03-09", "to": "2026-03-10"}, "to"),
    ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ({"api": "bad slug"}, "api"),
])
def test_bad_parameters_are_a_json_400(usage, admin_user, params, field):
    response = api_client_for(admin_user).get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]


def test_default_range_is_the_last_30_days(usage, admin_user):
    body = api_client_for(admin_user).get(URL).json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-02-09", "2026-03-10", 30)


def test_query_count_does_not_grow_with_days_apis_or_calls(usage, admin_user, publisher, publish):
    def queries(user, **params):
        with CaptureQueriesContext(connection) as captured:
            assert get(user, **params).status_code == 200
        return len(captured)

    before = (queries(admin_user), queries(publisher, api="data-penduduk"))
    for i in range(5):
        service = publish(f"api-{i}").service
        UsageRollup.objects.create(hour=datetime.datetime(2026, 3, 9, i, tzinfo=UTC), service=service, calls=1)
    RequestLog.objects.bulk_create([log_row(make_batch(), NOW - HOUR / 4, service=usage["mine"])])
    assert (queries(admin_user, **{"from": "2026-01-01"}), queries(publisher, api="data-penduduk")) == before


def test_a_call_drained_seconds_ago_shows_up(bus, requester, requester_org, bus_version, admin_user,  # noqa: F811
                                            publisher):
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher)
    with time_machine.travel(NOW, tick=False):
        rollup_pending()  # the hourly job has run; nothing to roll up
        assert call(bus, "GET", "/gateway/data-bus/v1/echo", {"Authorization": f"Bearer {raw}"}).status == 200
        bus.buffer.flush()
        assert request_log_drain() == 1  # the drain task, every few seconds
        body = api_client_for(publisher).get(URL, {"api": "data-bus", "from": "2026-03-10",
                                                   "to": "2026-03-10"}).json()
    assert body["days"][0]["calls"] == 1 and body["days"][0]["status_2xx"] == 1
    assert not UsageRollup.objects.exists()
