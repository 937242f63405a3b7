"""The bus' upstream HTTP/1.1 client: h11 speaks the protocol, this module keeps the connections.

h11 (python-hyper, maintained, no I/O of its own) serialises every request and parses every response: it
validates the method, target, header names and values (no CR/LF can reach the wire), frames bodies by
Content-Length or chunked, refuses conflicting framing, and tells a complete body from one cut short.
What stays here is what a proxy to a fixed origin needs around it: keep-alive pools shared by a process'
threads, connecting only to the addresses the SSRF guard checked (no DNS rebinding), timeouts, and never
following redirects or retrying a request that may have reached the upstream. urllib3 would add its own
URL and header machinery on top (it cost the bus 70 % of its CPU per call); bench/upstream_client.py
measures this client.
"""

import select
import socket
import ssl
import threading
from collections import deque

import h11

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
RECV_BYTES = 64 * 1024
MAX_HEAD_BYTES = 64 * 1024  # status line and headers of a response


class UpstreamError(Exception):
    """kind: "connect" (cannot connect), "connect_timeout", "read_timeout", "reset" (connection reset, or
    closed before the response), "truncated" (closed before the declared body was complete), "invalid"
    (not valid HTTP/1.1), "request_invalid" (the request itself cannot be sent as valid HTTP/1.1)."""

    def __init__(self, kind, message=""):
        super().__init__(message or kind)
        self.kind = kind


class Response:
    def __init__(self, conn, event):
        self._conn = conn
        self.status = event.status_code
        self.headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in event.headers.raw_items()]
        self._done = conn.h11.their_state is not h11.SEND_BODY  # HEAD, 204, 304: no body
        # h11 has validated the framing: one Content-Length, or chunked, or read until close.
        self.content_length = 0 if self._done else None
        for name, value in event.headers:
            if name == b"content-length" and not self._done:
                self.content_length = int(value)

    def stream(self):
        """Yield the body as it arrives (at most one recv() at a time); raises UpstreamError("truncated")
        when the upstream closes before the body it declared is complete."""
        while not self._done:
            event = self._conn.next_event()
            if type(event) is h11.Data:
                yield event.data
            elif type(event) is h11.EndOfMessage:
                self._done = True

    def release(self):
        """Give the connection back to its pool when the exchange ended cleanly, else close it."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._done and conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            conn.h11.start_next_cycle()
            conn.pool.put(conn)
        else:
            conn.close()


class Connection:
    def __init__(self, pool, sock):
        self.pool, self.sock = pool, sock
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)
        self.received = False  # any byte of the current response yet
        self.closed = False  # the upstream closed its side

    def dropped(self):
        """An idle connection the upstream closed (or sent junk on) must not be reused."""
        try:
            readable, _w, _x = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def next_event(self):
        """The next h11 event of the response, reading from the socket as needed."""
        while True:
            state = self.h11.their_state
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                # Closed inside the body it framed: truncated. Anything else h11 refuses: not valid HTTP/1.1.
                kind = "truncated" if state is h11.SEND_BODY and self.closed else "invalid"
                raise UpstreamError(kind, str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                data = self.sock.recv(RECV_BYTES)
            except TimeoutError:
                raise UpstreamError("read_timeout") from None
            except OSError as exc:
                raise UpstreamError("reset", str(exc)) from exc
            if not data and not self.received:
                raise UpstreamError("reset", "connection closed before the response")
            self.received, self.closed = True, not data
            self.h11.receive_data(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Pool:
    """Keep-alive connections to one origin (scheme, host, port), shared by the threads of a process."""

    def __init__(self, scheme, host, port, maxsize):
        self.scheme, self.host, self.port, self.maxsize = scheme, host, port, maxsize
        self.addresses = []  # checked IP addresses to connect to (set by the SSRF guard); empty: resolve host
        self.authority = host if port == (443 if scheme == "https" else 80) else f"{host}:{port}"
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
        except TimeoutError:
            raise UpstreamError("connect_timeout") from None
        except OSError as exc:
            raise UpstreamError("connect", str(exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                raise UpstreamError("connect", f"TLS: {exc}") from exc
        return Connection(self, sock)

    def request(self, method, target, headers, body, connect_timeout, read_timeout):
        """Send the request and read the response head. headers: (name, value) pairs, without Host and
        Content-Length, which are set here."""
        fields = [("Host", self.authority), *headers]
        if body or method in ("POST", "PUT", "PATCH"):
            fields.append(("Content-Length", str(len(body))))
        try:
            request = h11.Request(method=method, target=target, headers=fields)
        except (h11.LocalProtocolError, UnicodeError) as exc:  # e.g. a header value h11 refuses
            raise UpstreamError("request_invalid", str(exc)) from exc
        reused = self._get()
        try:
            return self._exchange(reused or self._connect(connect_timeout), request, body, read_timeout)
        except UpstreamError as exc:
            if reused is None or method not in SAFE_METHODS or exc.kind != "reset":
                raise
        # The upstream closed an idle kept-alive connection just as it was reused: once more, fresh.
        return self._exchange(self._connect(connect_timeout), request, body, read_timeout)

    @staticmethod
    def _exchange(conn, request, body, read_timeout):
        conn.sock.settimeout(read_timeout)
        conn.received = False
        try:
            payload = conn.h11.send(request)
            if body:
                payload += conn.h11.send(h11.Data(data=body))
            payload += conn.h11.send(h11.EndOfMessage())
            conn.sock.sendall(payload)
            while True:
                event = conn.next_event()
                if type(event) is h11.Response:
                    return Response(conn, event)
                if type(event) is not h11.InformationalResponse:  # 1xx come before the real response
                    raise UpstreamError("invalid", f"unexpected {type(event).__name__} before the response")
        except TimeoutError:
            conn.close()
            raise UpstreamError("read_timeout") from None
        except UpstreamError:
            conn.close()
            raise
        except OSError as exc:
            conn.close()
            raise UpstreamError("reset", str(exc)) from exc


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
