"""The bus against a real local upstream: auth, grants, limits, forwarding, failures, and the log."""

import datetime
import time

import pytest
import time_machine
from django.utils import timezone

from access import services as access_services
from access.gateway import Gateway
from access.models import Grant
from directory.models import ApiService, ApiVersion
from monitoring.logbuffer import build_buffer
from monitoring.models import RequestLog
from monitoring.services import request_log_drain

from ..conftest import submit_request
from .conftest import Upstream, call, grant_with_key

ECHO = "/gateway/data-bus/v1/echo"


def drain(bus):
    bus.buffer.flush()
    request_log_drain()


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_success_with_each_credential_header(bus, bus_grant, header):
    grant, raw = bus_grant
    headers = bearer(raw) if header == "bearer" else {"X-API-Key": raw}
    answer = call(bus, "GET", ECHO, headers, query="q=1")
    assert answer.status == 200
    seen = answer.json()
    assert seen["path"] == "/api/v1/echo?q=1"
    assert seen["headers"]["X-SPLP-Organization"] == grant.organization.code
    assert seen["headers"]["X-Request-ID"] == answer.headers["x-request-id"]
    assert seen["headers"]["X-Forwarded-For"] == "127.0.0.1"
    drain(bus)
    row = RequestLog.objects.get()
    assert (row.status, row.upstream_status) == (200, 200)
    assert (row.grant_id, row.organization_id) == (grant.id, grant.organization_id)
    assert row.request_id == answer.headers["x-request-id"]
    assert row.operation.path == "/v1/echo" and row.method == "GET"
    assert row.bytes_out == len(answer.body) and row.latency_ms >= row.upstream_latency_ms > 0


