"""Tracked videos as the API shows them, a refresh on request, and the videos that need an
admin's eyes because TikTok cannot be read for them.

Ids are strings everywhere (they exceed 2^53); times are ISO 8601 in Jakarta time; money is an
exact decimal string (8 places), never a float.
"""
import math
import re
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select

from webapp.api.errors import ApiError
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.money import QUANTUM
from webapp.submissions.models import APPROVED, LIVE, Submission
from webapp.tiktok.urls import video_id_timestamp
from webapp.timeutil import aware, utcnow
from webapp.tracking import refresh as tracking_refresh
from webapp.tracking.services import latest_snapshot

VIDEO_ID = re.compile(r"[0-9]{1,20}")
# What refresh_submission answers when the count came in (stored, perhaps held or inexact).
COUNTED = ("ok", "suspect", "inexact")
# Our own shared budget (throttled) or TikTok itself (rate_limited) said wait.
WAIT = ("throttled", "rate_limited")


def iso(value) -> str | None:
    if value is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return aware(value).astimezone(zone).isoformat(timespec="seconds")


def money(amount: Decimal) -> str:
    return format(amount.quantize(QUANTUM), "f")


def handle_of(sub: Submission) -> str | None:
    return sub.author_handle_seen or sub.creator.tiktok_handle


def video_url(sub: Submission) -> str:
    return f"https://www.tiktok.com/@{handle_of(sub) or '_'}/video/{sub.video_id}"


def find(video_id: str) -> Submission:
    """The video's live claim, else its latest one; ApiError 404 when ViewPay never saw it."""
    if not VIDEO_ID.fullmatch(video_id or ""):
        raise ApiError(404, "not_found", "No tracked video has this id.")
    sub = db.session.scalar(
        select(Submission).where(Submission.video_id == str(int(video_id)))
        .order_by(Submission.status.in_(LIVE).desc(), Submission.id.desc()).limit(1))
    if sub is None:
        raise ApiError(404, "not_found", "No tracked video has this id.")
    return sub


def describe(sub: Submission) -> dict:
    snap = latest_snapshot(sub.id)
    created = sub.video_created_at
    if created is None:  # TikTok ids carry their creation second (a few seconds early)
        created = datetime.fromtimestamp(video_id_timestamp(sub.video_id), tz=timezone.utc)
    earned = earnings.earned_by_submission(sub.creator_id).get(sub.id, Decimal(0))
    handle = handle_of(sub)
    return {
        "video_id": sub.video_id,
        "views": sub.current_views,
        "creator": f"@{handle}" if handle else None,
        "title": getattr(sub, "caption", None),  # the video cards' caption, once it exists
        "created_at": iso(created),
        "last_view_update": iso(sub.last_view_update),
        "status": sub.status,
        "source": snap.source if snap else None,
        "exact": snap.exact if snap else None,
        "earnings": money(earned),
    }


def refresh(sub: Submission) -> None:
    """Fetch the video's count now, through the normal refresh path (credits included)."""
    if sub.status != APPROVED:
        raise ApiError(409, "not_tracked",
                       f"Only approved videos are refreshed; this one is {sub.status}.")
    outcome = tracking_refresh.refresh_submission(sub.id)
    if outcome in COUNTED:
        return
    db.session.expire_all()  # the refresh committed; read what it wrote
    fresh = db.session.get(Submission, sub.id)
    if outcome in WAIT:
        wait = (aware(fresh.next_refresh_at) - utcnow()).total_seconds()
        raise ApiError(429, "rate_limited",
                       "The shared TikTok budget is spent; retry after Retry-After seconds.",
                       headers={"Retry-After": str(max(1, math.ceil(wait)))})
    if outcome == "skipped":
        raise ApiError(409, "not_tracked", "This video is no longer approved.")
    raise ApiError(502, "refresh_failed", f"TikTok gave no count: {fresh.last_fetch_error}",
                   reason=outcome)


def needing_observation(limit: int) -> list[dict]:
    """Approved videos whose automatic fetch fails or is blocked, oldest update first."""
    subs = db.session.scalars(
        select(Submission).where(
            Submission.status == APPROVED,
            or_(Submission.refresh_failures > 0, Submission.last_fetch_error.is_not(None)))
        .order_by(Submission.last_view_update.asc().nulls_first(), Submission.id).limit(limit))
    return [{"video_id": sub.video_id, "url": video_url(sub),
             "creator": f"@{handle_of(sub)}" if handle_of(sub) else None,
             "views": sub.current_views, "last_view_update": iso(sub.last_view_update),
             "last_fetch_error": sub.last_fetch_error, "refresh_failures": sub.refresh_failures}
            for sub in subs]

