"""Upstream health checks against a real local HTTP upstream, the SSRF guard, and availability."""

import datetime
import socket
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from directory.models import ApiService, ApiVersion
from monitoring import health
from monitoring.health import availability, availability_by_service, check_upstream_health_task, health_check_run
from monitoring.models import HealthCheck

from ..bus.conftest import Upstream, bus_version, upstream, upstream_server  # noqa: F401  (fixtures)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 4, 2, 0, 10, tzinfo=UTC)


def set_probe(version, *, path=None, base=None):
    if path is not None:
        ApiService.objects.filter(pk=version.service_id).update(health_check_path=path)
    if base is not None:
        ApiVersion.objects.filter(pk=version.pk).update(upstream_base_url=base)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_up_upstream_is_ok_with_status_and_latency(bus_version):
    set_probe(bus_version, path="/v1/echo")
    checks = health_check_run(now=NOW)
    assert len(checks) == 1
    check = HealthCheck.objects.get()
    assert (check.service_id, check.api_version_id, check.checked_at) == (bus_version.service_id, bus_version.id, NOW)
    assert check.ok and check.status_code == 200 and check.error == ""
    assert check.latency_ms is not None and check.latency_ms > 0
    assert [(m, p) for m, p, *_rest in Upstream.hits] == [("GET", "/api/v1/echo")]


def test_without_a_health_path_the_base_url_is_probed(bus_version):
    health_check_run(now=NOW)
    assert [(m, p) for m, p, *_rest in Upstream.hits] == [("GET", "/api")]
    assert HealthCheck.objects.get().ok


def test_upstream_error_is_down(bus_version):
    set_probe(bus_version, path="v1/error")  # a missing leading slash is added
    health_check_run(now=NOW)
    check = HealthCheck.objects.get()
    assert not check.ok and check.status_code == 500
    assert Upstream.hits[0][1] == "/api/v1/error"


def test_redirect_is_up_and_never_followed(bus_version):
    set_probe(bus_version, path="/v1/redirect")
    health_check_run(now=NOW)
    check = HealthCheck.objects.get()
    assert check.ok and check.status_code == 302
    assert [p for _m, p, *_rest in Upstream.hits] == ["/api/v1/redirect"]  # /api/v1/secret never requested


def test_refused_connection_is_down(bus_version):
    set_probe(bus_version, base=f"http://127.0.0.1:{free_port()}/api")
    health_check_run(now=NOW)
    check = HealthCheck.objects.get()
    assert not check.ok and check.status_code is None and check.latency_ms is None
    assert check.error.startswith("cannot connect:") and "refused" in check.error.lower()


def test_slow_upstream_times_out(bus_version, monkeypatch):
    monkeypatch.setattr(health, "PROBE_TIMEOUT", 0.3)
    set_probe(bus_version, path="/v1/sleep")  # the test upstream sleeps 3 s
    health_check_run(now=NOW)
    check = HealthCheck.objects.get()
    assert not check.ok and check.error == "no answer within 0.3 s"


@pytest.mark.parametrize("scheme, allow_list, reason", [
    ("http", [], "https required"),  # not internal, so plain http is refused first
    ("https", ["127.0.0.2"], "127.0.0.2 is a non-public address"),  # allow-listed, yet loopback
])
def test_disallowed_address_is_refused_without_connecting(bus_version, settings, scheme, allow_list, reason):
    """127.0.0.2 is loopback and not on SPLP_INTERNAL_HOSTS: the SSRF guard refuses it before any connection."""
    settings.SPLP_UPSTREAM_HOSTS = allow_list
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen(5)
    listener.settimeout(0.3)
    try:
        set_probe(bus_version, base=f"{scheme}://127.0.0.2:{listener.getsockname()[1]}/api")
        health_check_run(now=NOW)
        with pytest.raises(socket.timeout):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    check = HealthCheck.objects.get()
    assert not check.ok and check.status_code is None and check.latency_ms is None
    assert check.error.startswith("upstream refused:") and reason in check.error


def test_only_apis_with_a_live_version_are_probed(bus_version, draft_version):
    checks = health_check_run(now=NOW)
    assert [c.service_id for c in checks] == [bus_version.service_id]


def test_one_check_per_api_per_minute(bus_version):
    assert len(health_check_run(now=NOW)) == 1
    assert health_check_run(now=NOW + datetime.timedelta(seconds=40)) == []  # same minute: nothing new
    assert HealthCheck.objects.count() == 1 and len(Upstream.hits) == 1
    assert len(health_check_run(now=NOW + datetime.timedelta(minutes=1))) == 1
    assert HealthCheck.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_probe_once(request):
    version = request.getfixturevalue("bus_version")
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(len(health_check_run(now=NOW)))
        except Exception as exc:  # noqa: BLE001  (shown by the assertion)
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [0, 1]
    assert HealthCheck.objects.filter(service_id=version.service_id).count() == 1
    assert len(Upstream.hits) == 1


def test_availability_is_the_share_of_ok_checks(bus_version, service):
    start = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime.datetime(2027, 1, 1, tzinfo=UTC)
    bus = bus_version.service
    for day, ok in ((1, True), (2, True), (3, False), (4, True)):
        HealthCheck.objects.create(service=bus, api_version=bus_version, ok=ok,
                                   checked_at=start + datetime.timedelta(days=day))
    HealthCheck.objects.create(service=bus, api_version=bus_version, ok=False, checked_at=end)  # outside
    HealthCheck.objects.create(service=bus, api_version=bus_version, ok=False,
                               checked_at=start - datetime.timedelta(seconds=1))  # outside
    assert availability(service=bus, start=start, end=end) == 0.75
    assert availability(service=service, start=start, end=end) is None  # never checked
    assert availability_by_service(start=start, end=end) == {bus.id: (3, 4)}


def test_command_and_task(bus_version):
    set_probe(bus_version, path="/v1/echo")
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("check_upstream_health", stdout=out)
        assert check_upstream_health_task() == {"checked": 0, "down": 0}  # same minute: already checked
    text = out.getvalue()
    assert "data-bus: up (HTTP 200," in text and "1 APIs checked, 0 down." in text
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        set_probe(bus_version, path="/v1/error")
        assert check_upstream_health_task() == {"checked": 1, "down": 1}
