"""Every call to a TikTok source passes through one guard: hold after a 429, circuit breaker,
shared rate budget. A refused call raises Throttled without touching the network.

Round trips: what the guard asks before a call (the hold, the breaker, a block of the budget)
is one Lua script, run when this process has no usable token of the source left; the calls a
block admits go ahead on it alone, so another worker's hold or open breaker is seen within a
block's life (BLOCK_SECONDS at most). A half-open breaker's probe gets a block of one. What it
records after a call is counted here while the caller says more calls are coming (a batch,
`expect`): successes go to Redis with the next block, the next failure, or `finish`; a failure
goes at once, so the breaker opens as soon as it would have call by call.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar

from webapp.tiktok.breaker import (ALLOW_LUA, NOW_LUA, OPEN, RECORD_LUA, BreakerSettings,
                                   BreakerStatus, CircuitBreaker)
from webapp.tiktok.errors import (Blocked, Garbled, RateLimited, Throttled, TikTokError,
                                  Unavailable, Upstream)
from webapp.tiktok.limits import NOW_MS_LUA, RESERVE_LUA, Limit, RateLimiter

T = TypeVar("T")
SOURCES = ("display", "page", "oembed")
# Outcomes that say the source is not working for us. 10204 (Unavailable) is here on purpose:
# it is how TikTok answers a blocked IP for every video, while a real deletion is rare.
_SOURCE_FAILURES = (Upstream, Blocked, Garbled, RateLimited, Unavailable)
ADMITTED, HELD, BREAKER_OPEN, NO_BUDGET = 0, 1, 2, 3

# Successes counted here so far go first (they clear the 429 strikes, as any success does).
_FLUSH_LUA = """
local function flush(oks, fails)
  local state = breaker_record({KEYS[3], KEYS[4], KEYS[5]}, now, oks, fails, tonumber(ARGV[3]),
                               tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
  if oks > 0 then redis.call('DEL', KEYS[2]) end
  return state
end
"""
# KEYS: hold, strikes, breaker hash, its successes, its failures, budget window, window sum.
# ARGV: successes to record, failures to record, breaker record args [3-7] (window, min calls,
# min success, cooldown, nonce) -> the breaker's state after.
_RECORD = RECORD_LUA + NOW_LUA + _FLUSH_LUA + """
return flush(tonumber(ARGV[1]), tonumber(ARGV[2]))
"""
# The same KEYS. ARGV: successes to record, probe seconds, breaker record args [3-7], budget
# [8-12] (limit, window ms, tokens wanted, nonce, ms later it counts as spent; 0 wanted: no
# budget asked) -> {ADMITTED, tokens, block score, 1 for the half-open probe} | {HELD, ms} |
# {BREAKER_OPEN, seconds (string)} | {NO_BUDGET, ms to wait}.
_ADMIT = (ALLOW_LUA + RECORD_LUA + RESERVE_LUA + NOW_LUA + NOW_MS_LUA + _FLUSH_LUA + """
local oks = tonumber(ARGV[1])
if oks > 0 then flush(oks, 0) end
local held = redis.call('PTTL', KEYS[1])
if held > 0 then return {1, held, 0, 0} end
local allow = breaker_allow(KEYS[3], now, tonumber(ARGV[2]))
if allow[1] == 0 then return {2, allow[2], 0, 0} end
local want = tonumber(ARGV[10])
if want <= 0 then return {0, 0, 0, allow[3]} end
if allow[3] == 1 then want = 1 end
local got = reserve({KEYS[6], KEYS[7]}, now_ms, tonumber(ARGV[8]), tonumber(ARGV[9]), want,
                    ARGV[11], tonumber(ARGV[12]))
if got[1] == 0 then return {3, got[2], 0, 0} end
return {0, got[1], got[4], allow[3]}
""")


@dataclass(frozen=True)
class SourceHealth:
    source: str
    breaker: BreakerStatus
    limit: Limit
    used: int  # calls in the current rate window
    held_for: float  # seconds left of a pause after a 429


class SourceGuard:
    def __init__(self, redis, limits: Mapping[str, Limit],
                 breaker: BreakerSettings | None = None, *, max_wait: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.limits = dict(limits)
        self.limiter = RateLimiter(redis)
        self.breaker = CircuitBreaker(redis, breaker)
        self.max_wait = max_wait  # short waits for budget are slept off rather than refused
        self._sleep = sleep
        self._admit_script = redis.register_script(_ADMIT)
        self._record_script = redis.register_script(_RECORD)
        self._successes: Counter[str] = Counter()  # not yet in Redis
        self._lock = threading.Lock()
        self._calls = threading.local()  # this thread's call: was it the half-open probe?

    def run(self, source: str, call: Callable[[], T]) -> T:
        probe = self._admit(source)
        try:
            result = call()
        except Throttled:
            raise
        except RateLimited as exc:
            self.limiter.drop(source)  # this process's other threads stop too
            self._record(source, False, probe)
            self.limiter.backoff_after_429(source, exc.retry_after)
            raise
        except TikTokError as exc:
            self._record(source, not isinstance(exc, _SOURCE_FAILURES), probe)
            raise
        except Exception:
            self._record(source, False, probe)
            raise
        self._record(source, True, probe)
        return result

    def expect(self, source: str, calls: int, add: bool = False) -> None:
        """The caller is about to make `calls` calls (more, with add): budget in blocks, and
        successes counted here until the last of them (or `finish`)."""
        self.limiter.expect(source, calls, add=add)

    def finish(self) -> None:
        """End of a batch: record the successes counted here, give back unused tokens."""
        with self._lock:
            pending, self._successes = self._successes, Counter()
        for source, oks in pending.items():
            self._flush(source, oks, 0)
        self.limiter.give_back()

    def _admit(self, source: str) -> bool:
        """Raises Throttled when the call may not go now; True for the half-open probe."""
        self._calls.probe = False
        limit = self.limits.get(source)
        if limit is None or limit.calls <= 0:
            self._ask(source, 0, 0, 0, 0)  # the hold and the breaker (no budget to take)
            if limit is None:
                return self._calls.probe
        budget = self.max_wait
        while True:
            wait = self.limiter.try_acquire(
                source, limit, reserve=lambda *budget_args: self._ask(source, *budget_args))
            if not wait:
                return self._calls.probe
            if wait > budget:
                raise Throttled(f"{source}: rate budget of {limit.calls} per "
                                f"{limit.window_seconds:g}s spent", retry_after=wait)
            self._sleep(wait)
            budget -= wait

    def _ask(self, source: str, calls: int, want: int, window_ms: int,
             later_ms: int) -> tuple[int, int, int]:
        """The one round trip before a block of calls -> (tokens, ms to wait, block score)."""
        with self._lock:
            oks = self._successes.pop(source, 0)
        status, first, score, probe = self._admit_script(
            keys=self._keys(source),
            args=[oks, self.breaker.settings.probe_seconds, *self.breaker.record_args(),
                  calls, window_ms, want, secrets.token_hex(4), later_ms])
        status = int(status)
        if status == HELD:
            raise Throttled(f"{source}: TikTok asked us to slow down",
                            retry_after=int(first) / 1000.0)
        if status == BREAKER_OPEN:
            raise Throttled(f"{source}: circuit breaker open",
                            retry_after=max(0.001, float(first)))
        self._calls.probe = bool(int(probe))
        if status == NO_BUDGET:
            return 0, int(first), 0
        return int(first), 0, int(score)

    def _record(self, source: str, ok: bool, probe: bool) -> None:
        with self._lock:
            if ok:
                self._successes[source] += 1
                if not probe and self.limiter.expecting(source):
                    return  # more calls are coming: recorded with the next round trip
            oks = self._successes.pop(source, 0)
        self._flush(source, oks, 0 if ok else 1)

    def _flush(self, source: str, oks: int, fails: int) -> None:
        state = self._record_script(keys=self._keys(source),
                                    args=[oks, fails, *self.breaker.record_args()])
        if (state.decode() if isinstance(state, bytes) else state) == OPEN:
            self.limiter.drop(source)  # stop this process's calls now, not at the block's end

    def _keys(self, source: str) -> list[str]:
        return [self.limiter.key("hold", source), self.limiter.key("strikes", source),
                *self.breaker.keys(source), *self.limiter.keys(source)]

    def status(self) -> list[SourceHealth]:
        return [SourceHealth(source=s, breaker=self.breaker.status(s),
                             limit=self.limits.get(s) or Limit(0),
                             used=self.limiter.used(s, self.limits.get(s) or Limit(0, 60)),
                             held_for=self.limiter.held_for(s))
                for s in SOURCES]


class NoGuard:
    """For one-off calls (the CLI, unit tests of a source): no Redis, no limits."""

    def run(self, source: str, call: Callable[[], T]) -> T:
        return call()

    def expect(self, source: str, calls: int, add: bool = False) -> None:
        pass

    def finish(self) -> None:
        pass
