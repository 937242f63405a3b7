"""Per-grant rate limits (per minute and per day), fixed windows.

Production: one atomic Lua call in Redis shared by every worker. Embedded default (no Redis): a
process-local counter, which is exact for the single-process development server.
"""

import threading
import time

from django.conf import settings

# Increments both windows only when both have room, so refused calls do not eat the quota.
LUA = """
local m = tonumber(redis.call('GET', KEYS[1]) or '0')
local d = tonumber(redis.call('GET', KEYS[2]) or '0')
if m >= tonumber(ARGV[1]) then return {0, 1} end
if d >= tonumber(ARGV[2]) then return {0, 2} end
redis.call('INCR', KEYS[1]); redis.call('EXPIRE', KEYS[1], 61)
redis.call('INCR', KEYS[2]); redis.call('EXPIRE', KEYS[2], 86401)
return {1, 0}
"""


def _windows(now):
    minute = int(now // 60)
    day = int(now // 86400)
    return minute, day, 60 - int(now % 60), 86400 - int(now % 86400)


class LocalLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {}

    def hit(self, grant_id, per_minute, per_day, now=None):
        """(allowed, retry_after_seconds)."""
        now = time.time() if now is None else now
        minute, day, minute_left, day_left = _windows(now)
        mkey, dkey = ("m", grant_id, minute), ("d", grant_id, day)
        with self._lock:
            if len(self._counts) > 100_000:  # old windows: drop them all rather than track expiry
                self._counts = {k: v for k, v in self._counts.items() if k[2] in (minute, day)}
            m, d = self._counts.get(mkey, 0), self._counts.get(dkey, 0)
            if m >= per_minute:
                return False, minute_left
            if d >= per_day:
                return False, day_left
            self._counts[mkey], self._counts[dkey] = m + 1, d + 1
        return True, 0


class RedisLimiter:
    def __init__(self, client):
        self._script = client.register_script(LUA)

    def hit(self, grant_id, per_minute, per_day, now=None):
        now = time.time() if now is None else now
        minute, day, minute_left, day_left = _windows(now)
        allowed, which = self._script(
            keys=[f"splp:rl:{grant_id}:m:{minute}", f"splp:rl:{grant_id}:d:{day}"], args=[per_minute, per_day]
        )
        if allowed:
            return True, 0
        return False, minute_left if which == 1 else day_left


def build_limiter(redis_client):
    return RedisLimiter(redis_client) if redis_client is not None else LocalLimiter()


def redis_client():
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
