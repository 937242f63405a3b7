"""Upstreams behind an OAuth2 gateway of their own (a national SPLP, another Pemda's SPLP): the bus fetches a
client-credentials token from a real local token server, caches it, renews it, and never shows the secret."""

import base64
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus

import pytest
import time_machine
from django.core.exceptions import ValidationError

from directory import services as directory_services
from directory.models import ApiVersion
from monitoring.health import health_check_run
from monitoring.models import RequestLog
from monitoring.services import request_log_drain
from splp import crypto
from splp.audit import audit_events_for

from ..factories import service_fields
from .conftest import OK_SCHEMA, call, grant_with_key

CLIENT_ID, CLIENT_SECRET = "splp-kota", "klien-R4hasia!"
ECHO = "/gateway/nasional/v1/echo"


class Remote(BaseHTTPRequestHandler):
    """A national SPLP in miniature: a token endpoint and a gateway that accepts only the tokens it issued
    and has not revoked."""

    protocol_version = "HTTP/1.1"
    token_requests, calls, valid = [], [], set()
    issued = 0
    token_status, expires_in, refuse_all = 200, 3600, False

    @classmethod
    def reset(cls):
        cls.token_requests, cls.calls, cls.valid = [], [], set()
        cls.issued, cls.token_status, cls.expires_in, cls.refuse_all = 0, 200, 3600, False

    def log_message(self, *args):
        pass

    def _json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/oauth2/token":
            Remote.token_requests.append((self.headers.get("Authorization"), parse_qs(body.decode())))
            if Remote.token_status != 200:
                return self._json(Remote.token_status, {"error": "invalid_client"})
            Remote.issued += 1
            token = f"tok-{Remote.issued}"
            Remote.valid.add(token)
            return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": Remote.expires_in})
        Remote.calls.append((self.command, dict(self.headers), body))
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else self.headers.get("X-Token")
        if Remote.refuse_all or token not in Remote.valid:
            return self._json(401, {"fault": "invalid token"})
        return self._json(200, {"token": token, "headers": dict(self.headers), "body": body.decode()})

    do_GET = do_POST = _handle


@pytest.fixture(scope="module")
def remote_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Remote)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def remote(remote_server):
    Remote.reset()
    return remote_server


def spec():
    echo = {"summary": "Echo", "responses": OK_SCHEMA}
    return {"openapi": "3.0.3", "info": {"title": "Nasional", "version": "1.0.0"},
            "paths": {"/v1/echo": {"get": echo, "post": {**echo, "summary": "Echo POST"}}}}


def configure(version, actor, port, **overrides):
    fields = {"auth_type": "oauth2", "auth_header": "", "token_url": f"http://127.0.0.1:{port}/oauth2/token",
              "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token_scope": "data:read",
              "connect_timeout": 2, "read_timeout": 5, **overrides}
    return directory_services.api_version_configure_upstream(actor=actor, api_version=version, **fields)


@pytest.fixture
def remote_version(remote, publisher, publisher_org, admin_user, theme):
    _service, version = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="nasional", version="1.0.0",
        upstream_base_url=f"http://127.0.0.1:{remote.server_port}/t/pemda/api", spec=spec(),
        **service_fields(theme, name="Layanan nasional"),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    version = directory_services.api_version_publish(actor=admin_user, api_version=version)
    return configure(version, publisher, remote.server_port)


@pytest.fixture
def key(requester, requester_org, remote_version, admin_user, publisher):
    _grant, raw = grant_with_key(requester, requester_org, remote_version, admin_user, publisher)
    return {"Authorization": f"Bearer {raw}"}


def test_token_fetched_once_and_cached_across_calls(bus, key):
    first, second = call(bus, "GET", ECHO, key), call(bus, "GET", ECHO, key)
    assert (first.status, second.status) == (200, 200)
    assert first.json()["token"] == second.json()["token"] == "tok-1"
    assert first.json()["headers"]["Authorization"] == "Bearer tok-1"
    assert len(Remote.token_requests) == 1
    basic, form = Remote.token_requests[0]
    # client_secret_basic, each part form-encoded first (RFC 6749 2.3.1) as the server decodes it.
    user, _colon, password = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
    assert (unquote_plus(user), unquote_plus(password)) == (CLIENT_ID, CLIENT_SECRET)
    assert form == {"grant_type": ["client_credentials"], "scope": ["data:read"]}


