"""Shared rate limits per TikTok source, kept in Redis so every web and worker process obeys one
budget. Takes a redis client; knows nothing of Flask or the database.

Two mechanisms:
- a sliding window (a sorted set of reservations) that admits at most `limit` calls per
  `window` seconds, like TikTok's own "600 requests per 1-minute sliding window" (CONTRACTS §2.5);
- a hold: after TikTok answers 429 the whole source pauses for Retry-After (or, without one, an
  exponential back-off with jitter), so no worker keeps knocking while TikTok says stop.

Budget in blocks: a caller that says how many calls it is about to make (`expect`) gets up to
that many tokens per Redis round trip (at most a fiftieth of the budget, so one worker cannot
hoard it), kept in this process and handed out locally. A block lives BLOCK_SECONDS here; it
is counted in the window as if spent at the end of that life plus as long again for the calls
still on their way, so TikTok's own sliding window never sees more than the budget however
late in its life a token is used. Tokens left over are given back (`give_back`); ones a
crashed process never returns only cost budget until the window slides past them.

Times come from Redis (`TIME`), not from each worker's clock, so skewed hosts share one window.
"""
from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

PREFIX = "viewpay:tiktok"
BLOCK_SECONDS = 1.0  # how long reserved tokens stay usable in this process (at most)
MAX_BLOCK = 50

# reserve(): KEYS are the window's blocks (member "<ms>:<nonce>:<tokens>", scored by when they
# count as spent) and the sum of their tokens; `later`: ms after now the block counts as spent.
# -> {tokens granted, ms to wait when none, tokens used, the score the block was stored under}.
# Tokens wanted 0: only report. Shared with the guard's one-round-trip admission.
RESERVE_LUA = """
local function reserve(keys, now, limit, window, want, nonce, later)
  local gone = redis.call('ZRANGEBYSCORE', keys[1], '-inf', now - window)
  local used
  if #gone > 0 then
    local freed = 0
    for _, member in ipairs(gone) do
      freed = freed + tonumber(string.match(member, ':(-?%d+)$'))
    end
    redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now - window)
    used = redis.call('DECRBY', keys[2], freed)
  else
    used = tonumber(redis.call('GET', keys[2]) or '0')
  end
  if used < 0 or redis.call('ZCARD', keys[1]) == 0 then
    used = 0
    redis.call('DEL', keys[2])
  end
  if want <= 0 then return {0, 0, used, 0} end
  local room = limit - used
  if room <= 0 then
    local oldest = redis.call('ZRANGE', keys[1], 0, 0, 'WITHSCORES')
    return {0, math.max(1, tonumber(oldest[2]) + window - now), used, 0}
  end
  local grant = math.min(want, room)
  local score = now + later
  redis.call('ZADD', keys[1], score, score .. ':' .. nonce .. ':' .. grant)
  redis.call('INCRBY', keys[2], grant)
  redis.call('PEXPIRE', keys[1], window + later)
  redis.call('PEXPIRE', keys[2], window + later)
  return {grant, 0, used + grant, score}
end
"""
NOW_MS_LUA = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
# ARGV: limit, window ms, tokens wanted, nonce, ms later than now the block counts as spent.
_RESERVE = RESERVE_LUA + NOW_MS_LUA + """
return reserve(KEYS, now_ms, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4],
               tonumber(ARGV[5]))
"""

# Unused tokens of a block go back: a negative entry under the block's score leaves the window
# together with the block. ARGV: score, tokens, nonce.
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1] .. ':' .. ARGV[3] .. ':-' .. ARGV[2])
return redis.call('DECRBY', KEYS[2], ARGV[2])
"""

# Extends a hold, never shortens it (two workers seeing different Retry-After values).
_HOLD = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return redis.call('PTTL', KEYS[1])
"""


Reserve = Callable[[int, int, int, int], tuple[int, int, int]]


@dataclass(frozen=True)
class Limit:
    calls: int
    window_seconds: float = 60.0


@dataclass
class _Block:
    tokens: int = 0
    usable_until: float = 0.0  # time.monotonic()
    score: int = 0  # where the block sits in the Redis window, to give tokens back
    expected: int = 0  # calls the caller still means to make


