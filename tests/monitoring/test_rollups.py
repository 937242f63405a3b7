"""Hourly rollups equal the truth computed from the raw log; recomputing is idempotent; retention purge."""

import bisect
import datetime
import math
import random
import threading
import uuid
from collections import defaultdict
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from access import services as access_services
from directory import services as directory_services
from monitoring.models import LATENCY_BUCKETS_MS, LogBatch, RequestLog, RollupHour, UsageRollup
from monitoring.rollups import (
    pending_hours,
    percentile_from_histogram,
    purge_request_log_task,
    request_log_purge,
    rollup_hour,
    rollup_pending,
    rollup_range,
    rollup_request_log_task,
    summary,
    summary_by,
)
from splp.models import AuditEvent

from ..conftest import submit_request
from ..factories import OrganizationFactory, openapi_doc, service_fields

UTC = datetime.UTC
H0 = datetime.datetime(2026, 3, 10, 1, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
GROUP = ("service_id", "api_version_id", "organization_id", "operation_id", "grant_id")
BUCKETS = len(LATENCY_BUCKETS_MS) + 1


def make_batch():
    return LogBatch.objects.create(row_count=0, prev_hash="0" * 64, hash=uuid.uuid4().hex * 2)


def log_row(batch, time, **fields):
    defaults = dict(
        request_id=uuid.uuid4().hex, time=time, method="GET", path="/x", status=200, latency_ms=10.0,
        bytes_in=0, bytes_out=100, error_code="",
    )
    defaults.update(fields)
    return RequestLog(batch=batch, **defaults)


def grant_for(requester, org, version, admin_user, publisher):
    request = submit_request(requester, org, version)
    access_services.access_request_approve(actor=admin_user, access_request=request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)
    return grant


@pytest.fixture
def world(published_version, publisher, publisher_org, admin_user, theme, requester, requester_org,
          outsider, outsider_org):
    """Two APIs (two operations each), two requesting organisations, three grants."""
    _service, second = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="data-sekolah", version="1.0.0",
        upstream_base_url="http://127.0.0.1:9/api", spec=openapi_doc(title="Data Sekolah"),
        **service_fields(theme, name="Data Sekolah"),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=second)
    second = directory_services.api_version_publish(actor=admin_user, api_version=second)
    grants = [
        grant_for(requester, requester_org, published_version, admin_user, publisher),
        grant_for(requester, requester_org, second, admin_user, publisher),
        grant_for(outsider, outsider_org, second, admin_user, publisher),
    ]
    return {"versions": [published_version, second], "grants": grants}


def crafted_log(world, hours=3, per_hour=150, seed=4):
    """Calls spread over ``hours`` hours: successes, upstream errors passed through (including an upstream's own
    401, which is not a bus refusal), and every kind of refusal, some without organisation or grant."""
    rng = random.Random(seed)
    batch = make_batch()
    rows = []
    for h in range(hours):
        start = H0 + h * HOUR
        for _ in range(per_hour):
            grant = rng.choice(world["grants"])
            version = grant.api_version
            operation = rng.choice(list(version.operations.all()))
            base = dict(service_id=version.service_id, api_version_id=version.id, organization_id=grant.organization_id,
                        grant_id=grant.id, operation_id=operation.id)
            kind = rng.choices(
                ["ok", "created", "upstream_404", "upstream_500", "upstream_401", "missing_key", "key_inactive",
                 "grant_inactive", "not_granted", "rate_limited", "timeout", "api_not_found"],
                weights=[60, 5, 5, 4, 3, 4, 3, 2, 3, 4, 2, 2],
            )[0]
            fields = dict(base)
            if kind == "ok":
                fields.update(status=200, upstream_status=200)
            elif kind == "created":
                fields.update(status=201, upstream_status=201, method="POST")
            elif kind.startswith("upstream_"):
                fields.update(status=int(kind[-3:]), upstream_status=int(kind[-3:]))
            elif kind == "missing_key":
                fields.update(status=401, error_code="missing_key", organization_id=None, grant_id=None,
                              operation_id=None)
            elif kind == "key_inactive":
                fields.update(status=401, error_code="key_inactive")
            elif kind == "grant_inactive":
                fields.update(status=403, error_code="grant_inactive")
            elif kind == "not_granted":
                fields.update(status=403, error_code="operation_not_granted")
            elif kind == "rate_limited":
                fields.update(status=429, error_code="rate_limited")
            elif kind == "timeout":
                fields.update(status=504, error_code="upstream_timeout")
            else:
                fields.update(status=404, error_code="api_not_found", service_id=None, api_version_id=None,
                              organization_id=None, grant_id=None, operation_id=None)
            roll = rng.random()
            if roll < 0.03:
                latency = 45000.0 + rng.random() * 1000  # above the last bound: the overflow bucket
            elif roll < 0.08:
                latency = float(rng.choice(LATENCY_BUCKETS_MS))  # exactly on a bound: belongs to that bucket
            else:
                latency = round(rng.lognormvariate(3.5, 1.3), 3)
            seconds = rng.uniform(0, 3599.999)
            rows.append(log_row(batch, start + datetime.timedelta(seconds=seconds), latency_ms=latency,
                                bytes_in=rng.randint(0, 5000), bytes_out=rng.randint(0, 50000), **fields))
    RequestLog.objects.bulk_create(rows)
    return RequestLog.objects.order_by("id")