def test_query_string_key_is_not_accepted(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", ECHO, query=f"api_key={raw}")
    assert answer.status == 401
    assert answer.json()["error"]["code"] == "missing_key"


@pytest.mark.parametrize(
    "headers, code",
    [({}, "missing_key"), ({"Authorization": "Bearer splp_000000000000_nope"}, "invalid_key"),
     ({"X-API-Key": "garbage"}, "invalid_key")],
)
def test_missing_or_wrong_key_401(bus, bus_grant, headers, code):
    answer = call(bus, "GET", ECHO, headers)
    assert answer.status == 401
    body = answer.json()
    assert body["error"]["code"] == code
    assert body["request_id"] == answer.headers["x-request-id"]
    assert Upstream.hits == []
    drain(bus)
    assert RequestLog.objects.get().error_code == code


def test_right_prefix_wrong_secret_is_refused(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", ECHO, bearer(raw[:-4] + "AAAA"))
    assert answer.status == 401 and answer.json()["error"]["code"] == "invalid_key"


def test_revoked_key_stops_working(bus, bus_grant, publisher, settings):
    grant, raw = bus_grant
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    access_services.access_request_revoke(actor=publisher, access_request=grant.access_request, reason="Disalahgunakan")
    # Within the documented cache window the old decision may stand; after it, the key is refused.
    with time_machine.travel(time.time() + settings.SPLP_GATEWAY_CACHE_SECONDS + 1):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 401 and answer.json()["error"]["code"] == "key_inactive"


def test_expired_key_refused_exactly_at_expiry(bus, bus_grant):
    grant, raw = bus_grant
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    with time_machine.travel(grant.expires_at + timezone.timedelta(seconds=1)):
        answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 401 and answer.json()["error"]["code"] == "key_inactive"


def test_key_refused_before_the_requested_period_starts(bus, requester, requester_org, bus_version, admin_user,
                                                         publisher):
    today = timezone.localdate()
    start = today + datetime.timedelta(days=3)
    request = submit_request(requester, requester_org, bus_version, period_start=start,
                             period_end=start + datetime.timedelta(days=30))
    access_services.access_request_approve(actor=admin_user, access_request=request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request)
    _key, raw = access_services.api_key_rotate(actor=requester, grant=grant)
    answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 403
    assert answer.json()["error"] == {
        "code": "grant_not_started",
        "message": f"Akses ini berlaku mulai {start.isoformat()}; panggilan sebelum tanggal itu ditolak."}
    assert Upstream.hits == []
    # The first second of the start day (the installation's zone) the key works.
    first_second = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    with time_machine.travel(first_second - datetime.timedelta(seconds=1), tick=False):
        assert call(Gateway(buffer_factory=build_buffer), "GET", ECHO, bearer(raw)).status == 403
    with time_machine.travel(first_second, tick=False):
        assert call(Gateway(buffer_factory=build_buffer), "GET", ECHO, bearer(raw)).status == 200


def test_grant_for_another_api_is_403(bus, bus_grant, published_version):
    _grant, raw = bus_grant
    answer = call(bus, "GET", f"/gateway/{published_version.service.slug}/v1/penduduk/1", bearer(raw))
    assert answer.status == 403 and answer.json()["error"]["code"] == "no_grant"


def test_unknown_or_unpublished_api_404(bus, bus_grant, draft_version):
    _grant, raw = bus_grant
    assert call(bus, "GET", "/gateway/tidak-ada/v1/echo", bearer(raw)).json()["error"]["code"] == "api_not_found"
    answer = call(bus, "GET", f"/gateway/{draft_version.service.slug}/v1/penduduk/1", bearer(raw))
    assert answer.status == 404


def _error_without_id(answer):
    error = answer.json()["error"]
    error.pop("request_id", None)
    return answer.status, error


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer splp_wrong.secret"}, "other"])
def test_rahasia_api_answers_as_an_unknown_name_unless_the_key_is_granted_on_it(
    bus, bus_grant, published_version, headers
):
    _grant, raw = bus_grant
    published_version.service.classification = "rahasia"
    published_version.service.save()
    path = f"/gateway/{published_version.service.slug}/v1/penduduk/1"
    if headers == "other":  # a valid key, granted on another API
        headers = bearer(raw)
    unknown = call(bus, "GET", "/gateway/tidak-ada/v1/penduduk/1", headers)
    assert _error_without_id(call(bus, "GET", path, headers)) == _error_without_id(unknown) == (
        404, {"code": "api_not_found", "message": unknown.json()["error"]["message"]})
    ApiService.objects.filter(pk=published_version.service_id).update(is_suspended=True)
    assert call(Gateway(buffer_factory=build_buffer), "GET", path, headers).status == 404


def test_rahasia_api_serves_and_reports_suspension_to_its_grant_holder(
    bus, requester, requester_org, bus_version, admin_user, publisher
):
    # The rahasia policy asks for an allow-list (tests/bus/test_policy.py); this grant has one.
    _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher,
                                 ip_allowlist="127.0.0.1/32")
    ApiService.objects.filter(slug="data-bus").update(classification="rahasia")
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    ApiService.objects.filter(slug="data-bus").update(is_suspended=True)
    answer = call(Gateway(buffer_factory=build_buffer), "GET", ECHO, bearer(raw))
    assert answer.status == 503 and answer.json()["error"]["code"] == "api_suspended"


def test_suspended_api_503(bus, bus_grant):
    _grant, raw = bus_grant
    ApiService.objects.filter(slug="data-bus").update(is_suspended=True)
    answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 503 and answer.json()["error"]["code"] == "api_suspended"


def test_operation_not_granted_and_unknown_operation(bus, requester, requester_org, bus_version, admin_user, publisher):
    echo = bus_version.operations.get(method="GET", path="/v1/echo")
    _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher, operations=[echo])
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    answer = call(bus, "GET", "/gateway/data-bus/v1/items/7", bearer(raw))
    assert answer.status == 403 and answer.json()["error"]["code"] == "operation_not_granted"
    answer = call(bus, "DELETE", ECHO, bearer(raw))
    assert answer.status == 404 and answer.json()["error"]["code"] == "unknown_operation"
    assert [h[1] for h in Upstream.hits] == ["/api/v1/echo"]


def test_path_templates_match_one_segment(bus, bus_grant):
    _grant, raw = bus_grant
    assert call(bus, "GET", "/gateway/data-bus/v1/items/42", bearer(raw)).status == 200
    assert call(bus, "GET", "/gateway/data-bus/v1/items/42/extra", bearer(raw)).status == 404


