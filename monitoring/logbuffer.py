"""The request-log buffer: the bus appends here, off the hot path; a Celery task drains it into the database.

Each process keeps records in memory for at most ``SPLP_LOG_FLUSH_SECONDS`` and a flusher thread pushes
them, in one round trip per flush, to the shared buffer: a Redis list in production, a local SQLite file
in the embedded default (and whenever Redis cannot be reached, so a Redis outage loses nothing).

Crash window: records still in memory when a process is killed without a normal shutdown (SIGKILL, power
loss) are lost: at most ``SPLP_LOG_FLUSH_SECONDS`` of that process' calls. A normal shutdown flushes,
including SIGTERM/SIGINT to gunicorn or Granian: their workers finish the calls in flight, then exit.
"""

import atexit
import json
import logging
import multiprocessing.util
import sqlite3
import threading
from collections import deque

from django.conf import settings

from splp.redis import redis_client

logger = logging.getLogger(__name__)

REDIS_KEY = "splp:reqlog"
REDIS_PROCESSING_KEY = "splp:reqlog:processing"


class SqliteSink:
    def __init__(self, path):
        self.path = str(path)
        self._lock = threading.Lock()
        self._conn = None

    def _connection(self):
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS buf (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)")
            self._conn = conn
        return self._conn

    def push(self, lines):
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO buf (data) VALUES (?)", [(line,) for line in lines])
            conn.execute("COMMIT")

    def peek(self, limit):
        with self._lock:
            rows = self._connection().execute("SELECT id, data FROM buf ORDER BY id LIMIT ?", (limit,)).fetchall()
        return (rows[-1][0] if rows else None), [data for _id, data in rows]

    def ack(self, last_id):
        with self._lock:
            self._connection().execute("DELETE FROM buf WHERE id <= ?", (last_id,))

    def size(self):
        with self._lock:
            return self._connection().execute("SELECT COUNT(*) FROM buf").fetchone()[0]

    def oldest(self):
        """The record waiting longest (the next one drained), or None."""
        with self._lock:
            row = self._connection().execute("SELECT data FROM buf ORDER BY id LIMIT 1").fetchone()
        return json.loads(row[0]) if row else None


# Moves up to ARGV[1] items from the buffer to the processing list in one atomic step.
CLAIM_LUA = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  for i = 1, #items, 1000 do
    redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
  end
end
return #items
"""


class RedisSink:
    def __init__(self, client):
        self.client = client
        self._claim = client.register_script(CLAIM_LUA)

    def push(self, lines):
        self.client.rpush(REDIS_KEY, *lines)

    def peek(self, limit):
        """Items left in the processing list by an interrupted drain come first, then newly claimed ones."""
        pending = self.client.lrange(REDIS_PROCESSING_KEY, 0, -1)
        if not pending:
            self._claim(keys=[REDIS_KEY, REDIS_PROCESSING_KEY], args=[limit])
            pending = self.client.lrange(REDIS_PROCESSING_KEY, 0, -1)
        return (True if pending else None), [p.decode() for p in pending]

    def ack(self, _marker):
        self.client.delete(REDIS_PROCESSING_KEY)

    def size(self):
        return self.client.llen(REDIS_KEY) + self.client.llen(REDIS_PROCESSING_KEY)

    def oldest(self):
        """The record waiting longest (an interrupted drain's first, else the list's head), or None; reads only."""
        line = self.client.lindex(REDIS_PROCESSING_KEY, 0) or self.client.lindex(REDIS_KEY, 0)
        return json.loads(line) if line else None


def local_sink():
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteSink(settings.SPLP_LOG_BUFFER_PATH)


def sinks():
    """Where the drain reads from: the local file always (fallback), Redis when configured."""
    client = redis_client()
    return [local_sink()] + ([RedisSink(client)] if client is not None else [])


class LogBuffer:
    """In-process queue flushed by a daemon thread; ``append`` never blocks on I/O."""

    def __init__(self, primary, fallback, flush_seconds):
        self.primary, self.fallback = primary, fallback
        self.flush_seconds = flush_seconds
        self._queue = deque()
        self._wake = threading.Event()
        self._flush_lock = threading.Lock()
        self._thread = None

    def append(self, record):
        self._queue.append(record)
        if self._thread is None:
            self._start()

    def _start(self):
        with self._flush_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="splp-log-flusher", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
                # Granian's workers are multiprocessing children: they end with os._exit, which skips
                # atexit but runs multiprocessing's exit finalizers. (flush is idempotent.)
                multiprocessing.util.Finalize(None, self.flush, exitpriority=10)

    def _run(self):
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the flusher must survive anything; records stay queued for the next try
                logger.exception("request log flush failed")

    def flush(self):
        with self._flush_lock:
            lines = []
            while self._queue:
                lines.append(json.dumps(self._queue.popleft(), separators=(",", ":")))
            if not lines:
                return 0
            try:
                self.primary.push(lines)
            except Exception:
                if self.fallback is None or self.fallback is self.primary:
                    self._queue.extendleft(reversed([json.loads(line) for line in lines]))
                    raise
                logger.warning("request log: primary buffer unavailable, writing to the local buffer")
                self.fallback.push(lines)
            return len(lines)


def build_buffer():
    client = redis_client()
    fallback = local_sink()
    primary = RedisSink(client) if client is not None else fallback
    return LogBuffer(primary, fallback, settings.SPLP_LOG_FLUSH_SECONDS)