def bucket_of(latency):
    return bisect.bisect_left(LATENCY_BUCKETS_MS, latency)


def truth(rows):
    """The rollup figures computed in Python from raw rows, per (hour, group)."""
    groups = defaultdict(lambda: dict(
        calls=0, status_2xx=0, status_4xx=0, status_5xx=0, upstream_errors=0, refused_401=0, refused_403=0,
        refused_429=0,
        not_granted=0, inactive_key=0, latency_sum_ms=0.0, latency_max_ms=0.0, bytes_in=0, bytes_out=0,
        latency_histogram=[0] * BUCKETS,
    ))
    for row in rows:
        hour = row.time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        g = groups[(hour,) + tuple(getattr(row, f) for f in GROUP)]
        g["calls"] += 1
        g[f"status_{row.status // 100}xx"] = g.get(f"status_{row.status // 100}xx", 0) + 1
        g["upstream_errors"] += row.error_code.startswith("upstream_") or (row.upstream_status or 0) >= 500
        if row.error_code and row.status in (401, 403, 429):
            g[f"refused_{row.status}"] += 1
        g["not_granted"] += row.error_code == "operation_not_granted"
        g["inactive_key"] += row.error_code in ("key_inactive", "grant_inactive")
        g["latency_sum_ms"] += row.latency_ms
        g["latency_max_ms"] = max(g["latency_max_ms"], row.latency_ms)
        g["bytes_in"] += row.bytes_in
        g["bytes_out"] += row.bytes_out
        g["latency_histogram"][bucket_of(row.latency_ms)] += 1
    return dict(groups)


def stored():
    result = {}
    for r in UsageRollup.objects.all():
        key = (r.hour.astimezone(UTC),) + tuple(getattr(r, f) for f in GROUP)
        assert key not in result, "one rollup row per hour and group"
        result[key] = dict(
            calls=r.calls, status_2xx=r.status_2xx, status_4xx=r.status_4xx, status_5xx=r.status_5xx,
            upstream_errors=r.upstream_errors,
            refused_401=r.refused_401, refused_403=r.refused_403, refused_429=r.refused_429,
            not_granted=r.not_granted, inactive_key=r.inactive_key, latency_sum_ms=r.latency_sum_ms,
            latency_max_ms=r.latency_max_ms, bytes_in=r.bytes_in, bytes_out=r.bytes_out,
            latency_histogram=list(r.latency_histogram),
        )
    return result


def assert_same(expected, got):
    assert set(got) == set(expected)
    for key, want in expected.items():
        have = dict(got[key])
        assert have.pop("latency_sum_ms") == pytest.approx(want["latency_sum_ms"])
        want = {k: v for k, v in want.items() if k != "latency_sum_ms"}
        want.setdefault("status_2xx", 0)
        want = {k: want.get(k, 0) for k in have}
        assert have == want, key


