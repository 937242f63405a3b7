"""Scale-out: two SPLP servers (separate processes, as two web nodes behind a load balancer) sharing one
PostgreSQL/SQLite database and one Redis enforce a grant's limit once in total, and a node stopped during a
rolling restart loses none of its request-log records. Needs Redis (``make test-services``)."""

import collections
import json
import signal

import pytest
from django.core.management import call_command

from monitoring.models import RequestLog
from monitoring.services import request_log_drain

from .conftest import grant_with_key
from .test_gateway import ECHO, bearer
from .test_server import Server

pytestmark = pytest.mark.django_db(transaction=True)  # the servers read what the tests commit


@pytest.fixture
def shared_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test-services runs these against the machine's Redis)")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()  # grant ids repeat between test databases: no counters from an earlier run
    yield settings.REDIS_URL
    client.flushdb()


def test_two_nodes_share_one_rate_limit_and_a_rolling_restart_keeps_the_log(
    shared_redis, collected_static, requester, requester_org, bus_version, admin_user, publisher, upstream, tmp_path
):
    # A daily limit, so the count cannot straddle a window the way a per-minute one could at hh:mm:59.
    _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher,
                                 rate_limit_per_minute=60, rate_limit_per_day=6)
    # Records leave a node only at its shutdown flush: a stop that dropped them would show below.
    env = {"REDIS_URL": shared_redis, "SPLP_LOG_FLUSH_SECONDS": "3600"}
    nodes = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            nodes.append(Server(collected_static, tmp_path / name, **env))
        answers = []
        for i in range(12):  # round robin, as a load balancer spreads calls
            status, _headers, body = nodes[i % 2].request("GET", ECHO, bearer(raw))
            answers.append((i % 2, status, json.loads(body).get("error", {}).get("code")))
        assert collections.Counter(status for _node, status, _code in answers) == {200: 6, 429: 6}
        assert {code for _node, status, code in answers if status == 429} == {"rate_limited"}
        assert {node for node, status, _code in answers if status == 200} == {0, 1}  # both nodes served some

        # Rolling restart: node a stops gracefully while node b keeps answering (and keeps the shared count).
        nodes[0].stop(signal.SIGTERM)
        assert nodes[0].process.returncode == 0
        assert nodes[1].request("GET", ECHO, bearer(raw))[0] == 429
    finally:
        for node in nodes:
            node.stop()
    assert request_log_drain() == 13
    assert collections.Counter(RequestLog.objects.values_list("status", flat=True)) == {200: 6, 429: 7}
    call_command("verify_request_log")
