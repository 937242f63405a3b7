"""The production server itself (``python -m splp.serve``, as the README and ``make run`` start it), run as a
subprocess on a free local port against the suite's database and local upstream."""

import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from monitoring.logbuffer import SqliteSink

from .conftest import Upstream
from .test_gateway import ECHO, bearer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the server reads what the tests commit


def database_url():
    """The suite's test database, for the server process."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, var_dir, work_dir, **env):
        self.port = free_port()
        self.buffer_path = work_dir / "reqlog-buffer.sqlite3"
        self.output = work_dir / "server.log"
        environ = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "splp.settings",  # the production profile, not the suite's settings
            "DEBUG": "0",
            "SECRET_KEY": "server-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SPLP_INTERNAL_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": "",
            "SPLP_VAR_DIR": str(var_dir),
            "SPLP_LOG_BUFFER_PATH": str(self.buffer_path),
            # Each test publishes its own API under the same slug: no per-process cache between tests.
            "SPLP_GATEWAY_CACHE_SECONDS": "0",
            **env,
        }
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "splp.serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", "1", "--log-level", "warning"],
                cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, f"server exited: {self.output.read_text()}"
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                assert time.monotonic() < deadline, f"server did not answer: {self.output.read_text()}"
                time.sleep(0.2)

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def request(self, method, path, headers=None, body=None, conn=None):
        conn = conn or self.connection()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()

    def raw(self, data):
        """Sends raw bytes; returns everything the server answers until it closes the connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as s:
            s.sendall(data)
            received = b""
            while chunk := s.recv(65536):
                received += chunk
        return received

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise


@pytest.fixture(scope="module")
def server(collected_static, django_db_setup, tmp_path_factory):
    # A process variable named like a header: a server building environ on os.environ must not pass it on.
    server = Server(collected_static, tmp_path_factory.mktemp("server"), HTTP_X_FROM_PROCESS="leaked")
    yield server
    server.stop()


def test_static_files_over_one_keep_alive_connection(server):
    conn = server.connection()
    status, headers, body = server.request("GET", "/static/admin/css/base.css", conn=conn)
    assert status == 200 and headers["Content-Type"].startswith("text/css") and body
    status, headers, head_body = server.request("HEAD", "/static/admin/css/base.css", conn=conn)
    assert status == 200 and head_body == b"" and int(headers["Content-Length"]) == len(body)


def test_chunked_request_body_reaches_the_upstream_whole(server, bus_grant, upstream):
    _grant, raw = bus_grant
    pieces = [b'{"nik": ', b'"3201010101010001", ', b'"pad": "' + b"x" * 100_000 + b'"}']
    conn = server.connection()
    conn.putrequest("POST", ECHO)
    for name, value in {**bearer(raw), "Content-Type": "application/json", "Transfer-Encoding": "chunked"}.items():
        conn.putheader(name, value)
    conn.endheaders()
    for piece in pieces:
        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["body"] == b"".join(pieces).decode()