def nearest_rank(latencies, q):
    ordered = sorted(latencies)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_rollups_equal_the_truth_from_raw_rows(world):
    rows = list(crafted_log(world))
    hours, log_rows = rollup_range(start=H0, end=H0 + 3 * HOUR)
    assert (hours, log_rows) == (3, len(rows))
    expected = truth(rows)
    # Several organisations, APIs, operations, grants, and refused calls without organisation or grant.
    assert len(expected) > 20
    assert any(k[3] is None and k[5] is None for k in expected)
    assert_same(expected, stored())
    assert sorted(RollupHour.objects.values_list("hour", "log_rows")) == [
        (H0 + i * HOUR, sum(1 for r in rows if H0 + i * HOUR <= r.time < H0 + (i + 1) * HOUR)) for i in range(3)
    ]
    # The upstream's own 401 passed through is a 4xx but not a refusal by the bus.
    upstream_401 = sum(1 for r in rows if r.status == 401 and not r.error_code)
    assert upstream_401 > 0
    assert sum(UsageRollup.objects.values_list("refused_401", flat=True)) == sum(
        1 for r in rows if r.status == 401 and r.error_code
    )


def test_summary_equals_the_truth_and_percentiles_within_resolution(world):
    rows = list(crafted_log(world))
    rollup_range(start=H0, end=H0 + 3 * HOUR)

    def check(figures, subset):
        latencies = [r.latency_ms for r in subset]
        assert figures["calls"] == len(subset)
        assert figures["status_2xx"] == sum(1 for r in subset if 200 <= r.status < 300)
        assert figures["status_4xx"] == sum(1 for r in subset if 400 <= r.status < 500)
        assert figures["status_5xx"] == sum(1 for r in subset if r.status >= 500)
        assert figures["errors"] == figures["status_4xx"] + figures["status_5xx"]
        assert figures["refusals"] == sum(1 for r in subset if r.error_code and r.status in (401, 403, 429))
        assert figures["refused_429"] == sum(1 for r in subset if r.error_code == "rate_limited")
        assert figures["not_granted"] == sum(1 for r in subset if r.error_code == "operation_not_granted")
        assert figures["bytes_in"] == sum(r.bytes_in for r in subset)
        assert figures["bytes_out"] == sum(r.bytes_out for r in subset)
        assert figures["latency_avg_ms"] == pytest.approx(sum(latencies) / len(latencies))
        assert figures["latency_max_ms"] == max(latencies)
        for q, name in ((0.5, "latency_p50_ms"), (0.95, "latency_p95_ms"), (0.99, "latency_p99_ms")):
            true_value = nearest_rank(latencies, q)
            # Within the resolution: the same histogram bucket as the truth, never below it.
            assert bucket_of(figures[name]) == bucket_of(true_value), (name, figures[name], true_value)
            assert figures[name] >= true_value

    check(summary(UsageRollup.objects.all()), rows)
    service = world["versions"][1].service
    check(summary(UsageRollup.objects.filter(service=service)), [r for r in rows if r.service_id == service.id])
    per_org = summary_by(UsageRollup.objects.all(), "organization_id")
    assert {g["organization_id"] for g in per_org} == {r.organization_id for r in rows}
    for group in per_org:
        check(group, [r for r in rows if r.organization_id == group["organization_id"]])
    # The p99 of this log lies in the overflow bucket (3% of calls above 30 s): the maximum answers.
    assert summary(UsageRollup.objects.all())["latency_p99_ms"] == max(r.latency_ms for r in rows)


def test_summary_of_nothing():
    figures = summary(UsageRollup.objects.none())
    assert figures["calls"] == 0 and figures["error_rate"] is None and figures["latency_p95_ms"] is None


def test_percentile_from_histogram_bounds():
    histogram = [0] * BUCKETS
    histogram[3] = 50  # (5, 10] ms
    histogram[6] = 50  # (50, 100] ms
    assert percentile_from_histogram(histogram, 0.5) == 10.0
    assert percentile_from_histogram(histogram, 0.51) == 100.0
    assert percentile_from_histogram(histogram, 0.99, maximum=73.0) == 73.0
    histogram[-1] = 900
    assert percentile_from_histogram(histogram, 0.99) == math.inf
    assert percentile_from_histogram([0] * BUCKETS, 0.5) is None


