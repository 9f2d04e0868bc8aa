"""Snapshots of a video's counts, the refresh cadence, and held (suspect) drops."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import aware, utcnow
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import OK, SUSPECT, ViewSnapshot


def validate_views(views) -> int:
    if views is None or isinstance(views, bool) or not isinstance(views, int):
        raise InvalidViews("A view count must be a whole number.")
    if views < 0:
        raise InvalidViews("A view count cannot be negative.")
    if views > current_app.config["MAX_PLAUSIBLE_VIEWS"]:
        raise InvalidViews("That view count is not plausible for one video.")
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
    """A failed fetch changes no views and no money: it is noted and retried with backoff."""
    sub = db.session.get(Submission, submission_id)
    sub.refresh_failures += 1
    sub.last_fetch_error = reason[:500]
    backoff = min(timedelta(minutes=5) * 2 ** min(sub.refresh_failures, 8), timedelta(hours=24))
    if retry_after:
        backoff = max(backoff, timedelta(seconds=retry_after))
    sub.next_refresh_at = utcnow() + backoff
    db.session.commit()


def due_submission_ids(now: datetime | None = None, limit: int = 5000) -> list[int]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(Submission.id).where(Submission.status == APPROVED,
                                    (Submission.next_refresh_at.is_(None))
                                    | (Submission.next_refresh_at <= now))
        .order_by(Submission.next_refresh_at).limit(limit)))


def latest_snapshot(submission_id: int, state: str | None = OK) -> ViewSnapshot | None:
    query = select(ViewSnapshot).where(ViewSnapshot.submission_id == submission_id)
    if state:
        query = query.where(ViewSnapshot.state == state)
    return db.session.scalar(query.order_by(ViewSnapshot.id.desc()).limit(1))
