"""The guard asks Redis once per block of calls and records a batch's successes together, on the
app's real Redis, while keeping what the hold and the breaker promise."""
import pytest
import redis as redis_lib

from webapp.extensions import jobqueue
from webapp.tiktok.breaker import BreakerSettings
from webapp.tiktok.errors import RateLimited, Throttled, Upstream
from webapp.tiktok.guard import SourceGuard
from webapp.tiktok.limits import Limit


class CountingRedis(redis_lib.Redis):
    """The app's Redis, counting the commands (round trips) sent through this client."""

    sent = 0

    def execute_command(self, *args, **options):
        self.sent += 1
        return super().execute_command(*args, **options)


@pytest.fixture
def redis(ctx):
    return CountingRedis(connection_pool=jobqueue.connection.connection_pool)


def _fail():
    raise Upstream("500")


def test_a_batch_of_calls_costs_a_few_round_trips_not_several_per_call(redis):
    guard = SourceGuard(redis, {"page": Limit(100_000, 60)}, BreakerSettings())
    guard.run("oembed", lambda: "warm")  # Redis learns the guard's scripts (SCRIPT LOAD)
    guard.expect("page", 40)
    redis.sent = 0
    assert [guard.run("page", lambda i=i: i) for i in range(40)] == list(range(40))
    guard.finish()
    # one admission (hold, breaker, a block of 40) and one record of the 40 successes
    assert redis.sent <= 3
    status = guard.breaker.status("page")
    assert (status.successes, status.failures, status.state) == (40, 0, "closed")
    assert guard.limiter.used("page", Limit(100_000, 60)) == 40


def test_successes_wait_for_the_batch_but_a_failure_is_recorded_at_once(redis):
    guard = SourceGuard(redis, {"page": Limit(100_000, 60)},
                        BreakerSettings(min_calls=6, cooldown_seconds=60))
    guard.expect("page", 20)
    for _ in range(2):
        guard.run("page", lambda: "ok")
    assert guard.breaker.status("page").successes == 0  # still counted in this process
    for _ in range(3):
        with pytest.raises(Upstream):
            guard.run("page", _fail)
    status = guard.breaker.status("page")
    assert (status.successes, status.failures, status.state) == (2, 3, "closed")
    with pytest.raises(Upstream):
        guard.run("page", _fail)
    assert guard.breaker.status("page").state == "open"  # 2 of 6 worked: as call by call
    # The tokens left in this process's block do not outlive the breaker.
    with pytest.raises(Throttled) as info:
        guard.run("page", lambda: pytest.fail("an open breaker must not call TikTok"))
    assert "circuit breaker open" in info.value.message


def test_another_process_hold_stops_calls_at_the_next_block(redis):
    limit = {"display": Limit(100, 60)}  # blocks of 2
    ours, theirs = SourceGuard(redis, limit), SourceGuard(redis, limit)
    ours.expect("display", 10)
    assert ours.run("display", lambda: 1) == 1

    def throttled():
        raise RateLimited("429", retry_after=30)

    with pytest.raises(RateLimited):
        theirs.run("display", throttled)
    assert ours.run("display", lambda: 2) == 2  # the block in hand, taken before the 429
    with pytest.raises(Throttled) as info:
        ours.run("display", lambda: pytest.fail("held: TikTok must not be asked"))
    assert "slow down" in info.value.message and 25 <= info.value.retry_after <= 38


def test_our_own_429_stops_the_rest_of_our_block_at_once(redis):
    guard = SourceGuard(redis, {"page": Limit(100_000, 60)})
    guard.expect("page", 30)
    assert guard.run("page", lambda: "ok") == "ok"

    def throttled():
        raise RateLimited("429", retry_after=20)

    with pytest.raises(RateLimited):
        guard.run("page", throttled)
    with pytest.raises(Throttled):
        guard.run("page", lambda: pytest.fail("held: TikTok must not be asked"))
    guard.finish()
    assert guard.limiter.held_for("page") > 15


def test_a_half_open_breaker_lets_one_probe_through_even_in_a_batch(redis):
    settings = BreakerSettings(min_calls=2, cooldown_seconds=0.2)
    guard = SourceGuard(redis, {"page": Limit(100_000, 60)}, settings)
    for _ in range(2):
        with pytest.raises(Upstream):
            guard.run("page", _fail)
    assert guard.breaker.status("page").state == "open"
    guard.breaker.redis.hset(guard.breaker.keys("page")[0], "until", 0)  # cooled down
    guard.expect("page", 20)

    def probe():
        # While the probe runs, nobody else (this process included) calls the source.
        with pytest.raises(Throttled):
            guard.run("page", lambda: pytest.fail("only the probe may call"))
        return "probe"

    assert guard.run("page", probe) == "probe"
    assert guard.breaker.status("page").state == "closed"  # its success is recorded at once
    assert guard.run("page", lambda: "after") == "after"


def test_finish_records_what_a_batch_left_and_gives_back_its_tokens(redis):
    limit = Limit(100_000, 60)
    guard = SourceGuard(redis, {"oembed": limit})
    guard.expect("oembed", 50)
    for _ in range(5):
        guard.run("oembed", lambda: "ok")
    guard.finish()
    assert guard.breaker.status("oembed").successes == 5
    assert guard.limiter.used("oembed", limit) == 5
