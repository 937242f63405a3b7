"""/metrics after real calls through the bus: counted by API and status class, upstream errors apart, every call
in the latency histogram."""

import pytest
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

from monitoring.models import RequestLog
from monitoring.rollups import rollup_hour

from .conftest import call
from .test_gateway import ECHO, bearer, drain

TOKEN = "bus-metrics-token-0123456789"


def scrape(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


def test_metrics_count_the_calls_logged_by_the_bus(client, settings, bus, bus_grant):
    settings.SPLP_METRICS_TOKEN = TOKEN
    cache.clear()
    _grant, raw = bus_grant
    for _ in range(3):
        assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    assert call(bus, "GET", "/gateway/data-bus/v1/error", bearer(raw)).status == 500  # the upstream's own 500
    assert call(bus, "GET", "/gateway/data-bus/v1/reset", bearer(raw)).status == 502  # the upstream cut it off
    assert call(bus, "GET", ECHO, bearer("wrong-key")).status == 401
    drain(bus)

    figures = scrape(client)
    api = (("api", "data-bus"),)
    assert figures[("splp_bus_calls_total", api + (("status", "2xx"),))] == 3
    assert figures[("splp_bus_calls_total", api + (("status", "5xx"),))] == 2
    assert figures[("splp_bus_calls_total", api + (("status", "4xx"),))] == 1
    assert figures[("splp_bus_upstream_errors_total", api)] == 2
    assert figures[("splp_bus_request_duration_seconds_count", api)] == 6
    assert figures[("splp_bus_request_duration_seconds_bucket", api + (("le", "+Inf"),))] == 6
    assert figures[("splp_bus_request_duration_seconds_sum", api)] > 0
    assert figures[("splp_request_log_buffer_rows", ())] == 0  # drained

    # Once the hour is rolled up the same calls are read from the rollup: the numbers do not move.
    rollup_hour(hour=RequestLog.objects.earliest("time").time)
    rolled = scrape(client)
    assert {k: v for k, v in rolled.items() if k[0].startswith("splp_bus_")} == pytest.approx(
        {k: v for k, v in figures.items() if k[0].startswith("splp_bus_")})
