"""Shared rate limits per TikTok source, kept in Redis so every web and worker process obeys one
budget. Takes a redis client; knows nothing of Flask or the database.

Two mechanisms:
- a sliding-window log (a sorted set of call times) that admits at most `limit` calls per
  `window` seconds, like TikTok's own "600 requests per 1-minute sliding window" (CONTRACTS §2.5);
- a hold: after TikTok answers 429 the whole source pauses for Retry-After (or, without one, an
  exponential back-off with jitter), so no worker keeps knocking while TikTok says stop.

Times come from Redis (`TIME`), not from each worker's clock, so skewed hosts share one window.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

PREFIX = "viewpay:tiktok"

# Returns 0 when admitted, else the milliseconds until the oldest call leaves the window.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""

# Extends a hold, never shortens it (two workers seeing different Retry-After values).
_HOLD = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return redis.call('PTTL', KEYS[1])
"""


@dataclass(frozen=True)
class Limit:
    calls: int
    window_seconds: float = 60.0


class RateLimiter:
    def __init__(self, redis, prefix: str = PREFIX):
        self.redis = redis
        self.prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._hold = redis.register_script(_HOLD)

    def _key(self, kind: str, source: str) -> str:
        return f"{self.prefix}:{kind}:{source}"

    def try_acquire(self, source: str, limit: Limit) -> float:
        """Take one call from the budget: 0.0 when admitted, else seconds until there is room."""
        if limit.calls <= 0:
            return float(limit.window_seconds)  # a source configured off
        waited = self._acquire(keys=[self._key("window", source)],
                               args=[limit.calls, int(limit.window_seconds * 1000),
                                     secrets.token_hex(4)])
        return int(waited) / 1000.0

    def used(self, source: str, limit: Limit) -> int:
        """Calls inside the current window (for the admin panel)."""
        key = self._key("window", source)
        now_ms = _redis_ms(self.redis)
        return int(self.redis.zcount(key, now_ms - int(limit.window_seconds * 1000), "+inf"))

    def hold(self, source: str, seconds: float) -> float:
        """Pause the source for `seconds` (extends only); returns the hold left in seconds."""
        ms = max(1, int(seconds * 1000))
        left = self._hold(keys=[self._key("hold", source)], args=[ms, "1"])
        return max(0, int(left)) / 1000.0

    def held_for(self, source: str) -> float:
        left = self.redis.pttl(self._key("hold", source))
        return max(0, int(left)) / 1000.0 if left and left > 0 else 0.0

    def backoff_after_429(self, source: str, retry_after: float | None, *, base: float = 5.0,
                          cap: float = 900.0) -> float:
        """Hold the source after a 429: Retry-After if TikTok gave one, else 5 s x 2^n with
        jitter for the n-th 429 in a row (reset by the next success)."""
        key = self._key("strikes", source)
        strikes = int(self.redis.incr(key))
        self.redis.expire(key, int(cap) * 2)
        seconds = min(cap, base * 2 ** min(strikes - 1, 10)) * random.uniform(1.0, 1.25)
        return self.hold(source, max(seconds, retry_after or 0.0))

    def clear_strikes(self, source: str) -> None:
        self.redis.delete(self._key("strikes", source))


def _redis_ms(redis) -> int:
    seconds, micros = redis.time()
    return int(seconds) * 1000 + int(micros) // 1000



def backoff_delay(attempt: int, *, base: float, cap: float,
                  retry_after: float | None = None) -> float:
    """Seconds before try number `attempt + 1`: exponential with jitter (so videos that failed
    together do not retry together), capped, and never shorter than TikTok's Retry-After."""
    expo = base * 2 ** max(0, min(attempt - 1, 30))
    delay = min(cap, expo * random.uniform(0.75, 1.25))
    if retry_after:
        delay = max(delay, retry_after * random.uniform(1.0, 1.1))
    return delay