def test_explicit_version_segment(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", "/gateway/data-bus/v1.0.0/v1/echo", bearer(raw))
    assert answer.status == 200 and answer.json()["path"] == "/api/v1/echo"


def test_ip_allowlist(bus, requester, requester_org, bus_version, admin_user, publisher):
    _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher,
                                 ip_allowlist="10.1.0.0/16")
    answer = call(bus, "GET", ECHO, bearer(raw), remote="127.0.0.1")
    assert answer.status == 403 and answer.json()["error"]["code"] == "ip_not_allowed"
    assert call(bus, "GET", ECHO, bearer(raw), remote="10.1.2.3").status == 200


def test_rate_limit_429_with_retry_after(bus, requester, requester_org, bus_version, admin_user, publisher):
    _grant, raw = grant_with_key(requester, requester_org, bus_version, admin_user, publisher,
                                 rate_limit_per_minute=3)
    second_20 = (int(time.time()) // 60 + 1) * 60 + 20  # second 20 of the next minute
    with time_machine.travel(second_20, tick=False):
        statuses = [call(bus, "GET", ECHO, bearer(raw)).status for _ in range(3)]
        limited = call(bus, "GET", ECHO, bearer(raw))
    assert statuses == [200, 200, 200]
    assert limited.status == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert limited.headers["retry-after"] == "40"
    assert len(Upstream.hits) == 3


def test_upstream_timeout_504_within_timeout(bus, bus_grant):
    _grant, raw = bus_grant
    ApiVersion.objects.filter(service__slug="data-bus").update(read_timeout=0.5)
    started = time.monotonic()
    answer = call(bus, "GET", "/gateway/data-bus/v1/sleep", {**bearer(raw), "X-Sleep": "3"})
    elapsed = time.monotonic() - started
    assert answer.status == 504 and answer.json()["error"]["code"] == "upstream_timeout"
    assert elapsed < 0.5 + 1.0


def test_connection_reset_mid_body_502(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", "/gateway/data-bus/v1/reset", bearer(raw))
    assert answer.status == 502 and answer.json()["error"]["code"] == "upstream_reset"


def test_oversized_response_502(bus, bus_grant, settings):
    _grant, raw = bus_grant
    settings.SPLP_GATEWAY_MAX_RESPONSE_BYTES = 1000
    answer = call(bus, "GET", "/gateway/data-bus/v1/big", bearer(raw))
    assert answer.status == 502
    assert answer.json()["error"]["code"] == "upstream_response_too_large"
    assert "1000" in answer.json()["error"]["message"]


def test_oversized_request_413(bus, bus_grant, settings):
    _grant, raw = bus_grant
    settings.SPLP_GATEWAY_MAX_REQUEST_BYTES = 100
    answer = call(bus, "POST", ECHO, bearer(raw), body=b"x" * 101)
    assert answer.status == 413 and answer.json()["error"]["code"] == "request_too_large"
    assert Upstream.hits == []


def test_redirect_is_passed_back_not_followed(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", "/gateway/data-bus/v1/redirect", bearer(raw))
    assert answer.status == 302
    assert [h[1] for h in Upstream.hits] == ["/api/v1/redirect"]


def test_upstream_errors_pass_through_unchanged(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", "/gateway/data-bus/v1/error", bearer(raw))
    assert answer.status == 500 and answer.json() == {"upstream": "broken"}
    drain(bus)
    row = RequestLog.objects.get()
    assert (row.status, row.upstream_status, row.error_code) == (500, 500, "")


def test_upstream_unreachable_502(bus, bus_grant):
    _grant, raw = bus_grant
    ApiVersion.objects.filter(service__slug="data-bus").update(upstream_base_url="http://127.0.0.1:9/api")
    answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 502 and answer.json()["error"]["code"] == "upstream_unreachable"


def test_ssrf_guard_refuses_loopback_not_allow_listed(bus, bus_grant, upstream):
    _grant, raw = bus_grant
    # 127.0.0.2 is loopback but not on the internal allow-list (only 127.0.0.1 and localhost are).
    ApiVersion.objects.filter(service__slug="data-bus").update(
        upstream_base_url=f"http://127.0.0.2:{upstream.server_port}/api"
    )
    answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 502 and answer.json()["error"]["code"] == "upstream_refused"
    assert Upstream.hits == []


def test_hop_by_hop_and_credentials_not_forwarded_publisher_secret_injected(bus, bus_grant):
    from splp import crypto

    _grant, raw = bus_grant
    ApiVersion.objects.filter(service__slug="data-bus").update(
        upstream_auth_header="X-Upstream-Key", upstream_auth_secret=crypto.encrypt("publisher-secret-123")
    )
    answer = call(bus, "POST", ECHO, {
        **bearer(raw), "Cookie": "sessionid=abc", "Connection": "close, X-Drop-Me", "X-Drop-Me": "1",
        "Keep-Alive": "timeout=5", "Proxy-Authorization": "Basic Zm9v", "TE": "trailers", "X-Custom": "kept",
        "Content-Type": "application/json",
    }, body=b'{"a": 1}')
    assert answer.status == 200
    seen = {k.lower(): v for k, v in answer.json()["headers"].items()}
    for name in ("authorization", "cookie", "x-drop-me", "keep-alive", "proxy-authorization", "te", "x-api-key"):
        assert name not in seen, name
    assert seen["x-custom"] == "kept"
    assert seen["x-upstream-key"] == "publisher-secret-123"
    assert answer.json()["body"] == '{"a": 1}'
    # The gateway adds nothing of the secret to its answer (this echo upstream's body shows it by design),
    # and the upstream's cookie is not passed on.
    assert not any("publisher-secret" in v for v in answer.headers.values())
    assert "set-cookie" not in answer.headers and answer.headers["x-upstream"] == "yes"
    assert "connection" not in answer.headers
    drain(bus)
    assert "publisher-secret" not in str(RequestLog.objects.values().get())


def test_every_call_is_logged_after_the_drain(bus, bus_grant):
    _grant, raw = bus_grant
    expected = [
        call(bus, "GET", ECHO, bearer(raw)).status,
        call(bus, "GET", ECHO).status,
        call(bus, "GET", "/gateway/data-bus/v1/error", bearer(raw)).status,
        call(bus, "DELETE", ECHO, bearer(raw)).status,
    ]
    drain(bus)
    assert sorted(RequestLog.objects.values_list("status", flat=True)) == sorted(expected)
    assert not Grant.objects.filter(pk=_grant.pk, revoked_at__isnull=False).exists()


def test_internal_fault_answers_json_500_and_is_logged(bus, bus_grant, monkeypatch):
    _grant, raw = bus_grant
    bus._setup()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(bus, "_key", broken)
    answer = call(bus, "GET", ECHO, bearer(raw))
    assert answer.status == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "database" not in answer.body.decode()  # no internals leak to the caller
    drain(bus)
    assert RequestLog.objects.get().error_code == "internal_error"


def test_chunked_upstream_response_is_forwarded_whole(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", "/gateway/data-bus/v1/chunked", bearer(raw))
    assert answer.status == 200 and answer.json() == {"parts": [1, 2, 3]}
    assert answer.headers["content-length"] == str(len(answer.body))
    assert "transfer-encoding" not in answer.headers


def test_upstream_connections_are_kept_alive_and_dropped_ones_replaced(bus, bus_grant):
    import socket

    _grant, raw = bus_grant
    for _ in range(3):
        assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    assert len({port for *_rest, port in Upstream.hits}) == 1  # one connection carried all three
    # The upstream side of the idle connection goes away: the next call opens a fresh one.
    pool = next(iter(bus.pools._pools.values()))
    pool._idle[-1].sock.shutdown(socket.SHUT_RDWR)
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    assert len({port for *_rest, port in Upstream.hits}) == 2


def test_connection_close_from_upstream_is_not_reused(bus, bus_grant):
    _grant, raw = bus_grant
    assert call(bus, "GET", "/gateway/data-bus/v1/close", bearer(raw)).json() == {"closed": True}
    assert call(bus, "GET", ECHO, bearer(raw)).status == 200
    assert len({port for *_rest, port in Upstream.hits}) == 2
