"""The refresh cadence: the pure rule (webapp.tracking.cadence), its properties over any input,
and what a real refresh against the sandbox sets as the video's next refresh."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import factories
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import cadence, scheduling
from webapp.tracking.cadence import CadenceSettings, next_due
from webapp.tracking.refresh import refresh_submission

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
S = CadenceSettings()  # hourly / daily / weekly after 90 days; young for 7 days
HOUR, DAY, WEEK = timedelta(hours=1), timedelta(days=1), timedelta(days=7)


def due_in(days_old: float, settings=S, **kwargs) -> timedelta | None:
    due = next_due(NOW, NOW - timedelta(days=days_old), settings, **kwargs)
    return None if due is None else due - NOW


def test_hourly_while_young_or_growing_fast_daily_when_settled_weekly_after_the_window():
    assert due_in(0) == due_in(6.9) == HOUR
    assert due_in(8) == DAY
    assert due_in(8, growth_per_hour=999) == DAY
    assert due_in(8, growth_per_hour=1000) == HOUR  # taking off again
    assert due_in(89.9) == DAY
    assert due_in(90) == due_in(400, growth_per_hour=10**6) == WEEK
    assert next_due(NOW, None, S) - NOW == HOUR  # posting time unknown: treated as new


def test_after_the_window_tracking_can_stop():
    stop = CadenceSettings(after_window=cadence.STOP)
    assert due_in(89, stop) == DAY
    assert due_in(90, stop) is None
    assert due_in(120, stop, state=cadence.PRIVATE, failures=3) is None
    with pytest.raises(ValueError):
        CadenceSettings(after_window="monthly")


def test_failures_back_off_exponentially_gone_videos_slower():
    assert [due_in(1, state=cadence.ERROR, failures=n) for n in (1, 2, 3)] == [
        timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert due_in(1, state=cadence.ERROR, failures=20) == DAY  # capped
    for gone in cadence.GONE:
        assert [due_in(1, state=gone, failures=n) for n in (1, 2, 3)] == [HOUR, 2 * HOUR,
                                                                          4 * HOUR]
        assert due_in(1, state=gone, failures=30) == WEEK  # REFRESH_GONE_MAX_SECONDS
    assert due_in(1, state=cadence.ERROR, retry_after=7200) == 2 * HOUR  # TikTok's wish wins
    assert due_in(100, state=cadence.ERROR, failures=1) == WEEK  # weekly at most past 90 days
    with pytest.raises(ValueError):
        due_in(1, state="sulking")


def test_failure_reasons_map_to_states():
    assert [cadence.state_of(r) for r in ("not_found: gone", "unavailable: 10204",
                                          "private: p", "not_owned: x", "region_blocked: y")] \
        == [cadence.DELETED, cadence.DELETED, cadence.PRIVATE, cadence.PRIVATE, cadence.BLOCKED]
    assert {cadence.state_of(r) for r in ("blocked: waf", "garbled: x", "upstream: 503",
                                          "invalid_views: absurd", "", None)} == {cadence.ERROR}


ages = st.floats(min_value=0, max_value=2000, allow_nan=False)
growths = st.floats(min_value=0, max_value=1e7, allow_nan=False)
failures = st.integers(min_value=1, max_value=80)
jitters = st.floats(min_value=0.75, max_value=1.25)


@given(ages, growths)
def test_a_counted_video_is_always_due_at_one_of_the_three_intervals(age, growth):
    assert due_in(age, growth_per_hour=growth) in (HOUR, DAY, WEEK)


@given(ages, st.sampled_from(cadence.GONE + (cadence.ERROR,)), failures, jitters)
def test_backoff_grows_with_failures_and_stays_within_its_cap(age, state, n, jitter):
    now, later = (due_in(age, state=state, failures=k, jitter=jitter) for k in (n, n + 1))
    assert now <= later
    cap = WEEK if state in cadence.GONE else DAY
    floor = timedelta(minutes=10) * 0.75
    if age >= 90:  # past the window: weekly, failing or not
        floor, cap = WEEK, max(cap * jitter, WEEK)
    assert floor <= now <= cap * 1.25


@given(ages, failures, st.floats(min_value=0, max_value=30 * 86400))
def test_retry_after_is_never_undercut(age, n, retry_after):
    assert due_in(age, state=cadence.ERROR, failures=n,
                  retry_after=retry_after) >= timedelta(seconds=retry_after)


def old_video(app, sandbox, days: int) -> dict:
    """An approved video TikTok says was posted `days` ago, its count grown since."""
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=100,
                                     video_id=factories.video_id(seconds_ago=days * 86400))
        video = _approve(tt, vid)
    factories.set_views(sandbox, vid, 150)
    return video


def _approve(tt: dict, vid: str) -> dict:
    from webapp.submissions import services as submissions

    owner, reviewer = factories.creator(), factories.admin()
    factories.prove(owner, tt["user_id"])
    sub = submissions.submit(owner.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    submissions.verify(sub.id)
    submissions.approve(sub.id, reviewer.id)
    return {"sub_id": sub.id, "vid": vid}


def next_refresh(sub_id) -> timedelta | None:
    at = db.session.get(Submission, sub_id).next_refresh_at
    return None if at is None else aware(at) - utcnow()


def test_a_refresh_sets_the_next_due_time_by_age_and_state(app, sandbox):
    video = old_video(app, sandbox, days=120)
    with app.app_context():
        assert refresh_submission(video["sub_id"]) == "ok"
        assert WEEK - timedelta(minutes=1) < next_refresh(video["sub_id"]) <= WEEK
        factories.set_views(sandbox, video["vid"], 150, status="private")
        assert refresh_submission(video["sub_id"]) == "private"
        assert next_refresh(video["sub_id"]) > WEEK - timedelta(minutes=1)  # weekly at most

        app.config["TRACKING_AFTER_WINDOW"] = cadence.STOP
        factories.set_views(sandbox, video["vid"], 170, status="ok")
        assert refresh_submission(video["sub_id"]) == "ok"
        sub = db.session.get(Submission, video["sub_id"])
        assert sub.current_views == 170 and sub.next_refresh_at is None  # counted, then stopped
        db.session.rollback()
        assert scheduling.lease_due(10) == []  # never selected again


def test_a_private_young_video_backs_off_from_an_hour(app, sandbox):
    video = old_video(app, sandbox, days=2)
    factories.set_views(sandbox, video["vid"], 150, status="private")
    with app.app_context():
        assert refresh_submission(video["sub_id"]) == "private"
        assert 0.75 * HOUR - timedelta(minutes=1) < next_refresh(video["sub_id"]) <= 1.25 * HOUR
        assert refresh_submission(video["sub_id"]) == "private"
        assert next_refresh(video["sub_id"]) > 1.5 * HOUR - timedelta(minutes=1)
