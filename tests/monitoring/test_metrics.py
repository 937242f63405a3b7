"""/metrics: refused unless a token or an address list is configured; Prometheus' text format 0.0.4; bus counters
from the rollups plus the raw rows not rolled up yet; a fixed number of queries."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from monitoring.models import LATENCY_BUCKETS_MS, RequestLog, RollupHour
from monitoring.rollups import floor_hour, rollup_hour
from monitoring.services import worker_heartbeat_record

from .test_rollups import log_row, make_batch

TOKEN = "metrics-test-token-0123456789"
UTC = datetime.UTC
T = datetime.datetime(2026, 6, 1, 3, 10, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def configured(settings, tmp_path):
    settings.SPLP_METRICS_TOKEN = TOKEN
    settings.SPLP_METRICS_ALLOWED_IPS = []
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    settings.REDIS_URL = ""
    cache.clear()


def scrape(client, **extra):
    return client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **extra)


def samples(response):
    """{(sample name, sorted label pairs): value} of a 0.0.4 text answer."""
    result = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            result[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return result


def test_refused_when_nothing_is_configured(client, db, settings):
    settings.SPLP_METRICS_TOKEN, settings.SPLP_METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_token_is_required_and_checked(client, db, configured):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 403  # the scheme is part of it
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"splp_bus_calls", "splp_bus_upstream_errors", "splp_bus_request_duration_seconds",
            "splp_worker_heartbeat_age_seconds", "splp_request_log_drain_lag_seconds"} <= names
    assert TOKEN not in response.content.decode()


def test_allowed_addresses_without_a_token(client, db, settings, tmp_path):
    settings.SPLP_METRICS_TOKEN = ""
    settings.SPLP_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    settings.SPLP_TRUSTED_PROXIES = []
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    # X-Forwarded-For from a peer that is not a trusted proxy is not believed.
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403
    settings.SPLP_TRUSTED_PROXIES = ["192.168.1.5"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5", HTTP_X_FORWARDED_FOR="172.16.0.1").status_code == 403


def log(batch, service, when, *, status=200, latency=10.0, **fields):
    return log_row(batch, when, service_id=service.pk if service else None, status=status, latency_ms=latency,
                   **fields)


def calls_of(figures, api, status):
    return figures[("splp_bus_calls_total", (("api", api), ("status", status)))]


def test_counters_cover_rollups_and_rows_not_rolled_up_yet(client, configured, publish):
    api = publish("data-penduduk").service
    batch = make_batch()
    old, past, current = T.replace(minute=0) - 3 * DAY, T.replace(minute=0) - HOUR, T.replace(minute=0)
    RequestLog.objects.bulk_create([
        log(batch, api, old, latency=3.0),
        log(batch, api, past + datetime.timedelta(minutes=2), status=502, error_code="upstream_unreachable",
            latency=40.0),
        log(batch, api, past + datetime.timedelta(minutes=3), status=500, upstream_status=500, latency=900.0),
        log(batch, None, past + datetime.timedelta(minutes=4), status=404, error_code="api_not_found", latency=1.0),
        log(batch, api, current + datetime.timedelta(minutes=1), latency=45000.0),
        log(batch, api, current + datetime.timedelta(minutes=2), status=401, error_code="missing_key", latency=2.0),
    ])

    def figures():
        with time_machine.travel(T, tick=False):
            return {k: v for k, v in samples(scrape(client)).items() if k[0].startswith("splp_bus_")}

    before = figures()  # nothing rolled up: every raw row
    rollup_hour(hour=old)
    rollup_hour(hour=past)
    after = figures()  # the old hour from the cached sum, the past hour from its rollup, the current from raw rows
    assert before == after
    assert figures() == after  # the cached sum again
    assert calls_of(after, "data-penduduk", "2xx") == 2
    assert calls_of(after, "data-penduduk", "4xx") == 1
    assert calls_of(after, "data-penduduk", "5xx") == 2
    assert calls_of(after, "data-penduduk", "other") == 0
    assert calls_of(after, "unknown", "4xx") == 1
    assert after[("splp_bus_upstream_errors_total", (("api", "data-penduduk"),))] == 2
    bucket = "splp_bus_request_duration_seconds_bucket"
    assert after[(bucket, (("api", "data-penduduk"), ("le", "0.005")))] == 2  # 2 ms and 3 ms
    assert after[(bucket, (("api", "data-penduduk"), ("le", "0.05")))] == 3
    assert after[(bucket, (("api", "data-penduduk"), ("le", "1.0")))] == 4
    assert after[(bucket, (("api", "data-penduduk"), ("le", "30.0")))] == 4  # 45 s only under +Inf
    assert after[(bucket, (("api", "data-penduduk"), ("le", "+Inf")))] == 5
    assert after[("splp_bus_request_duration_seconds_count", (("api", "data-penduduk"),))] == 5
    assert after[("splp_bus_request_duration_seconds_sum", (("api", "data-penduduk"),))] == pytest.approx(45.945)
    assert len([k for k in after if k[0] == bucket and k[1][0] == ("api", "data-penduduk")]) == (
        len(LATENCY_BUCKETS_MS) + 1)

    # More calls only ever add: the counters are monotonic across the rollup boundary.
    RequestLog.objects.bulk_create([log(batch, api, current + datetime.timedelta(minutes=5))])
    rollup_hour(hour=current)
    with time_machine.travel(T + HOUR, tick=False):
        later = samples(scrape(client))
    assert calls_of(later, "data-penduduk", "2xx") == 3
    assert all(later[key] >= value for key, value in after.items() if key[0].startswith("splp_bus_"))


def test_status_gauges(client, db, configured):
    with time_machine.travel(T, tick=False):
        assert ("splp_worker_heartbeat_age_seconds", ()) not in samples(scrape(client))  # never seen: no sample
        worker_heartbeat_record(sent_at=T - datetime.timedelta(seconds=5))
    with time_machine.travel(T + datetime.timedelta(seconds=95), tick=False):
        figures = samples(scrape(client))
    assert figures[("splp_worker_heartbeat_age_seconds", ())] == 95
    assert figures[("splp_beat_tick_age_seconds", ())] == 100
    assert figures[("splp_request_log_drain_lag_seconds", ())] == 0
    assert figures[("splp_request_log_buffer_rows", ())] == 0
    assert figures[("splp_dependency_up", (("dependency", "database"),))] == 1


def test_query_count_does_not_grow_with_apis_and_rows(client, configured, publish):
    batch = make_batch()

    def queries(cached=False):
        if not cached:
            cache.clear()  # the rollups are summed again (until a rollup changes, scrapes reuse the sum)
        with time_machine.travel(T, tick=False), CaptureQueriesContext(connection) as captured:
            assert scrape(client).status_code == 200
        return len(captured)

    first = publish("api-satu").service
    RequestLog.objects.bulk_create([log(batch, first, T - 3 * DAY), log(batch, first, T - 2 * HOUR),
                                    log(batch, first, T)])
    rollup_hour(hour=T - 3 * DAY)
    rollup_hour(hour=T - 2 * HOUR)
    few = queries()
    for slug in ("api-dua", "api-tiga", "api-empat"):
        service = publish(slug).service
        RequestLog.objects.bulk_create(
            [log(batch, service, T - 5 * DAY - datetime.timedelta(minutes=i)) for i in range(5)]
            + [log(batch, service, T - 2 * HOUR - datetime.timedelta(minutes=i)) for i in range(5)]
            + [log(batch, service, T) for _ in range(5)])
    for hour in (T - 5 * DAY, T - 2 * HOUR, T - 3 * HOUR):
        rollup_hour(hour=hour)
    # Rollup versions, older hours' sum, recent hours' sum, raw rows, API slugs, and the status page's four.
    assert queries() == few == 9
    assert queries(cached=True) == few - 1  # the older hours' sum comes from the cache


def test_a_redis_outage_is_reported_not_fatal(client, db, configured, settings):
    down = "redis://127.0.0.1:1/0"  # nothing listens there: a stopped Redis
    settings.REDIS_URL = settings.CELERY_BROKER_URL = down
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": down}}
    RollupHour.objects.create(hour=floor_hour(timezone.now()) - 3 * DAY)  # an older hour: its sum is cached
    response = scrape(client)
    assert response.status_code == 200
    figures = samples(response)
    assert figures[("splp_dependency_up", (("dependency", "database"),))] == 1
    assert figures[("splp_dependency_up", (("dependency", "cache"),))] == 0
    assert figures[("splp_dependency_up", (("dependency", "broker"),))] == 0
    assert ("splp_request_log_buffer_rows", ()) not in figures  # the Redis buffer cannot be read
