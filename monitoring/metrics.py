"""/metrics: the bus and the system status in Prometheus' text format (version 0.0.4), for the Dinas' monitoring.

Production runs several web processes, so nothing is counted in process memory: a collector reads the
database at scrape time. Bus counters are the hourly rollups up to the last rolled-up hour (the sum of the
hours before yesterday cached for the day: see ``bus_totals``) plus the raw log rows after that hour (at
most a couple of hours of rows): global, and growing as the log grows. The gauges are the figures of the status
page (``status.py``).

Access: a bearer token (SPLP_METRICS_TOKEN, compared in constant time) or the scraper's address
(SPLP_METRICS_ALLOWED_IPS, through ``splp.clientip``). With neither configured the endpoint does not exist.
"""

import contextlib
import datetime
import hmac
import ipaddress
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from prometheus_client import exposition
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from directory.models import ApiService
from splp.clientip import client_ip

from .models import LATENCY_BUCKETS_MS, RequestLog, RollupHour, UsageRollup
from .rollups import HOUR, floor_hour, log_summary_by, summary_by
from .status import system_status

STABLE_CACHE_SECONDS = 2 * 24 * 3600
UNKNOWN_API = "unknown"  # refused calls to no known API
STATUS_CLASSES = ("2xx", "4xx", "5xx")
# status item -> (metric name, help)
GAUGES = {
    "worker": ("splp_worker_heartbeat_age_seconds", "Seconds since a Celery worker last ran the heartbeat."),
    "beat": ("splp_beat_tick_age_seconds", "Seconds since Celery beat last sent the heartbeat."),
    "drain": ("splp_request_log_drain_lag_seconds", "Age of the oldest bus call still waiting in the log buffer."),
    "log_buffer": ("splp_request_log_buffer_rows", "Bus calls waiting in the log buffer."),
    "rollup": ("splp_rollup_age_seconds", "Seconds since the end of the last rolled-up hour."),
    "queue": ("splp_tasks_waiting", "Messages waiting in the Celery task queue."),
}
DEPENDENCIES = ("database", "cache", "broker")


def _add(total, part):
    for name in ("calls", "upstream_errors", "latency_sum_ms", *(f"status_{c}" for c in STATUS_CLASSES)):
        total[name] += part[name]
    total["latency_histogram"] = [a + b for a, b in zip(total["latency_histogram"], part["latency_histogram"],
                                                         strict=True)]


def _cached(key, compute):
    """``cache.get_or_set`` that survives a Redis outage: the scrape must still answer, to report it."""
    try:
        value = cache.get(key)
    except Exception:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(Exception):
            cache.set(key, value, STABLE_CACHE_SECONDS)
    return value


def bus_totals(*, now=None):
    """{service_id: figures} of every bus call logged so far: rolled-up hours plus the raw rows after them.

    Hours before yesterday (UTC) are past the hourly job's re-rolls: their sum, the one costly query, is cached
    until the next day or until a backfill recomputes one of them. The rollups of yesterday and today and the
    raw rows after the last rolled-up hour are read on every scrape."""
    stable_end = floor_hour(now or timezone.now()).replace(hour=0) - datetime.timedelta(days=1)
    versions = RollupHour.objects.aggregate(
        last=Max("hour"), stable_computed=Max("computed_at", filter=Q(hour__lt=stable_end)),
    )
    parts = []
    if versions["stable_computed"] is not None:
        key = f"splp:metrics:rollups:{stable_end.timestamp()}:{versions['stable_computed'].timestamp()}"
        parts += _cached(key, lambda: summary_by(UsageRollup.objects.filter(hour__lt=stable_end), "service_id"))
    raw = RequestLog.objects.all()
    if versions["last"] is not None:
        parts += summary_by(UsageRollup.objects.filter(hour__gte=stable_end, hour__lte=versions["last"]),
                            "service_id")
        raw = raw.filter(time__gte=versions["last"] + HOUR)
    parts += log_summary_by(raw, "service_id")
    totals = defaultdict(lambda: defaultdict(int, latency_histogram=[0] * (len(LATENCY_BUCKETS_MS) + 1)))
    for part in parts:
        _add(totals[part["service_id"]], part)
    return totals


class SplpCollector:
    def collect(self):
        totals = bus_totals()
        slugs = dict(ApiService.objects.filter(pk__in=[pk for pk in totals if pk]).values_list("pk", "slug"))
        calls = CounterMetricFamily("splp_bus_calls", "Calls through the bus by API and status class.",
                                    labels=["api", "status"])
        upstream = CounterMetricFamily(
            "splp_bus_upstream_errors",
            "Bus calls whose upstream gave no good answer (unreachable, timeout, cut off, invalid, or its own 5xx).",
            labels=["api"])
        latency = HistogramMetricFamily("splp_bus_request_duration_seconds",
                                        "Total latency of bus calls (histogram of the hourly rollups).",
                                        labels=["api"])
        for service_id, figures in sorted(totals.items(), key=lambda item: slugs.get(item[0], "")):
            api = slugs.get(service_id, UNKNOWN_API)
            by_class = {c: figures[f"status_{c}"] for c in STATUS_CLASSES}
            for status_class, count in by_class.items():
                calls.add_metric([api, status_class], count)
            calls.add_metric([api, "other"], figures["calls"] - sum(by_class.values()))
            upstream.add_metric([api], figures["upstream_errors"])
            cumulative, buckets = 0, []
            for bound, count in zip(LATENCY_BUCKETS_MS, figures["latency_histogram"], strict=False):
                cumulative += count
                buckets.append((repr(bound / 1000), cumulative))
            buckets.append(("+Inf", figures["calls"]))
            latency.add_metric([api], buckets, figures["latency_sum_ms"] / 1000)
        yield from (calls, upstream, latency)

        items = system_status()
        for key, (name, documentation) in GAUGES.items():
            gauge = GaugeMetricFamily(name, documentation)
            if items[key].number is not None:  # unknown (no heartbeat yet, queue unreadable): no sample
                gauge.add_metric([], items[key].number)
            yield gauge
        up = GaugeMetricFamily("splp_dependency_up", "1 when the dependency answers (cache and broker: Redis).",
                               labels=["dependency"])
        for name in DEPENDENCIES:
            if name in items:
                up.add_metric([name], items[name].number)
        yield up


def _allowed(request):
    token, networks = settings.SPLP_METRICS_TOKEN, settings.SPLP_METRICS_ALLOWED_IPS
    if not token and not networks:
        raise Http404
    if token and hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return True
    if networks:
        try:
            address = ipaddress.ip_address(client_ip(request.META))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
    return False


def metrics(request):
    if not _allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain; charset=utf-8")
    response = HttpResponse(exposition.generate_latest(SplpCollector()),
                            content_type=exposition.CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
