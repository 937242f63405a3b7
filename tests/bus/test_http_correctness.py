"""The bus speaks HTTP correctly: one canonical path, header hygiene both ways, visible truncation, and
request bodies framed one way only. Each case was an attack or a silent corruption before."""

import pytest
from django.core.exceptions import ValidationError

from access.logmask import value_hash
from access.upstream_client import UpstreamError
from directory import services as directory_services
from directory.models import ApiVersion
from monitoring.logbuffer import build_buffer
from monitoring.models import RequestLog
from monitoring.services import request_log_drain
from splp import crypto

from .conftest import Upstream, call, start, wsgi_environ

BASE = "/gateway/data-bus"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def drained_row(bus):
    bus.buffer.flush()
    request_log_drain()
    return RequestLog.objects.get()


# -- 1. One canonical path -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    # Request splitting: CR LF would end the request line and start forged headers, or a second request.
    "/v1/items/x%20HTTP/1.1%0d%0aX-SPLP-Organization:%20dinkes%0d%0aX-Pad:%20z",
    "/v1/items/x%20HTTP/1.1%0d%0aHost:%20a%0d%0a%0d%0aGET%20smuggled",
    "/v1/items/a%0ab", "/v1/items/a%00b", "/v1/items/a%7fb", "/v1/items/a%09b",
    # Dot segments, encoded or not, would climb out of the granted operation upstream.
    "/v1/items/%2e%2e/%2e%2e", "/v1/items/..", "/v1/items/%2E", "/v1/items/.%2e", "/v1/./echo",
    # Encoded delimiters would be decoded into a different path or a query upstream.
    "/v1/items/a%2Fb", "/v1/items/a%2fb", "/v1/items/a%3Fb", "/v1/items/a%23b",
    # Empty segments and bytes that are not UTF-8.
    "/v1//echo", "/v1/items/%ff",
])
def test_ambiguous_paths_are_refused_before_anything_else(bus, bus_grant, path):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + path, bearer(raw))
    assert answer.status == 400
    assert answer.json()["error"]["code"] == "invalid_path"
    assert Upstream.hits == []
    row = drained_row(bus)  # each segment as sent, hashed: no value in clear (access/logmask.py)
    assert (row.error_code, row.path) == ("invalid_path", "/gateway/{rest}")
    assert row.params == {"rest": [value_hash(s) for s in (BASE + path).split("/")[2:]]}


def test_a_key_of_another_shape_is_not_looked_up(bus, bus_grant):
    answer = call(bus, "GET", BASE + "/v1/echo", {"X-API-Key": "splp_" + "\x00" * 12 + "_x"})
    assert answer.status == 401 and answer.json()["error"]["code"] == "invalid_key"


def test_refused_without_a_key_too(bus, bus_grant):
    # The path is judged first: a key is not needed to be told the path is malformed, and nothing is looked up.
    answer = call(bus, "GET", BASE + "/v1/items/%2e%2e")
    assert answer.status == 400 and answer.json()["error"]["code"] == "invalid_path"


@pytest.mark.parametrize("sent, received", [
    ("/v1/items/siti%20contoh", "/api/v1/items/siti%20contoh"),  # decoded once, matched, re-encoded
    ("/v1/items/caf%C3%A9", "/api/v1/items/caf%C3%A9"),
    ("/v1/items/caf\u00c3\u00a9", "/api/v1/items/caf%C3%A9"),  # raw UTF-8 bytes (latin-1 in WSGI)
    ("/v1/items/a:b@c!$&'()*+,;=", "/api/v1/items/a:b@c!$&'()*+,;="),  # RFC 3986 pchar stays as it is
    ("/v1/items/%61%62c", "/api/v1/items/abc"),  # unreserved characters need no escape
    ("/v1/items/50%25", "/api/v1/items/50%25"),
    ("/v1/items/a%22%3C%3E%5C%5E%60%7B%7C%7D", "/api/v1/items/a%22%3C%3E%5C%5E%60%7B%7C%7D"),
])
def test_upstream_receives_exactly_the_matched_path(bus, bus_grant, sent, received):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + sent, bearer(raw))
    assert answer.status == 200, answer.body
    assert answer.json()["path"] == received
    assert drained_row(bus).operation.path == "/v1/items/{id}"