def test_recomputing_gives_identical_rows(world):
    crafted_log(world, hours=2, per_hour=60)
    rollup_range(start=H0, end=H0 + 2 * HOUR)
    first = stored()
    ids = set(UsageRollup.objects.values_list("id", flat=True))
    rollup_range(start=H0, end=H0 + 2 * HOUR)
    rollup_hour(hour=H0 + datetime.timedelta(minutes=30))  # any moment of the hour names the hour
    assert stored() == first
    assert not ids & set(UsageRollup.objects.values_list("id", flat=True))  # replaced, not added to
    assert RollupHour.objects.count() == 2


def test_pending_rolls_only_complete_hours_and_rerolls_late_drains(world):
    batch = make_batch()
    org = world["grants"][0].organization
    RequestLog.objects.bulk_create([
        log_row(batch, H0 + datetime.timedelta(minutes=5), organization=org),
        log_row(batch, H0 + HOUR + datetime.timedelta(minutes=5), organization=org),
        log_row(batch, H0 + 2 * HOUR + datetime.timedelta(minutes=5), organization=org),  # the open hour
    ])
    assert pending_hours(now=H0 - HOUR) == []  # nothing complete yet
    with time_machine.travel(H0 + 2 * HOUR + datetime.timedelta(minutes=30), tick=False):
        assert pending_hours() == [H0, H0 + HOUR]
        assert rollup_pending() == (2, 2)
    assert sorted(RollupHour.objects.values_list("hour", flat=True)) == [H0, H0 + HOUR]
    assert not UsageRollup.objects.filter(hour=H0 + 2 * HOUR).exists()

    # A row of the previous hour drained late: the next run re-rolls the last two complete hours.
    RequestLog.objects.bulk_create([log_row(batch, H0 + HOUR + datetime.timedelta(minutes=59), organization=org)])
    with time_machine.travel(H0 + 3 * HOUR + datetime.timedelta(minutes=1), tick=False):
        assert pending_hours() == [H0 + HOUR, H0 + 2 * HOUR]
        assert rollup_request_log_task() == {"hours": 2, "log_rows": 3}
    assert UsageRollup.objects.get(hour=H0 + HOUR).calls == 2
    assert UsageRollup.objects.get(hour=H0 + 2 * HOUR).calls == 1
    assert UsageRollup.objects.get(hour=H0).calls == 1


def test_pending_with_an_empty_log_does_nothing(db):
    assert pending_hours(now=H0) == []
    assert rollup_pending(now=H0) == (0, 0)
    assert not RollupHour.objects.exists()


def test_pending_bounded_run_continues_next_time(db):
    batch = make_batch()
    RequestLog.objects.bulk_create([log_row(batch, H0 + i * HOUR) for i in range(6)])
    now = H0 + 6 * HOUR
    assert rollup_pending(now=now, max_hours=4) == (4, 4)
    assert rollup_pending(now=now, max_hours=4) == (2, 2)  # the next run goes on with hours 4 and 5
    assert RollupHour.objects.count() == 6
    assert UsageRollup.objects.count() == 6


@pytest.mark.parametrize("rolled_before", [False, True], ids=["new-hour", "recomputed-hour"])
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_rollups_of_one_hour_write_one_set_of_rows(rolled_before):
    orgs = [OrganizationFactory(), OrganizationFactory(), OrganizationFactory()]
    batch = make_batch()
    RequestLog.objects.bulk_create([
        log_row(batch, H0 + datetime.timedelta(seconds=i * 7), organization=orgs[i % 3], status=200 + (i % 2) * 300)
        for i in range(300)
    ])
    if rolled_before:
        rollup_hour(hour=H0)
    barrier = threading.Barrier(2)
    outcomes = []

    def work():
        try:
            barrier.wait()
            outcomes.append(rollup_hour(hour=H0))
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == [300, 300]
    assert RollupHour.objects.count() == 1
    assert sorted(UsageRollup.objects.values_list("organization_id", "calls", "status_2xx", "status_5xx")) == sorted(
        (org.id, 100, 50, 50) for org in orgs
    )


