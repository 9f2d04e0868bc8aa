"""Every call to a TikTok source passes through one guard: hold after a 429, circuit breaker,
shared rate budget. A refused call raises Throttled without touching the network."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar

from webapp.tiktok.breaker import BreakerSettings, BreakerStatus, CircuitBreaker
from webapp.tiktok.errors import (Blocked, Garbled, RateLimited, Throttled, TikTokError,
                                  Unavailable, Upstream)
from webapp.tiktok.limits import Limit, RateLimiter

T = TypeVar("T")
SOURCES = ("display", "page", "oembed")
# Outcomes that say the source is not working for us. 10204 (Unavailable) is here on purpose:
# it is how TikTok answers a blocked IP for every video, while a real deletion is rare.
_SOURCE_FAILURES = (Upstream, Blocked, Garbled, RateLimited, Unavailable)


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

    def run(self, source: str, call: Callable[[], T]) -> T:
        self._admit(source)
        try:
            result = call()
        except Throttled:
            raise
        except RateLimited as exc:
            self.limiter.backoff_after_429(source, exc.retry_after)
            self.breaker.record(source, False)
            raise
        except TikTokError as exc:
            self.breaker.record(source, not isinstance(exc, _SOURCE_FAILURES))
            raise
        except Exception:
            self.breaker.record(source, False)
            raise
        self.breaker.record(source, True)
        self.limiter.clear_strikes(source)
        return result

    def _admit(self, source: str) -> None:
        held = self.limiter.held_for(source)
        if held:
            raise Throttled(f"{source}: TikTok asked us to slow down", retry_after=held)
        closed_in = self.breaker.allow(source)
        if closed_in:
            raise Throttled(f"{source}: circuit breaker open", retry_after=closed_in)
        limit = self.limits.get(source)
        if limit is None:
            return
        budget = self.max_wait
        while True:
            wait = self.limiter.try_acquire(source, limit)
            if not wait:
                return
            if wait > budget:
                raise Throttled(f"{source}: rate budget of {limit.calls} per "
                                f"{limit.window_seconds:g}s spent", retry_after=wait)
            self._sleep(wait)
            budget -= wait

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
