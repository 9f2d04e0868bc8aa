"""Counts an admin saw in their browser (the extension), entered like any manual count:
`tracking.manual.enter_views` with source "extension", so every manual-entry rule applies
(validation, decrease confirmation, four-eyes proposals, audit), then the normal credit."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from webapp.api import links
from webapp.api.errors import ApiError
from webapp.api.models import ApiToken
from webapp.api.videos import VIDEO_ID, iso
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tracking import manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import PROPOSED
from webapp.timeutil import utcnow

NOTE = "browser extension"
CLOCK_SKEW = timedelta(minutes=5)  # an admin's laptop clock may run a little ahead
_NOTE_CODES = ("note_required", "note_too_long")


def record(token: ApiToken, body: dict) -> dict:
    """Enter one observation for the token's admin; the 201 answer's body."""
    admin = token.owner
    if admin is None or not admin.is_admin:
        raise ApiError(403, "admin_token_required",
                       "Observations need a token that belongs to an admin.")
    sub = _video(body)
    views, likes = body.get("views"), body.get("likes")
    if likes is not None and (isinstance(likes, bool) or not isinstance(likes, int) or likes < 0):
        raise ApiError(422, "invalid_likes", "likes must be a whole number, 0 or more.")
    confirm = body.get("confirm_decrease", False)
    note = body.get("note")
    if not isinstance(confirm, bool) or not isinstance(note, (str, type(None))):
        raise ApiError(422, "invalid_request", "confirm_decrease is a boolean, note a string.")
    try:
        snap = manual.enter_views(
            sub.id, admin.id, views, "fetch_blocked", note or NOTE, confirm_decrease=confirm,
            four_eyes_ack=True, source="extension", observed_at=_observed_at(body, sub),
            likes=likes)
    except manual.NeedsConfirmation as exc:
        raise ApiError(409, "needs_confirmation",
                       f"{exc.views_before} views are recorded; a lower count needs "
                       "confirm_decrease: true.", views_before=exc.views_before) from exc
    except InvalidViews as exc:
        code = "invalid_note" if exc.code in _NOTE_CODES else "invalid_views"
        raise ApiError(422, code, str(exc)) from exc
    return {"observation": {
        "id": snap.id, "video_id": sub.video_id, "views": snap.views,
        "state": "proposed" if snap.state == PROPOSED else "recorded",
        "source": snap.source, "observed_at": iso(snap.fetched_at)}}


def _video(body: dict) -> Submission:
    video_id, url = body.get("video_id"), body.get("url")
    if isinstance(video_id, int) and not isinstance(video_id, bool):
        video_id = str(video_id)
    if video_id is None and isinstance(url, str):
        try:
            video_id = links.video_id_of(url)
        except links.LinkError as exc:
            raise ApiError(422, "invalid_url", exc.message, reason=exc.code) from exc
    if not isinstance(video_id, str) or not VIDEO_ID.fullmatch(video_id.strip()):
        raise ApiError(422, "invalid_request", "Send video_id (a string of digits) or url.")
    sub = db.session.scalar(select(Submission).where(
        Submission.video_id == video_id.strip(), Submission.status == APPROVED))
    if sub is None:
        raise ApiError(404, "not_found", "No approved video has this id.")
    return sub


def _observed_at(body: dict, sub: Submission) -> datetime | None:
    raw = body.get("observed_at")
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        when = None
    if when is None:
        raise ApiError(422, "invalid_observed_at", "observed_at must be an ISO 8601 time.")
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)  # a time without offset is taken as UTC
    if when > utcnow() + CLOCK_SKEW:
        raise ApiError(422, "invalid_observed_at", "observed_at is in the future.")
    newest = sub.last_view_update
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=timezone.utc)  # SQLite keeps no offset
    if newest is not None and when < newest - CLOCK_SKEW:
        # An old sighting would roll a newer count back (the CSV import refuses it too).
        raise ApiError(422, "stale_observation",
                       f"observed_at is older than the newest count ({iso(newest)}).")
    return when.astimezone(timezone.utc)  # stored as UTC (SQLite keeps no offset)
