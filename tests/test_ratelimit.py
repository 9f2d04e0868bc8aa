"""The shared rate budget, the 429 hold and the circuit breaker, on the app's real Redis."""
import time

import pytest

from webapp.extensions import jobqueue
from webapp.tiktok.breaker import BreakerSettings, CircuitBreaker
from webapp.tiktok.errors import (Blocked, NotFound, Private, RateLimited, Throttled, Unavailable,
                                  Upstream)
from webapp.tiktok.guard import SourceGuard
from webapp.tiktok.limits import Limit, RateLimiter, backoff_delay


@pytest.fixture
def redis(ctx):
    return jobqueue.connection


def test_limiter_admits_up_to_the_limit_then_says_how_long_to_wait(redis):
    limiter = RateLimiter(redis)
    limit = Limit(3, 60)
    assert [limiter.try_acquire("page", limit) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.try_acquire("page", limit)
    assert 59 <= wait <= 60
    assert limiter.used("page", limit) == 3  # the refused call took nothing
    assert limiter.try_acquire("oembed", limit) == 0.0  # budgets are per source


def test_limiter_budget_is_shared_by_every_client_of_the_same_redis(redis):
    limit = Limit(2, 60)
    assert RateLimiter(redis).try_acquire("display", limit) == 0.0
    assert RateLimiter(redis).try_acquire("display", limit) == 0.0
    assert RateLimiter(redis).try_acquire("display", limit) > 0


def test_the_window_slides(redis):
    limiter = RateLimiter(redis)
    limit = Limit(2, 0.3)
    assert limiter.try_acquire("page", limit) == 0.0
    assert limiter.try_acquire("page", limit) == 0.0
    assert 0 < limiter.try_acquire("page", limit) <= 0.3
    time.sleep(0.35)
    assert limiter.try_acquire("page", limit) == 0.0


def test_a_source_configured_to_zero_is_off(redis):
    assert RateLimiter(redis).try_acquire("page", Limit(0, 60)) == 60


def test_hold_after_429_honours_retry_after_and_only_grows(redis):
    limiter = RateLimiter(redis)
    assert 29 <= limiter.backoff_after_429("display", retry_after=30) <= 30
    assert 29 <= limiter.held_for("display") <= 30
    limiter.hold("display", 5)  # a shorter hold never shortens a longer one
    assert limiter.held_for("display") > 20
    assert limiter.held_for("page") == 0.0


def test_hold_without_retry_after_backs_off_exponentially(redis):
    limiter = RateLimiter(redis)
    first = limiter.backoff_after_429("oembed", None, base=1.0)
    redis.delete("viewpay:tiktok:hold:oembed")
    second = limiter.backoff_after_429("oembed", None, base=1.0)
    redis.delete("viewpay:tiktok:hold:oembed")
    third = limiter.backoff_after_429("oembed", None, base=1.0)
    assert 1.0 <= first <= 1.25 and 2.0 <= second <= 2.5 and 4.0 <= third <= 5.0
    limiter.clear_strikes("oembed")
    redis.delete("viewpay:tiktok:hold:oembed")
    assert limiter.backoff_after_429("oembed", None, base=1.0) <= 1.25


def test_backoff_delay_is_exponential_with_jitter_and_respects_retry_after():
    delays = [backoff_delay(n, base=10, cap=1000) for n in (1, 2, 3, 4)]
    for n, delay in enumerate(delays, start=1):
        assert 10 * 2 ** (n - 1) * 0.75 <= delay <= 10 * 2 ** (n - 1) * 1.25
    assert len({backoff_delay(3, base=10, cap=1000) for _ in range(20)}) > 1  # jittered
    assert backoff_delay(30, base=10, cap=1000) <= 1000
    assert backoff_delay(1, base=10, cap=1000, retry_after=500) >= 500
    assert backoff_delay(1, base=10, cap=100, retry_after=500) >= 500  # Retry-After beats the cap


SETTINGS = BreakerSettings(window_seconds=60, min_calls=4, min_success=0.5, cooldown_seconds=0.3,
                           probe_seconds=5)


def test_breaker_opens_when_success_collapses_then_half_opens_after_cooldown(redis):
    breaker = CircuitBreaker(redis, SETTINGS)
    for ok in (True, False, False):
        assert breaker.record("page", ok) == "closed"  # too few calls to judge
    assert breaker.allow("page") == 0.0
    assert breaker.record("page", False) == "open"  # 1 of 4 worked
    assert 0 < breaker.allow("page") <= 0.3
    assert breaker.status("page").state == "open"
    time.sleep(0.35)
    assert breaker.allow("page") == 0.0  # the one probe
    assert breaker.allow("page") > 0  # nobody else while it runs
    assert breaker.status("page").state == "half_open"
    assert breaker.record("page", True) == "closed"
    assert breaker.allow("page") == 0.0 and breaker.status("page").state == "closed"


def test_a_failed_probe_opens_the_breaker_again(redis):
    breaker = CircuitBreaker(redis, SETTINGS)
    for _ in range(4):
        breaker.record("oembed", False)
    time.sleep(0.35)
    assert breaker.allow("oembed") == 0.0
    assert breaker.record("oembed", False) == "open"
    assert breaker.allow("oembed") > 0


def test_mostly_successful_sources_stay_closed(redis):
    breaker = CircuitBreaker(redis, SETTINGS)
    for ok in (True, True, False, True, False, True, False):
        assert breaker.record("display", ok) == "closed"
    status = breaker.status("display")
    assert (status.successes, status.failures) == (4, 3) and status.success_rate == 4 / 7


def _guard(redis, settings=SETTINGS, **limits):
    slept = []
    guard = SourceGuard(redis, {k: Limit(v, 60) for k, v in limits.items()}, settings,
                        max_wait=0.5, sleep=slept.append)
    return guard, slept


def test_guard_counts_source_failures_but_not_video_answers(redis):
    guard, _ = _guard(redis, BreakerSettings(min_calls=6, cooldown_seconds=60), page=100)
    for exc in (NotFound("gone"), Private("private")):  # the source worked: TikTok answered
        with pytest.raises(type(exc)):
            guard.run("page", lambda exc=exc: (_ for _ in ()).throw(exc))
    for exc in (Upstream("500"), Blocked("waf"), Unavailable("10204")):
        with pytest.raises(type(exc)):
            guard.run("page", lambda exc=exc: (_ for _ in ()).throw(exc))
    status = guard.breaker.status("page")
    assert (status.successes, status.failures, status.state) == (2, 3, "closed")
    with pytest.raises(Upstream):
        guard.run("page", lambda: (_ for _ in ()).throw(Upstream("500")))
    assert guard.breaker.status("page").state == "open"  # 2 of 6 worked
    with pytest.raises(Throttled) as info:
        guard.run("page", lambda: pytest.fail("an open breaker must not call TikTok"))
    assert "circuit breaker open" in info.value.message and info.value.retry_after > 0


def test_guard_refuses_without_calling_when_the_budget_is_spent(redis):
    guard, slept = _guard(redis, oembed=2)
    assert guard.run("oembed", lambda: "a") == "a" and guard.run("oembed", lambda: "b") == "b"
    with pytest.raises(Throttled) as info:
        guard.run("oembed", lambda: pytest.fail("over budget"))
    assert info.value.retry_after > 50 and slept == []  # too long to sleep off


def test_guard_sleeps_off_a_short_wait(redis):
    guard = SourceGuard(redis, {"page": Limit(1, 0.2)}, SETTINGS, max_wait=1.0)
    assert guard.run("page", lambda: 1) == 1
    started = time.monotonic()
    assert guard.run("page", lambda: 2) == 2
    assert time.monotonic() - started >= 0.1


def test_guard_holds_the_source_after_a_429(redis):
    guard, _ = _guard(redis, display=100)

    def throttled():
        raise RateLimited("429", retry_after=42)

    with pytest.raises(RateLimited):
        guard.run("display", throttled)
    with pytest.raises(Throttled) as info:
        guard.run("display", lambda: pytest.fail("held: TikTok must not be asked"))
    assert 40 <= info.value.retry_after <= 46.2
    assert guard.run("page", lambda: "other sources unaffected") == "other sources unaffected"
    health = {h.source: h for h in guard.status()}
    assert health["display"].held_for > 40 and health["display"].breaker.failures == 1