def test_token_renewed_after_expiry(bus, key):
    Remote.expires_in = 600
    assert call(bus, "GET", ECHO, key).json()["token"] == "tok-1"
    with time_machine.travel(time.time() + 601):
        assert call(bus, "GET", ECHO, key).json()["token"] == "tok-2"
    assert len(Remote.token_requests) == 2


def test_a_401_renews_the_token_once_and_replays_the_body(bus, key):
    assert call(bus, "GET", ECHO, key).json()["token"] == "tok-1"
    Remote.valid.clear()  # the remote revoked its tokens early
    answer = call(bus, "POST", ECHO, {**key, "Content-Type": "application/json"}, body=b'{"nik": "x"}')
    assert answer.status == 200
    assert answer.json()["token"] == "tok-2" and answer.json()["body"] == '{"nik": "x"}'
    assert [body for _m, _h, body in Remote.calls[-2:]] == [b'{"nik": "x"}'] * 2


def test_a_second_401_is_passed_through(bus, key):
    Remote.refuse_all = True
    answer = call(bus, "GET", ECHO, key)
    assert answer.status == 401 and answer.json() == {"fault": "invalid token"}
    assert len(Remote.calls) == 2 and len(Remote.token_requests) == 2


def test_another_header_carries_the_raw_token(bus, key, remote_version, publisher, remote):
    configure(remote_version, publisher, remote.server_port, auth_header="X-Token", client_secret=None)
    seen = call(bus, "GET", ECHO, key).json()["headers"]
    assert seen["X-Token"] == "tok-1"
    assert "Authorization" not in seen  # the requester's SPLP key is not passed on either


@pytest.mark.parametrize("break_it", ["down", "refused"])
def test_token_server_failure_is_a_502_without_the_secret(bus, key, remote_version, publisher, remote, break_it,
                                                          caplog):
    if break_it == "down":
        with socket_closed() as port:
            configure(remote_version, publisher, port, client_secret=None)
    else:
        Remote.token_status = 401
    with caplog.at_level(logging.DEBUG):
        answer = call(bus, "GET", ECHO, key)
    assert answer.status == 502
    assert answer.json()["error"] == {"code": "upstream_auth_failed",
                                      "message": "SPLP tidak dapat memperoleh token akses untuk layanan asal."}
    assert Remote.calls == []
    bus.buffer.flush()
    request_log_drain()
    assert RequestLog.objects.get().error_code == "upstream_auth_failed"
    assert "no upstream token" in caplog.text
    for text in (answer.body.decode(), caplog.text, str(list(RequestLog.objects.values()))):
        assert CLIENT_SECRET not in text


class socket_closed:
    """A local port nothing listens on."""

    def __enter__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def test_secrets_are_stored_encrypted_and_kept_out_of_the_audit(remote_version, bus, key):
    version = ApiVersion.objects.get(pk=remote_version.pk)
    assert CLIENT_SECRET not in version.upstream_client_secret
    assert crypto.decrypt(version.upstream_client_secret) == CLIENT_SECRET
    event = audit_events_for(version).filter(action="configure_upstream").latest("id")
    assert event.data["client_secret_changed"] is True and event.data["token_url"].endswith("/oauth2/token")
    assert CLIENT_SECRET not in json.dumps(event.data)
    answer = call(bus, "GET", ECHO, key)
    assert CLIENT_SECRET not in answer.body.decode()


