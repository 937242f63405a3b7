"""Per-grant rate limits (per minute and per day), fixed windows.

Production: counters in Redis shared by every worker, changed by one atomic Lua call. To keep that
round trip off most calls, a process leases a small block of permits at once (1 for limits under 100 per
minute, so small limits stay exact; at most 2% of the minute limit otherwise). The price: a process may
hold up to one unused block when a window ends, so a grant can be refused up to workers x block calls
early, never allowed more than its limit. Embedded default (no Redis): a process-local counter, exact
for the single-process development server.
"""

import threading
import time

# Takes up to ARGV[3] permits from both windows at once, only what both have room for; refused calls
# take nothing. Returns {granted, which window is exhausted (1 minute, 2 day) when granted is 0}.
LUA = """
local m = tonumber(redis.call('GET', KEYS[1]) or '0')
local d = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = math.min(tonumber(ARGV[3]), tonumber(ARGV[1]) - m, tonumber(ARGV[2]) - d)
if n <= 0 then
  if m >= tonumber(ARGV[1]) then return {0, 1} end
  return {0, 2}
end
redis.call('INCRBY', KEYS[1], n); redis.call('EXPIRE', KEYS[1], 61)
redis.call('INCRBY', KEYS[2], n); redis.call('EXPIRE', KEYS[2], 86401)
return {n, 0}
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
        self._lock = threading.Lock()
        self._leases = {}  # grant id -> (minute, day, permits left)

    def hit(self, grant_id, per_minute, per_day, now=None):
        now = time.time() if now is None else now
        minute, day, minute_left, day_left = _windows(now)
        with self._lock:
            lease = self._leases.get(grant_id)
            if lease and lease[0] == minute and lease[1] == day and lease[2] > 0:
                self._leases[grant_id] = (minute, day, lease[2] - 1)
                return True, 0
        block = 1 if per_minute < 100 else min(per_minute // 50, 1000)
        granted, which = self._script(
            keys=[f"splp:rl:{grant_id}:m:{minute}", f"splp:rl:{grant_id}:d:{day}"], args=[per_minute, per_day, block]
        )
        if not granted:
            return False, minute_left if which == 1 else day_left
        with self._lock:
            self._leases[grant_id] = (minute, day, granted - 1)
        return True, 0


def build_limiter(redis_client):
    return RedisLimiter(redis_client) if redis_client is not None else LocalLimiter()
