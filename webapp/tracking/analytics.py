"""Which videos are going viral and which look fraudulent, from the stored snapshots.

The signals are deliberately simple and explainable to a reviewer: growth over the last day,
a day far above the video's own earlier pace, views with almost no likes/comments/shares,
and drops held as suspect.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select

from webapp import local_days
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking.models import OK, ViewSnapshot

LOW_ENGAGEMENT_MIN_VIEWS = 10_000
LOW_ENGAGEMENT_RATIO = 0.005  # under 0.5 % interactions per view is rare for real audiences
SPIKE_FACTOR = 10
SPIKE_MIN_VIEWS = 5_000


@dataclass
class VideoSignals:
    submission: Submission
    views: int
    gained_24h: int  # over span_hours, which is less than 24 for a video tracked less than a day
    per_hour: float | None  # None while the counts span less than an hour: no honest rate yet
    engagement: float | None
    flags: list[str] = field(default_factory=list)
    span_hours: float = 0.0


def video_signals(now: datetime | None = None, days: int = 7) -> list[VideoSignals]:
    """Signals for every approved video, from the snapshots of the last `days` days."""
    now = now or utcnow()
    subs = list(db.session.scalars(select(Submission).where(Submission.status == APPROVED)))
    snaps = _recent_snapshots([s.id for s in subs], now - timedelta(days=days))
    return [_signals(sub, snaps.get(sub.id, []), now) for sub in subs]


def viral(signals: list[VideoSignals], limit: int = 20) -> list[VideoSignals]:
    return sorted((s for s in signals if s.gained_24h > 0), key=lambda s: -s.gained_24h)[:limit]


def suspicious(signals: list[VideoSignals]) -> list[VideoSignals]:
    return sorted((s for s in signals if s.flags), key=lambda s: (-len(s.flags), -s.views))


def _recent_snapshots(ids: list[int], since: datetime) -> dict[int, list[ViewSnapshot]]:
    found: dict[int, list[ViewSnapshot]] = {}
    if not ids:
        return found
    rows = db.session.scalars(
        select(ViewSnapshot).where(ViewSnapshot.submission_id.in_(ids),
                                   ViewSnapshot.fetched_at >= since)
        .order_by(ViewSnapshot.submission_id, ViewSnapshot.fetched_at))
    for snap in rows:
        found.setdefault(snap.submission_id, []).append(snap)
    return found


def _signals(sub: Submission, snaps: list[ViewSnapshot], now: datetime) -> VideoSignals:
    ok = [s for s in snaps if not s.is_held]
    views = sub.current_views or 0
    day_ago = now - timedelta(hours=24)
    before = [s for s in ok if aware(s.fetched_at) <= day_ago]
    base = before[-1] if before else (ok[0] if ok else None)
    gained = max(views - base.views, 0) if base else 0
    # The gain is measured between two counts, so its rate is over the time between them (not
    # until now). Under an hour apart there is no per-hour figure: 500 views in ten minutes
    # is not "500 per hour", and neither is it 3.000.
    span = (aware(ok[-1].fetched_at) - aware(base.fetched_at)).total_seconds() / 3600 \
        if base else 0.0
    per_hour = gained / span if span >= 1 else None
    signal = VideoSignals(sub, views, gained, per_hour, _engagement(ok), span_hours=span)
    if any(s.is_held for s in snaps):
        signal.flags.append("drop_held")
    if signal.engagement is not None and views >= LOW_ENGAGEMENT_MIN_VIEWS \
            and signal.engagement < LOW_ENGAGEMENT_RATIO:
        signal.flags.append("low_engagement")
    if _is_spike(ok, day_ago, gained):
        signal.flags.append("spike")
    return signal


def _engagement(snaps: list[ViewSnapshot]) -> float | None:
    for snap in reversed(snaps):
        if snap.views and snap.likes is not None:
            return ((snap.likes or 0) + (snap.comments or 0) + (snap.shares or 0)) / snap.views
    return None


def _is_spike(snaps: list[ViewSnapshot], day_ago: datetime, gained_24h: int) -> bool:
    """The last day gained far more than the video's own earlier daily pace."""
    earlier = [s for s in snaps if aware(s.fetched_at) <= day_ago]
    if gained_24h < SPIKE_MIN_VIEWS or len(earlier) < 2:
        return False
    span_days = (aware(earlier[-1].fetched_at) - aware(earlier[0].fetched_at)).total_seconds() / 86400
    if span_days <= 0:
        return False
    earlier_daily = (earlier[-1].views - earlier[0].views) / span_days
    return gained_24h > SPIKE_FACTOR * max(earlier_daily, 1)


def daily_growth(days: int = 28, now: datetime | None = None) -> list[tuple[date, int]]:
    """Views gained per local day by all approved videos, the last `days` days (oldest first).

    Per video and day the database gives the lowest and highest count it accepted (held counts
    are not accepted yet); a day's gain is its highest count minus the video's highest before
    (before the window too), or minus that day's lowest on the first day it was read. A video
    not read on a day gains nothing then, and its next reading brings the whole gain since."""
    first = local_days.today(now) - timedelta(days=days - 1)
    start = local_days.start(first)
    tracked = and_(ViewSnapshot.submission_id == Submission.id, Submission.status == APPROVED,
                   ViewSnapshot.state == OK)
    before = dict(db.session.execute(
        select(ViewSnapshot.submission_id, func.max(ViewSnapshot.views))
        .where(tracked, ViewSnapshot.fetched_at < start)
        .group_by(ViewSnapshot.submission_id)).all())
    day = local_days.day_of(ViewSnapshot.fetched_at, now)
    rows = db.session.execute(
        select(ViewSnapshot.submission_id, day, func.min(ViewSnapshot.views),
               func.max(ViewSnapshot.views))
        .where(tracked, ViewSnapshot.fetched_at >= start)
        .group_by(ViewSnapshot.submission_id, day)
        .order_by(ViewSnapshot.submission_id, day)).all()
    gained = {first + timedelta(days=n): 0 for n in range(days)}
    last = dict(before)
    for sub_id, on, lowest, highest in rows:
        on = local_days.as_date(on)
        if on in gained:
            gained[on] += int(highest) - int(last.get(sub_id, lowest))
        last[sub_id] = highest
    return sorted(gained.items())