class RateLimiter:
    def __init__(self, redis, prefix: str = PREFIX):
        self.redis = redis
        self.prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._give_back = redis.register_script(_GIVE_BACK)
        self._hold = redis.register_script(_HOLD)
        self._blocks: dict[str, _Block] = {}
        self._lock = threading.Lock()  # the fetch threads of one job share the blocks

    def key(self, kind: str, source: str) -> str:
        """"window", "window-used" (the budget), "hold" (after a 429), "strikes" (429s in a row)."""
        return f"{self.prefix}:{kind}:{source}"

    def keys(self, source: str) -> list[str]:
        return [self.key("window", source), self.key("window-used", source)]

    def expect(self, source: str, calls: int, add: bool = False) -> None:
        """The caller is about to make `calls` calls (more, with add): reserve in blocks up to
        that many."""
        with self._lock:
            block = self._blocks.setdefault(source, _Block())
            block.expected = max(0, calls + (block.expected if add else 0))

    def try_acquire(self, source: str, limit: Limit, reserve: Reserve | None = None) -> float:
        """Take one call from the budget: 0.0 when admitted, else seconds until there is room.

        `reserve(limit, want, window_ms, later_ms) -> (granted, wait_ms, score)` is the round trip
        that takes a block when this process has no usable token (by default the budget alone;
        the guard's also asks about the hold and the breaker, and may raise)."""
        if limit.calls <= 0:
            return float(limit.window_seconds)  # a source configured off
        with self._lock:
            block = self._blocks.setdefault(source, _Block())
            if block.tokens and time.monotonic() >= block.usable_until:
                block.tokens = 0  # too old to use: it already counts as spent in the window
            if not block.tokens:
                wait = self._refill(source, limit, block, reserve or self._reserve_block(source))
                if wait:
                    return wait
            block.tokens -= 1
            block.expected = max(0, block.expected - 1)
            return 0.0

    def _reserve_block(self, source: str) -> Reserve:
        def reserve(calls: int, want: int, window_ms: int, later_ms: int) -> tuple[int, int, int]:
            granted, wait_ms, _, score = self._reserve(
                keys=self.keys(source),
                args=[calls, window_ms, want, secrets.token_hex(4), later_ms])
            return int(granted), int(wait_ms), int(score)
        return reserve

    def _refill(self, source: str, limit: Limit, block: _Block, reserve: Reserve) -> float:
        want = min(max(1, block.expected), max(1, limit.calls // 50), MAX_BLOCK)
        window_ms = int(limit.window_seconds * 1000)
        life = min(BLOCK_SECONDS, limit.window_seconds / 50)
        # A block may be used until the end of its life, and its calls reach TikTok later
        # still: it counts as spent that much later. A caller taking one token at a time
        # uses it at once (the window is then exactly TikTok's).
        later_ms = int(2 * life * 1000) if block.expected else 0
        started = time.monotonic()
        granted, wait_ms, score = reserve(limit.calls, want, window_ms, later_ms)
        if not granted:
            return wait_ms / 1000.0
        block.tokens, block.score = granted, score
        block.usable_until = started + life
        return 0.0

    def drop(self, source: str) -> None:
        """Forget this process's tokens of the source (a 429 or an open breaker: stop now)."""
        with self._lock:
            block = self._blocks.get(source)
            if block is not None:
                block.tokens = 0

    def expecting(self, source: str) -> bool:
        """Whether the caller said more calls of this source are coming (a batch)."""
        block = self._blocks.get(source)
        return bool(block and block.expected)

    def give_back(self, source: str | None = None) -> int:
        """Return the unused tokens of this process's blocks (all sources by default)."""
        returned = 0
        with self._lock:
            for name, block in self._blocks.items():
                if source not in (None, name):
                    continue
                if block.tokens and time.monotonic() < block.usable_until:
                    self._give_back(keys=self.keys(name),
                                    args=[block.score, block.tokens, secrets.token_hex(4)])
                    returned += block.tokens
                block.tokens = block.expected = 0
        return returned

    def used(self, source: str, limit: Limit) -> int:
        """Calls inside the current window (for the admin panel); reserved blocks count whole."""
        _, _, used, _ = self._reserve(keys=self.keys(source),
                                      args=[limit.calls, int(limit.window_seconds * 1000), 0,
                                            "", 0])
        return int(used)

    def hold(self, source: str, seconds: float) -> float:
        """Pause the source for `seconds` (extends only); returns the hold left in seconds."""
        ms = max(1, int(seconds * 1000))
        left = self._hold(keys=[self.key("hold", source)], args=[ms, "1"])
        return max(0, int(left)) / 1000.0

    def held_for(self, source: str) -> float:
        left = self.redis.pttl(self.key("hold", source))
        return max(0, int(left)) / 1000.0 if left and left > 0 else 0.0

    def backoff_after_429(self, source: str, retry_after: float | None, *, base: float = 5.0,
                          cap: float = 900.0) -> float:
        """Hold the source after a 429: Retry-After if TikTok gave one, else 5 s x 2^n with
        jitter for the n-th 429 in a row (reset by the next success)."""
        key = self.key("strikes", source)
        strikes = int(self.redis.incr(key))
        self.redis.expire(key, int(cap) * 2)
        seconds = min(cap, base * 2 ** min(strikes - 1, 10)) * random.uniform(1.0, 1.25)
        return self.hold(source, max(seconds, retry_after or 0.0))

    def clear_strikes(self, source: str) -> None:
        self.redis.delete(self.key("strikes", source))


def backoff_delay(attempt: int, *, base: float, cap: float,
                  retry_after: float | None = None) -> float:
    """Seconds before try number `attempt + 1`: exponential with jitter (so videos that failed
    together do not retry together), capped, and never shorter than TikTok's Retry-After."""
    expo = base * 2 ** max(0, min(attempt - 1, 30))
    delay = min(cap, expo * random.uniform(0.75, 1.25))
    if retry_after:
        delay = max(delay, retry_after * random.uniform(1.0, 1.1))
    return delay