def test_command_pending_and_backfill(world):
    crafted_log(world, hours=3, per_hour=20)
    with time_machine.travel(H0 + 2 * HOUR + datetime.timedelta(minutes=10), tick=False):
        call_command("rollup_request_log")
    assert sorted(RollupHour.objects.values_list("hour", flat=True)) == [H0, H0 + HOUR]
    out = StringIO()
    # Dates are the server's time zone (Asia/Jakarta, UTC+7): 2026-03-10 is 2026-03-09 17:00 UTC onwards.
    call_command("rollup_request_log", "--from", "2026-03-10", "--to", "2026-03-10T11:00", stdout=out)
    assert out.getvalue().strip() == "11 hours rolled up (60 log rows)."
    assert RollupHour.objects.filter(hour=H0 + 2 * HOUR, log_rows=20).exists()
    with pytest.raises(CommandError):
        call_command("rollup_request_log", "--from", "kemarin")
    with pytest.raises(CommandError):
        call_command("rollup_request_log", "--to", "2026-03-10")


# -- Retention ---------------------------------------------------------------------------------------


def test_purge_deletes_whole_old_batches_of_rolled_up_hours_only(db, settings):
    settings.SPLP_LOG_RETENTION_DAYS = 400
    now = datetime.datetime(2027, 6, 1, 12, tzinfo=UTC)
    day = datetime.timedelta(days=1)

    def batch_at(*moments):
        batch = make_batch()
        RequestLog.objects.bulk_create([log_row(batch, m) for m in moments])
        return batch

    old_rolled = batch_at(now - 500 * day, now - 500 * day + HOUR)  # past retention, rolled up: goes
    old_unrolled = batch_at(now - 450 * day)  # past retention, never rolled up: kept, and stops the purge
    after_gap = batch_at(now - 420 * day)  # rolled up but after the unrolled hour: kept for now
    straddling = batch_at(now - 401 * day, now - 399 * day)  # one row still within retention: kept whole
    recent = batch_at(now - day)
    for moment in (now - 500 * day, now - 500 * day + HOUR, now - 420 * day, now - 401 * day, now - 399 * day,
                   now - day):
        rollup_hour(hour=moment)
    rollups = UsageRollup.objects.count()

    assert request_log_purge(now=now) == (1, 2)
    assert not RequestLog.objects.filter(batch=old_rolled).exists()
    assert RequestLog.objects.count() == 5
    assert request_log_purge(now=now) == (0, 0)  # a second run deletes nothing

    rollup_hour(hour=now - 450 * day)
    assert request_log_purge(now=now) == (2, 2)
    assert set(RequestLog.objects.values_list("batch_id", flat=True)) == {straddling.id, recent.id}
    # The batches (the hash chain) and the rollups stay.
    assert LogBatch.objects.count() == 5
    assert UsageRollup.objects.count() == rollups + 1
    event = AuditEvent.objects.filter(action="request_log_purge").order_by("id").last()
    assert event.data["rows"] == 2 and event.data["batch_count"] == 2
    assert {old_unrolled.id, after_gap.id} <= set(range(event.data["batches"][0], event.data["batches"][1] + 1))


def test_purge_task_and_command_use_the_setting(db, settings):
    settings.SPLP_LOG_RETENTION_DAYS = 10
    batch = make_batch()
    moment = datetime.datetime(2026, 1, 1, 3, tzinfo=UTC)
    RequestLog.objects.bulk_create([log_row(batch, moment)])
    rollup_hour(hour=moment)
    with time_machine.travel(moment + datetime.timedelta(days=9), tick=False):
        assert purge_request_log_task() == {"batches": 0, "rows": 0}
    with time_machine.travel(moment + datetime.timedelta(days=11), tick=False):
        out = StringIO()
        call_command("purge_request_log", stdout=out)
    assert out.getvalue().strip() == "1 log rows of 1 batches older than 10 days deleted."
    assert not RequestLog.objects.exists()
