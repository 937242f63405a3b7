"""A real local HTTP upstream, a published API pointing at it, a grant with a raw key, and a WSGI caller."""

import io
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_to_bytes, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

from access import services as access_services
from access.gateway import Gateway
from directory import services as directory_services
from monitoring.logbuffer import build_buffer

from ..conftest import submit_request
from ..factories import service_fields

OK_SCHEMA = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
BUS_PATHS = ["/v1/echo", "/v1/items/{id}", "/v1/sleep", "/v1/reset", "/v1/big", "/v1/redirect", "/v1/error",
             "/v1/secret", "/v1/chunked", "/v1/close", "/v1/hop", "/v1/truncated", "/v1/chunked-cut", "/v1/malformed"]


def bus_spec():
    paths = {p: {"get": {"summary": f"GET {p}", "responses": OK_SCHEMA}} for p in BUS_PATHS}
    paths["/v1/echo"]["post"] = {"summary": "POST echo", "responses": OK_SCHEMA}
    paths["/v1/big"]["head"] = {"summary": "HEAD big", "responses": OK_SCHEMA}
    paths["/v1/items/{id}"]["get"]["parameters"] = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    return {"openapi": "3.0.3", "info": {"title": "Bus test", "version": "1.0.0"}, "paths": paths}


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits = []

    def log_message(self, *args):
        pass

    def _json(self, status, payload, extra=()):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Upstream.hits.append((self.command, self.path, dict(self.headers), self.client_address[1]))
        path = self.path.split("?")[0]
        if path == "/api/v1/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b'{"parts": ', b'[1, 2, ', b"3]}"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return None
        if path == "/api/v1/hop":
            return self._json(200, {"ok": True}, [("Connection", "X-Secret-Hop, keep-alive"),
                                                  ("X-Secret-Hop", "internal"), ("X-Kept", "yes")])
        query = dict(parse_qsl(urlsplit(self.path).query))
        if path == "/api/v1/truncated":  # declares 8000 bytes (or ?declared=), sends half, closes cleanly (FIN)
            declared = int(query.get("declared", 8000))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(declared))
            self.end_headers()
            self.wfile.write(b"x" * (declared // 2))
            self.close_connection = True
            return None
        if path == "/api/v1/chunked-cut":  # 3 chunks (or ?chunks=) of 3000 bytes, closes without the final one
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(int(query.get("chunks", 3))):
                self.wfile.write(b"bb8\r\n" + b"y" * 3000 + b"\r\n")
            self.close_connection = True
            return None
        if path == "/api/v1/malformed":  # two different lengths: a response smuggling attempt
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello!!")
            self.close_connection = True
            return None
        if path == "/api/v1/close":
            self.close_connection = True
            return self._json(200, {"closed": True}, [("Connection", "close")])
        if path == "/api/v1/sleep":
            time.sleep(float(self.headers.get("X-Sleep", "3")))
            return self._json(200, {"slept": True})
        if path == "/api/v1/reset":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": ')
            self.wfile.flush()
            # Linger 0 and a real close (no file object left holding the socket): the peer gets an RST.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.rfile.close()
            self.connection.close()
            return None
        if path == "/api/v1/big":
            return self._json(200, {"data": "x" * 5000})
        if path == "/api/v1/redirect":
            return self._json(302, {"moved": True}, [("Location", f"http://127.0.0.1:{self.server.server_port}/api/v1/secret")])
        if path == "/api/v1/error":
            return self._json(500, {"upstream": "broken"})
        self._json(
            200,
            {"method": self.command, "path": self.path, "headers": dict(self.headers),
             "header_list": list(self.headers.items()), "body": body.decode()},
            [("Set-Cookie", "upstream=1"), ("X-Upstream", "yes"), ("Connection", "keep-alive")],
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def do_HEAD(self):
        Upstream.hits.append((self.command, self.path, dict(self.headers), self.client_address[1]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "5012")
        self.end_headers()


@pytest.fixture(scope="session")
def upstream_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def upstream(upstream_server):
    Upstream.hits.clear()
    return upstream_server


@pytest.fixture
def bus_version(upstream, publisher, publisher_org, admin_user, theme):
    _service, version = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="data-bus", version="1.0.0",
        upstream_base_url=f"http://127.0.0.1:{upstream.server_port}/api", spec=bus_spec(),
        **service_fields(theme, name="Bus test"),
    )
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    return directory_services.api_version_publish(actor=admin_user, api_version=version)


def grant_with_key(requester, requester_org, version, admin_user, publisher, **grant_kwargs):
    request = submit_request(requester, requester_org, version, operations=grant_kwargs.pop("operations", None))
    access_services.access_request_approve(actor=admin_user, access_request=request)
    grant, _key, _raw = access_services.access_request_grant(actor=publisher, access_request=request, **grant_kwargs)
    _key, raw = access_services.api_key_rotate(actor=requester, grant=grant)
    return grant, raw


@pytest.fixture
def bus_grant(requester, requester_org, bus_version, admin_user, publisher):
    return grant_with_key(requester, requester_org, bus_version, admin_user, publisher)


@pytest.fixture
def bus(settings, tmp_path):
    settings.SPLP_LOG_BUFFER_PATH = str(tmp_path / "buffer.sqlite3")
    settings.REDIS_URL = ""  # the Redis-backed variants have their own tests
    return Gateway(buffer_factory=build_buffer)


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def wsgi_environ(method, path, headers=None, body=b"", remote="127.0.0.1", query="", raw_uri=True, **extra):
    """The environ gunicorn would build: ``path`` is the raw request path (percent-encoded as sent);
    PATH_INFO is its decoded form (latin-1, per PEP 3333), RAW_URI the request target as received (left
    out with raw_uri=False, as servers that only give PATH_INFO do). ``extra`` overrides environ keys."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": unquote_to_bytes(path).decode("latin-1"), "QUERY_STRING": query,
        "REMOTE_ADDR": remote, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    if raw_uri:
        environ["RAW_URI"] = path + (f"?{query}" if query else "")
    setup_testing_defaults(environ)
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    environ.update(extra)
    return environ


def start(app, environ):
    """Run the app up to its response head: (status, headers with lower-case names, unread body)."""
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = response_headers

    body = app(environ, start_response)
    return captured["status"], {k.lower(): v for k, v in captured["headers"]}, body


def call(app, method, path, headers=None, body=b"", remote="127.0.0.1", query="", **environ_options):
    status, response_headers, result = start(
        app, wsgi_environ(method, path, headers, body, remote, query, **environ_options))
    try:
        data = b"".join(result)
    finally:
        result.close()
    return Answer(status, response_headers, data)