def test_content_length_with_transfer_encoding_cannot_smuggle(server, bus_grant, upstream):
    """RFC 9112 6.3: Transfer-Encoding wins over Content-Length, and the server closes the connection."""
    _grant, raw = bus_grant
    smuggled = f"GET {ECHO}?smuggled=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {raw}\r\n\r\n"
    answer = server.raw(
        f"POST {ECHO} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {raw}\r\n"
        "Content-Type: text/plain\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        f"5\r\nhello\r\n0\r\n\r\n{smuggled}".encode()
    )
    assert answer.count(b"HTTP/1.1 ") == 1 and answer.startswith(b"HTTP/1.1 200 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["body"] == "hello"
    assert [(method, path) for method, path, *_ in Upstream.hits] == [("POST", "/api/v1/echo")]


@pytest.mark.parametrize("path, code", [
    ("/v1/items/x%20HTTP/1.1%0d%0aX-SPLP-Organization:%20dinkes%0d%0aX-Pad:%20z", "invalid_path"),
    ("/v1/items/%2e%2e/%2e%2e", "invalid_path"),
    ("/v1/items/a%3Fb", "invalid_path"),
    # Granian decodes PATH_INFO and gives no raw target: an encoded "/" is a separator by the time the bus
    # sees it, so the two segments match no operation, and nothing reaches the upstream.
    ("/v1/items/a%2Fb", "unknown_operation"),
])
def test_ambiguous_paths_are_refused_through_the_real_server(server, bus_grant, upstream, path, code):
    _grant, raw = bus_grant
    status, _headers, body = server.request("GET", f"/gateway/data-bus{path}", bearer(raw))  # sent as is
    assert (status, json.loads(body)["error"]["code"]) == (400 if code == "invalid_path" else 404, code)
    assert Upstream.hits == []


@pytest.mark.parametrize("query, framing", [
    ("/v1/truncated?declared=4194304", b"content-length: 4194304"),  # 2 MiB of a declared 4 MiB
    ("/v1/chunked-cut?chunks=700", b"transfer-encoding: chunked"),  # 2.1 MB, then no final chunk
])
def test_a_truncated_upstream_body_reaches_the_client_truncated(server, bus_grant, upstream, query, framing):
    """Larger than the buffer, so streamed: the status is out, and the client must still see the cut."""
    _grant, raw = bus_grant
    answer = server.raw(f"GET /gateway/data-bus{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: Bearer {raw}\r\n\r\n".encode())
    head, _sep, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and framing in head.lower()
    if b"content-length" in framing:
        # Fewer bytes than declared, then the connection closes. (Some of the upstream's last bytes may
        # still be in flight when the server aborts; the client sees a short body either way.)
        assert 1024 * 1024 < len(body) <= 2 * 1024 * 1024
    else:
        assert body.count(b"y" * 3000) > 300 and not body.endswith(b"0\r\n\r\n")  # no final chunk


def test_process_environment_is_not_taken_for_request_headers(server, bus_grant, upstream):
    _grant, raw = bus_grant
    status, _headers, body = server.request("GET", ECHO, bearer(raw))
    assert status == 200
    received = {name.lower(): value for name, value in json.loads(body)["headers"].items()}
    assert "x-from-process" not in received and "leaked" not in received.values()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_graceful_stop_keeps_every_log_record(sig, collected_static, bus_grant, upstream, tmp_path):
    _grant, raw = bus_grant
    # Nothing is flushed on the timer: only the shutdown flush can save the records.
    server = Server(collected_static, tmp_path, SPLP_LOG_FLUSH_SECONDS="3600")
    try:
        conn = server.connection()
        for _ in range(25):
            assert server.request("GET", ECHO, bearer(raw), conn=conn)[0] == 200
        conn.close()
    finally:
        server.stop(sig)
    assert server.process.returncode == 0
    assert SqliteSink(server.buffer_path).size() == 25


def test_a_stop_signal_caught_by_any_worker_thread_stops_the_worker(collected_static, bus_grant, upstream, tmp_path):
    """The kernel hands a process' signal to any of its threads (Ctrl-C in make run left workers running)."""
    _grant, raw = bus_grant
    server = Server(collected_static, tmp_path, SPLP_LOG_FLUSH_SECONDS="3600")
    try:
        for _ in range(5):
            assert server.request("GET", ECHO, bearer(raw))[0] == 200
        pid = server.process.pid
        worker = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
        thread = next(int(tid) for tid in os.listdir(f"/proc/{worker}/task") if int(tid) != worker)
        assert ctypes.CDLL(None, use_errno=True).tgkill(worker, thread, signal.SIGTERM) == 0
        deadline = time.monotonic() + 30
        while Path(f"/proc/{worker}").exists() and Path(f"/proc/{worker}/stat").read_text().split()[2] != "Z":
            assert time.monotonic() < deadline, "the worker ignored SIGTERM"
            time.sleep(0.1)
    finally:
        server.stop()
    assert SqliteSink(server.buffer_path).size() == 5

