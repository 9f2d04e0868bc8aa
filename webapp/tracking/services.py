"""Snapshots of a video's counts, the refresh cadence, and held (suspect) drops."""
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.limits import backoff_delay
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import aware, utcnow
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import OK, SUSPECT, ViewSnapshot


def validate_views(views) -> int:
    if views is None or isinstance(views, bool) or not isinstance(views, int):
        raise InvalidViews("A view count must be a whole number.", "not_whole")
    if views < 0:
        raise InvalidViews("A view count cannot be negative.", "negative")
    if views > current_app.config["MAX_PLAUSIBLE_VIEWS"]:
        raise InvalidViews("That view count is not plausible for one video.", "absurd")
    return views


def record_snapshot(submission_id: int, stats: VideoStats, *, entered_by_id: int | None = None,
                    confirm_drop: bool = False) -> ViewSnapshot:
    """Store one observation; a big drop is kept as SUSPECT until a second sighting or an admin confirms it."""
    views = validate_views(stats.views)
    sub = db.session.get(Submission, submission_id)
    state = OK
    if _is_suspect_drop(sub, views) and not (confirm_drop or _confirms_previous(sub, views)):
        state = SUSPECT
    snap = ViewSnapshot(
        submission_id=sub.id, views=views, likes=stats.likes, comments=stats.comments,
        shares=stats.shares, source=stats.source, exact=stats.exact, state=state,
        fetched_at=stats.fetched_at, entered_by_id=entered_by_id,
    )
    db.session.add(snap)
    now = utcnow()
    if state == OK:
        growth = _views_per_hour(sub, views, now)
        sub.current_views = views
        sub.last_view_update = now
        sub.refresh_failures = 0
        sub.last_fetch_error = None
        sub.next_refresh_at = now + refresh_interval(sub, growth, now)
    else:
        # Look again soon rather than waiting a whole cycle with earnings frozen.
        sub.next_refresh_at = now + timedelta(minutes=15)
    if stats.create_time and sub.video_created_at is None:
        sub.video_created_at = datetime.fromtimestamp(stats.create_time, tz=now.tzinfo)
    db.session.commit()
    return snap


def _is_suspect_drop(sub: Submission, views: int) -> bool:
    before = sub.current_views
    if not before:
        return False
    ratio = current_app.config["SUSPECT_DROP_RATIO"]
    return views == 0 or views < before * ratio


def _confirms_previous(sub: Submission, views: int) -> bool:
    """A second consecutive low sighting (within 10 %) confirms the drop is real."""
    last = db.session.scalar(
        select(ViewSnapshot).where(ViewSnapshot.submission_id == sub.id)
        .order_by(ViewSnapshot.id.desc()).limit(1))
    if last is None or last.state != SUSPECT:
        return False
    return abs(last.views - views) <= max(last.views, views) // 10


def _views_per_hour(sub: Submission, views: int, now: datetime) -> float:
    if sub.current_views is None or sub.last_view_update is None:
        return 0.0
    hours = (now - aware(sub.last_view_update)).total_seconds() / 3600
    return (views - sub.current_views) / hours if hours > 0 else 0.0


def refresh_interval(sub: Submission, growth_per_hour: float, now: datetime) -> timedelta:
    """Hourly while young or growing fast, daily once the video has settled."""
    config = current_app.config
    created = aware(sub.video_created_at) or aware(sub.created_at) or now
    young = now - created < timedelta(days=config["YOUNG_VIDEO_DAYS"])
    fast = growth_per_hour >= config["FAST_GROWTH_VIEWS_PER_HOUR"]
    seconds = config["REFRESH_YOUNG_SECONDS"] if young or fast else config["REFRESH_OLD_SECONDS"]
    return timedelta(seconds=seconds)


def record_failure(submission_id: int, reason: str, retry_after: float | None = None) -> None:
    """A failed fetch changes no views and no money: it is noted and retried with backoff
    (exponential with jitter, 10 min doubling to a day, never before TikTok's Retry-After)."""
    sub = db.session.get(Submission, submission_id)
    sub.refresh_failures += 1
    sub.last_fetch_error = reason[:500]
    delay = backoff_delay(sub.refresh_failures, base=600, cap=86400, retry_after=retry_after)
    sub.next_refresh_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()


def postpone(submission_id: int, seconds: float, reason: str) -> None:
    """Our own limiter or breaker said wait: TikTok was not asked, so this is no failure of the
    video (refresh_failures stays); it is simply looked at again a little later."""
    sub = db.session.get(Submission, submission_id)
    sub.last_fetch_error = reason[:500]
    delay = max(seconds, 1.0) * random.uniform(1.0, 1.2)  # spread the postponed ones out
    sub.next_refresh_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()


def due_refreshes(now: datetime | None = None, limit: int = 5000) -> list[tuple[int, int]]:
    """(submission id, creator id) of approved videos due for a refresh, most overdue first."""
    now = now or utcnow()
    return [tuple(row) for row in db.session.execute(
        select(Submission.id, Submission.creator_id)
        .where(Submission.status == APPROVED,
               (Submission.next_refresh_at.is_(None)) | (Submission.next_refresh_at <= now))
        .order_by(Submission.next_refresh_at).limit(limit))]


def due_submission_ids(now: datetime | None = None, limit: int = 5000) -> list[int]:
    return [sub_id for sub_id, _ in due_refreshes(now, limit)]


def lease(submission_ids: list[int], seconds: int) -> None:
    """Queued videos are not due again until their job had time to run; the refresh then sets
    the real next time. A lost job only delays that video by the lease."""
    if submission_ids:
        db.session.execute(update(Submission).where(Submission.id.in_(submission_ids))
                           .values(next_refresh_at=utcnow() + timedelta(seconds=seconds)))
        db.session.commit()


def latest_snapshot(submission_id: int, state: str | None = OK) -> ViewSnapshot | None:
    query = select(ViewSnapshot).where(ViewSnapshot.submission_id == submission_id)
    if state:
        query = query.where(ViewSnapshot.state == state)
    return db.session.scalar(query.order_by(ViewSnapshot.id.desc()).limit(1))


def latest_payable_snapshot(submission_id: int) -> ViewSnapshot | None:
    """The newest count money may follow: confirmed (not a held drop) and exact. A count from
    TikTok's rounded `stats` (1.6M for 1,585,253) is stored and shown but never paid on; the
    next exact count credits everything up to it."""
    return db.session.scalar(
        select(ViewSnapshot).where(ViewSnapshot.submission_id == submission_id,
                                   ViewSnapshot.state == OK, ViewSnapshot.exact.is_(True))
        .order_by(ViewSnapshot.id.desc()).limit(1))