@pytest.mark.parametrize("token_url", [
    "http://169.254.169.254/latest/meta-data/iam",  # cloud metadata
    "https://10.0.0.5/token",  # a private address, not allow-listed
    "https://sso.example.com/token",  # a host not on the allow-list
    "ftp://127.0.0.1/token",
])
def test_token_url_the_bus_may_not_call_is_refused(remote_version, publisher, token_url):
    with pytest.raises(ValidationError) as exc:
        configure(remote_version, publisher, 0, token_url=token_url)
    assert "token_url" in exc.value.message_dict
    remote_version.refresh_from_db()
    assert remote_version.upstream_token_url.startswith("http://127.0.0.1:")  # nothing half-saved


def test_private_address_refused_even_under_a_wildcard_allow_list(remote_version, publisher, settings):
    settings.SPLP_UPSTREAM_HOSTS = ["*"]
    with pytest.raises(ValidationError) as exc:
        configure(remote_version, publisher, 0, token_url="https://169.254.169.254/token")
    assert "token_url" in exc.value.message_dict


def test_allow_listed_token_url_needs_https(remote_version, publisher, settings):
    settings.SPLP_UPSTREAM_HOSTS = ["*.go.id"]
    with pytest.raises(ValidationError):
        configure(remote_version, publisher, 0, token_url="http://sso.splp.go.id/oauth2/token")
    configure(remote_version, publisher, 0, token_url="https://sso.splp.go.id/oauth2/token", client_secret=None)


def test_oauth2_needs_its_fields_and_switching_type_drops_the_secret(remote_version, publisher, remote):
    with pytest.raises(ValidationError) as exc:
        directory_services.api_version_configure_upstream(
            actor=publisher, api_version=remote_version, auth_type="oauth2", auth_header="", connect_timeout=2,
            read_timeout=5)
    assert {"token_url", "client_id"} <= set(exc.value.message_dict)
    directory_services.api_version_configure_upstream(
        actor=publisher, api_version=remote_version, auth_type="static", auth_header="X-Api-Key",
        auth_secret="kunci", connect_timeout=2, read_timeout=5)
    remote_version.refresh_from_db()
    assert (remote_version.upstream_client_secret, remote_version.upstream_token_url) == ("", "")
    assert crypto.decrypt(remote_version.upstream_auth_secret) == "kunci"


def test_portal_form_sets_oauth2_and_never_shows_the_secret(client, remote_version, publisher, admin_user, remote):
    url = f"/api-saya/kelola/nasional/versi/{remote_version.pk}/upstream/"
    client.force_login(publisher)
    page = client.get(url).content.decode()
    assert "Jenis kredensial" in page and "URL token" in page and CLIENT_SECRET not in page
    response = client.post(url, {
        "auth_type": "oauth2", "auth_header": "X-Token", "token_url": f"http://127.0.0.1:{remote.server_port}/t",
        "client_id": "portal-client", "client_secret": "", "token_scope": "", "connect_timeout": "2",
        "read_timeout": "20"})
    assert response.status_code == 302
    remote_version.refresh_from_db()
    assert (remote_version.upstream_client_id, remote_version.upstream_auth_header) == ("portal-client", "X-Token")
    assert crypto.decrypt(remote_version.upstream_client_secret) == CLIENT_SECRET  # empty: kept
    refused = client.post(url, {
        "auth_type": "oauth2", "token_url": "https://10.1.2.3/token", "client_id": "c", "connect_timeout": "2",
        "read_timeout": "20"})
    assert refused.status_code == 200 and "token" in refused.context["form"].errors["token_url"][0]
    client.force_login(admin_user)
    admin_page = client.get(f"/admin/directory/apiversion/{remote_version.pk}/change/").content.decode()
    assert "portal-client" in admin_page and CLIENT_SECRET not in admin_page
    assert remote_version.upstream_client_secret not in admin_page


def test_health_check_probes_with_a_token(remote_version, remote):
    checks = health_check_run()
    assert [(c.ok, c.status_code) for c in checks] == [(True, 200)]
    assert Remote.calls[-1][1]["Authorization"] == "Bearer tok-1"
    Remote.token_status = 500
    with time_machine.travel(time.time() + 3600 * 2):
        check = health_check_run()[0]
    assert not check.ok and "no upstream token" in check.error and CLIENT_SECRET not in check.error
