"""Draining the buffer into hash-chained batches, verifying the chain, and the Redis-backed variants."""

import json

import pytest
from django.core.management import CommandError, call_command

from monitoring.logbuffer import LogBuffer, RedisSink, SqliteSink
from monitoring.models import LogBatch, RequestLog
from monitoring.services import request_log_drain, request_log_verify, request_log_write_batch

from .conftest import call
from .test_gateway import ECHO, bearer, drain


def test_batches_chain_and_verify_detects_an_altered_row(bus, bus_grant):
    _grant, raw = bus_grant
    for _batch in range(3):
        for _ in range(2):
            call(bus, "GET", ECHO, bearer(raw))
        drain(bus)
    batches = list(LogBatch.objects.order_by("id"))
    assert [b.row_count for b in batches] == [2, 2, 2]
    assert batches[1].prev_hash == batches[0].hash and batches[2].prev_hash == batches[1].hash
    call_command("verify_request_log")
    assert request_log_verify()[1] is None

    row = RequestLog.objects.filter(batch=batches[1]).first()
    RequestLog.objects.filter(pk=row.pk).update(status=200 if row.status != 200 else 201)
    with pytest.raises(CommandError) as exc:
        call_command("verify_request_log")
    assert f"batch #{batches[1].pk}" in str(exc.value)


def test_verify_detects_a_deleted_row(bus, bus_grant):
    _grant, raw = bus_grant
    call(bus, "GET", ECHO, bearer(raw))
    call(bus, "GET", ECHO, bearer(raw))
    drain(bus)
    RequestLog.objects.order_by("id").first().delete()
    checked, bad, reason = request_log_verify()
    assert bad == LogBatch.objects.get() and "1 rows stored, 2 recorded" in reason


def test_write_batch_is_idempotent(bus, bus_grant):
    _grant, raw = bus_grant
    call(bus, "GET", ECHO, bearer(raw))
    bus.buffer.flush()
    _marker, lines = SqliteSink(bus.buffer.fallback.path).peek(10)
    records = [json.loads(line) for line in lines]
    assert request_log_write_batch(records) == 1
    # An interrupted drain replays the same items: nothing is stored twice.
    assert request_log_write_batch(records) == 0
    assert RequestLog.objects.count() == 1 and LogBatch.objects.count() == 1


def test_nothing_lost_under_load_and_shutdown_flush(bus, bus_grant):
    _grant, raw = bus_grant
    for _ in range(200):
        call(bus, "GET", "/gateway/data-bus/v1/nowhere", bearer(raw))
    bus.buffer.flush()  # what atexit does at a normal shutdown
    assert request_log_drain() == 200
    assert RequestLog.objects.filter(error_code="unknown_operation").count() == 200
    call_command("verify_request_log")


class BrokenSink:
    def push(self, lines):
        raise ConnectionError("redis down")


def test_buffer_falls_back_to_the_local_file_when_redis_is_down(tmp_path):
    local = SqliteSink(tmp_path / "b.sqlite3")
    buffer = LogBuffer(BrokenSink(), local, 0.1)
    buffer.append({"request_id": "r1"})
    assert buffer.flush() == 1
    assert local.size() == 1


@pytest.fixture
def redis_client(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (make test-services runs these against the machine's Redis)")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    client.url = settings.REDIS_URL
    yield client
    client.flushdb()


def test_redis_buffer_drain_and_replay_after_interruption(redis_client, bus, bus_grant, settings):
    _grant, raw = bus_grant
    bus._setup()
    settings.REDIS_URL = redis_client.url  # the drain reads the Redis buffer too
    sink = RedisSink(redis_client)
    bus.buffer = LogBuffer(sink, bus.buffer.fallback, 0.1)
    for _ in range(5):
        call(bus, "GET", ECHO, bearer(raw))
    bus.buffer.flush()
    assert sink.size() == 5
    # A drain that claimed items and died before acknowledging leaves them in the processing list.
    sink.peek(3)
    assert redis_client.llen("splp:reqlog:processing") == 3
    assert request_log_drain() == 5
    assert sink.size() == 0 and RequestLog.objects.count() == 5
    call_command("verify_request_log")


def test_redis_rate_limit_is_shared_and_atomic(redis_client):
    from access.ratelimit import RedisLimiter

    a, b = RedisLimiter(redis_client), RedisLimiter(redis_client)  # two worker processes
    results = [(a if i % 2 else b).hit(99, 5, 100, now=1_000_040)[0] for i in range(7)]
    assert results == [True] * 5 + [False] * 2
    allowed, retry_after = a.hit(99, 5, 100, now=1_000_040)
    assert (allowed, retry_after) == (False, 40)


def test_redis_stopped_bus_keeps_serving_limits_per_process_and_logs_locally(bus, bus_grant, settings):
    """Documented behaviour with Redis down: calls still pass, rate limits count per process, and the log
    goes to the local durable buffer, which the drain reads; nothing is lost."""
    _grant, raw = bus_grant
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there: a stopped Redis
    answers = [call(bus, "GET", ECHO, bearer(raw)).status for _ in range(3)]
    assert answers == [200, 200, 200]
    assert isinstance(bus.buffer.primary, RedisSink)
    assert bus.buffer.flush() == 3  # the primary fails; the fallback file takes the records
    assert request_log_drain() == 3
    assert RequestLog.objects.filter(status=200).count() == 3


def test_redis_leases_blocks_for_large_limits_and_never_exceeds_them(redis_client):
    from access.ratelimit import RedisLimiter

    workers = [RedisLimiter(redis_client) for _ in range(3)]
    allowed = sum(workers[i % 3].hit(7, 500, 10**6, now=1_000_040)[0] for i in range(600))
    # Blocks of 10 (2% of 500): never more than the limit, at most one unused block per worker fewer.
    assert 500 - 3 * 10 <= allowed <= 500
    assert int(redis_client.get("splp:rl:7:m:16667")) <= 500


def test_verify_passes_after_retention_purged_old_batches(bus, bus_grant, settings):
    import datetime

    import time_machine

    from monitoring.rollups import request_log_purge, rollup_range

    _grant, raw = bus_grant
    for _ in range(2):  # two drained batches
        call(bus, "GET", ECHO, bearer(raw))
        drain(bus)
    first, second = LogBatch.objects.order_by("id")
    start = RequestLog.objects.earliest("time").time.replace(minute=0, second=0, microsecond=0)
    rollup_range(start=start, end=start + datetime.timedelta(hours=2))
    settings.SPLP_LOG_RETENTION_DAYS = 1
    with time_machine.travel(start + datetime.timedelta(days=3)):
        assert request_log_purge()[0] == 2
    assert not RequestLog.objects.exists()
    assert LogBatch.objects.filter(purged_at__isnull=False).count() == 2
    call_command("verify_request_log")
    # A purged batch whose link is altered is still caught.
    LogBatch.objects.filter(pk=second.pk).update(prev_hash="f" * 64)
    assert request_log_verify()[1] == second