def test_query_is_forwarded_with_nothing_raw(bus, bus_grant):
    _grant, raw = bus_grant
    # A server may pass bytes a client should have encoded; they reach the upstream encoded, never raw.
    answer = call(bus, "GET", BASE + "/v1/echo", bearer(raw), query="q=a b&r=\r\nX-Injected: 1#frag&s=%41")
    assert answer.status == 200
    assert answer.json()["path"] == "/api/v1/echo?q=a%20b&r=%0D%0AX-Injected:%201%23frag&s=%41"
    assert "X-Injected" not in answer.json()["headers"]


def test_without_raw_uri_the_decoded_path_is_still_checked(bus, bus_grant):
    # Servers that give only PATH_INFO (already decoded): dot segments and control characters are refused.
    _grant, raw = bus_grant
    for path, status in (("/v1/items/..", 400), ("/v1/items/a%0d%0ab", 400), ("/v1/items/a%20b", 200)):
        assert call(bus, "GET", BASE + path, bearer(raw), raw_uri=False).status == status, path
    assert [hit[1] for hit in Upstream.hits] == ["/api/v1/items/a%20b"]


# -- Header hygiene --------------------------------------------------------------------------------------

def test_requester_cannot_forge_the_publisher_credential_in_any_case(bus, bus_grant):
    _grant, raw = bus_grant
    ApiVersion.objects.filter(service__slug="data-bus").update(
        upstream_auth_header="X-Upstream-Token", upstream_auth_secret=crypto.encrypt("real-secret")
    )
    answer = call(bus, "GET", BASE + "/v1/echo", {**bearer(raw), "x-upstream-token": "forged",
                                                  "X_UPSTREAM_TOKEN": "forged-too"})
    assert answer.status == 200
    tokens = [v for k, v in answer.json()["header_list"] if k.lower().replace("_", "-") == "x-upstream-token"]
    assert tokens == ["real-secret"]


def test_forwarding_headers_are_the_bus_own(bus, bus_grant):
    grant, raw = bus_grant
    answer = call(bus, "GET", BASE + "/v1/echo", {
        **bearer(raw), "Host": "splp.example.go.id", "Forwarded": "for=6.6.6.6", "X-Real-IP": "6.6.6.6",
        "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "1", "X-SPLP-Organization": "dinkes-palsu", "X-SPLP-Anything": "x",
        "X-Request-ID": "forged", "Expect": "100-continue",
    })
    assert answer.status == 200
    pairs = [(k.lower(), v) for k, v in answer.json()["header_list"]]
    names = [k for k, _v in pairs]
    assert len(names) == len(set(names)), "no header may arrive twice"
    seen = dict(pairs)
    for name in ("forwarded", "x-real-ip", "x-forwarded-port", "x-splp-anything", "expect"):
        assert name not in seen, name
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == "splp.example.go.id"
    assert seen["x-splp-organization"] == grant.organization.code
    assert seen["x-request-id"] == answer.headers["x-request-id"] != "forged"


def test_trusted_proxy_may_state_proto_and_host(bus, bus_grant, settings):
    settings.SPLP_TRUSTED_PROXIES = ["127.0.0.0/8"]
    from access.gateway import Gateway

    gateway = Gateway(buffer_factory=build_buffer)
    _grant, raw = bus_grant
    answer = call(gateway, "GET", BASE + "/v1/echo", {
        **bearer(raw), "X-Forwarded-Proto": "https", "X-Forwarded-Host": "splp.kota.go.id",
        "X-Forwarded-For": "10.9.8.7",
    })
    seen = {k.lower(): v for k, v in answer.json()["header_list"]}
    assert (seen["x-forwarded-proto"], seen["x-forwarded-host"]) == ("https", "splp.kota.go.id")
    assert seen["x-forwarded-for"] == "10.9.8.7, 127.0.0.1"


def test_headers_named_by_the_upstream_connection_header_do_not_reach_the_client(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + "/v1/hop", bearer(raw))
    assert answer.status == 200
    assert "x-secret-hop" not in answer.headers and "connection" not in answer.headers
    assert answer.headers["x-kept"] == "yes"


def test_invalid_requester_header_value_is_refused_not_forwarded(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + "/v1/echo", {**bearer(raw), "X-Note": "a\x00b"})
    assert answer.status == 400 and answer.json()["error"]["code"] == "invalid_request"
    assert Upstream.hits == []


@pytest.mark.parametrize("name", ["X-Forwarded-Host", "x-splp-organization", "X-SPLP-Key", "Forwarded",
                                  "Host", "Transfer-Encoding", "X-Request-ID", "Expect", "X_Forwarded_For"])
