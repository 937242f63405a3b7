"""A small HTTP/1.1 client with keep-alive pools, for the bus' hot path.

The bus measured urllib3 (and requests above it) at about 70 % of its own CPU per call, most of it in
generic machinery (the e-mail header parser, URL normalisation, retry bookkeeping) that a proxy forwarding
to a fixed origin does not need. This client does one thing: send a request on a pooled connection and
read the response (Content-Length, chunked, or until close), never following redirects, never retrying
a request that may have reached the upstream.
"""

import select
import socket
import ssl
import threading
from collections import deque

NO_BODY_STATUSES = {204, 304}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_HEADER_LINES = 200
MAX_LINE = 65536


class UpstreamError(Exception):
    """kind: "connect" (cannot connect), "connect_timeout", "read_timeout", "reset" (closed mid-way),
    "invalid" (not HTTP/1.x)."""

    def __init__(self, kind, message=""):
        super().__init__(message or kind)
        self.kind = kind


class Response:
    def __init__(self, conn, status, headers, method):
        self._conn, self.status, self.headers = conn, status, headers  # headers: list of (name, value)
        lower = {k.lower(): v for k, v in headers}
        self.content_length = None
        self._chunked = "chunked" in lower.get("transfer-encoding", "").lower()
        if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
            self.content_length = 0
        elif not self._chunked and lower.get("content-length", "").strip().isdigit():
            self.content_length = int(lower["content-length"])
        self._keep_alive = lower.get("connection", "").lower() != "close" and (
            self.content_length is not None or self._chunked
        )
        self._done = False

    def stream(self, size):
        """Yield the body in pieces of at most ``size`` bytes; raises UpstreamError("reset") when cut short."""
        fp = self._conn.fp
        try:
            if self._chunked:
                yield from self._chunks(fp, size)
            elif self.content_length is not None:
                left = self.content_length
                while left:
                    piece = fp.read(min(size, left))
                    if not piece:
                        raise UpstreamError("reset", "connection closed before the body was complete")
                    left -= len(piece)
                    yield piece
            else:
                while piece := fp.read1(size):
                    yield piece
        except socket.timeout:
            raise UpstreamError("read_timeout")
        except OSError as exc:
            raise UpstreamError("reset", str(exc))
        self._done = True

    def _chunks(self, fp, size):
        while True:
            line = fp.readline(MAX_LINE)
            if not line.endswith(b"\n"):
                raise UpstreamError("reset", "connection closed inside a chunked body")
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise UpstreamError("invalid", "bad chunk size")
            if length == 0:
                while fp.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: dropped
                return
            while length:
                piece = fp.read(min(size, length))
                if not piece:
                    raise UpstreamError("reset", "connection closed inside a chunk")
                length -= len(piece)
                yield piece
            fp.readline(MAX_LINE)

    def release(self):
        """Give the connection back to its pool when the body was read whole, else close it."""
        if self._conn is None:
            return
        if self._done and self._keep_alive:
            self._conn.pool.put(self._conn)
        else:
            self._conn.close()
        self._conn = None


class Connection:
    def __init__(self, pool, sock):
        self.pool, self.sock = pool, sock
        self.fp = sock.makefile("rb", buffering=65536)

    def dropped(self):
        """An idle connection the upstream closed (or sent junk on) must not be reused."""
        try:
            readable, _w, _x = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self):
        try:
            self.fp.close()
            self.sock.close()
        except OSError:
            pass


class Pool:
    """Keep-alive connections to one origin (scheme, host, port), shared by the threads of a process."""

    def __init__(self, scheme, host, port, maxsize):
        self.scheme, self.host, self.port, self.maxsize = scheme, host, port, maxsize
        self.addresses = []  # checked IP addresses to connect to (set by the SSRF guard); empty: resolve host
        self._idle = deque()
        self._lock = threading.Lock()
        self._tls = ssl.create_default_context() if scheme == "https" else None

    def put(self, conn):
        with self._lock:
            if len(self._idle) < self.maxsize:
                self._idle.append(conn)
                return
        conn.close()

    def _get(self):
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or not conn.dropped():
                return conn
            conn.close()

    def _connect(self, connect_timeout):
        try:
            sock = socket.create_connection((self.addresses[0] if self.addresses else self.host, self.port),
                                            timeout=connect_timeout)
        except socket.timeout:
            raise UpstreamError("connect_timeout")
        except OSError as exc:
            raise UpstreamError("connect", str(exc))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                raise UpstreamError("connect", f"TLS: {exc}")
        return Connection(self, sock)

    def request(self, method, target, headers, body, connect_timeout, read_timeout):
        """Send the request and read the status line and headers. headers: dict name -> value."""
        host = self.host if self.port in (80, 443) else f"{self.host}:{self.port}"
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        reused = self._get()
        try:
            return self._exchange(reused or self._connect(connect_timeout), method, payload, read_timeout)
        except UpstreamError as exc:
            if reused is None or method not in SAFE_METHODS or exc.kind != "reset":
                raise
        # The upstream closed an idle kept-alive connection just as it was reused: once more, fresh.
        return self._exchange(self._connect(connect_timeout), method, payload, read_timeout)

    @staticmethod
    def _exchange(conn, method, payload, read_timeout):
        conn.sock.settimeout(read_timeout)
        try:
            conn.sock.sendall(payload)
            status, response_headers = _read_head(conn.fp)
        except socket.timeout:
            conn.close()
            raise UpstreamError("read_timeout")
        except UpstreamError:
            conn.close()
            raise
        except OSError as exc:
            conn.close()
            raise UpstreamError("reset", str(exc))
        return Response(conn, status, response_headers, method)


def _read_head(fp):
    while True:
        line = fp.readline(MAX_LINE)
        if not line:
            raise UpstreamError("reset", "connection closed before the response")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise UpstreamError("invalid", "not an HTTP/1.x status line")
        status = int(parts[1])
        headers = []
        for _ in range(MAX_HEADER_LINES):
            header = fp.readline(MAX_LINE)
            if header in (b"\r\n", b"\n"):
                break
            if not header:
                raise UpstreamError("reset", "connection closed inside the headers")
            name, sep, value = header.decode("latin-1").partition(":")
            if not sep:
                raise UpstreamError("invalid", "malformed header line")
            headers.append((name.strip(), value.strip()))
        else:
            raise UpstreamError("invalid", "too many header lines")
        if status != 100:  # 100 Continue is followed by the real response
            return status, headers


class Pools:
    def __init__(self, maxsize):
        self.maxsize = maxsize
        self._pools = {}
        self._lock = threading.Lock()

    def for_origin(self, scheme, host, port):
        key = (scheme, host, port)
        pool = self._pools.get(key)
        if pool is None:
            with self._lock:
                pool = self._pools.setdefault(key, Pool(scheme, host, port, self.maxsize))
        return pool