def test_publisher_credential_may_not_take_a_name_the_bus_sets(bus_version, publisher, name):
    with pytest.raises(ValidationError) as exc:
        directory_services.api_version_configure_upstream(
            actor=publisher, api_version=bus_version, auth_header=name, auth_secret="s", connect_timeout=2,
            read_timeout=5)
    assert "auth_header" in exc.value.message_dict


@pytest.mark.parametrize("secret", ["a\r\nX-Injected: 1", "a\nb", "tab\there", " leading", "caf\u00e9"])
def test_publisher_credential_value_is_one_clean_header_value(bus_version, publisher, secret):
    with pytest.raises(ValidationError) as exc:
        directory_services.api_version_configure_upstream(
            actor=publisher, api_version=bus_version, auth_header="X-Upstream-Token", auth_secret=secret,
            connect_timeout=2, read_timeout=5)
    assert "auth_secret" in exc.value.message_dict
    bus_version.refresh_from_db()
    assert bus_version.upstream_auth_header == ""  # nothing half-saved


# -- Truncation is visible -------------------------------------------------------------------------------

def test_truncated_small_response_is_a_502(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + "/v1/truncated", bearer(raw))
    assert answer.status == 502 and answer.json()["error"]["code"] == "upstream_truncated"
    row = drained_row(bus)
    assert (row.status, row.upstream_status, row.error_code) == (502, 200, "upstream_truncated")


@pytest.mark.parametrize("path, length, sent", [("/v1/truncated", "8000", 4000), ("/v1/chunked-cut", None, 9000)])
def test_truncated_streamed_response_is_cut_visibly(bus, bus_grant, settings, path, length, sent):
    """Streamed (larger than the buffer): the status is already sent, so the client must see a short body
    against the declared Content-Length, or a chunked body without its final chunk: the body iterator
    raises, which makes the WSGI server abort the connection instead of ending the response cleanly."""
    settings.SPLP_GATEWAY_BUFFER_BYTES = 1000
    _grant, raw = bus_grant
    status, headers, body = start(bus, wsgi_environ("GET", BASE + path, bearer(raw)))
    assert status == 200
    assert headers.get("content-length") == length
    received = b""
    with pytest.raises(UpstreamError):
        for chunk in body:
            received += chunk
    body.close()
    assert len(received) == sent
    row = drained_row(bus)
    assert (row.status, row.upstream_status, row.error_code) == (502, 200, "upstream_truncated")


def test_a_head_answer_states_the_upstream_length_without_a_body(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "HEAD", BASE + "/v1/big", bearer(raw))
    assert (answer.status, answer.headers["content-length"], answer.body) == (200, "5012", b"")


def test_malformed_upstream_framing_is_a_502(bus, bus_grant):
    _grant, raw = bus_grant
    answer = call(bus, "GET", BASE + "/v1/malformed", bearer(raw))
    assert answer.status == 502 and answer.json()["error"]["code"] == "upstream_invalid"


# -- Request bodies: one framing only ---------------------------------------------------------------------

def _post(app, raw, body, **extra):
    answer = call(app, "POST", BASE + "/v1/echo", {**bearer(raw), "Content-Type": "application/json"}, body, **extra)
    return answer.status, answer.body


def test_chunked_request_body_is_forwarded_intact(bus, bus_grant):
    import json

    _grant, raw = bus_grant
    # What a WSGI server hands over for a chunked request: no CONTENT_LENGTH, wsgi.input already de-chunked.
    body = b'{"nik": "' + b"7" * 70000 + b'"}'
    status, data = _post(bus, raw, body, HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")
    assert status == 200
    seen = json.loads(data)
    assert seen["body"] == body.decode()
    assert seen["headers"]["Content-Length"] == str(len(body))
    assert "Transfer-Encoding" not in seen["headers"]


@pytest.mark.parametrize("extra, code", [
    ({"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": "8"}, "invalid_request"),  # CL + TE
    ({"HTTP_TRANSFER_ENCODING": "gzip, chunked"}, "invalid_request"),
    ({"CONTENT_LENGTH": "-1"}, "invalid_request"),
    ({"CONTENT_LENGTH": "8x"}, "invalid_request"),
    ({"CONTENT_LENGTH": "100"}, "invalid_request"),  # declares more than it sends
])
def test_ambiguous_request_framing_is_refused(bus, bus_grant, extra, code):
    import json

    _grant, raw = bus_grant
    status, data = _post(bus, raw, b'{"a": 1}', **extra)
    assert status == 400 and json.loads(data)["error"]["code"] == code
    assert Upstream.hits == []
