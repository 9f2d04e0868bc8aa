"""Submit a video, verify it against TikTok, and review it."""
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.earnings import services as earnings
from webapp.extensions import db, jobqueue
from webapp.submissions.errors import ReviewError, SubmissionError  # noqa: F401 (re-exported)
from webapp.submissions.models import (
    APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS, PENDING_REVIEW, REJECTED, REVIEWABLE,
    Submission)
from webapp.tiktok import errors as tt
from webapp.tiktok.client import http_from_config
from webapp.tiktok.sources import OEmbedSource, PageSource
from webapp.tiktok.stats import VideoStats
from webapp.tiktok.urls import parse_url
from webapp.timeutil import utcnow
from webapp.tracking import services as tracking

VERIFY_JOB = "jobs.submissions.verify_submission"


class RetryLater(Exception):
    """Verification hit a temporary TikTok failure; the job retries with backoff."""


def submit(creator_id: int, url_text: str) -> Submission:
    """Store a new submission in CHECKING and queue its verification; nothing is stored on error."""
    try:
        parsed = parse_url(url_text)
        if parsed.kind == "short_link":
            parsed = http_from_config().resolve(parsed)
    except tt.InvalidUrl as exc:
        raise SubmissionError(exc.message, code=exc.code) from exc
    except tt.NotFound as exc:
        raise SubmissionError("This short link leads to no video.", code="short_not_found") from exc
    except tt.TikTokError as exc:
        raise SubmissionError("TikTok did not answer; try again in a minute.",
                              code="tiktok_down") from exc
    if db.session.scalar(select(Submission.id).where(Submission.video_id == parsed.video_id)):
        raise SubmissionError("This video has already been submitted.", code="duplicate")
    sub = Submission(creator_id=creator_id, video_id=parsed.video_id,
                     canonical_url=parsed.canonical_url, submitted_url=url_text.strip()[:2048],
                     status=CHECKING)
    db.session.add(sub)
    try:
        db.session.commit()
    except IntegrityError as exc:  # two tabs submitting the same video at once
        db.session.rollback()
        raise SubmissionError("This video has already been submitted.", code="duplicate") from exc
    queue_verification(sub.id)
    return sub


def queue_verification(submission_id: int) -> None:
    from rq import Retry

    retries = max(current_app.config["VERIFY_MAX_ATTEMPTS"] - 1, 0)
    jobqueue.enqueue(VERIFY_JOB, submission_id, job_id=f"verify-{submission_id}",
                     timeout=60, retry=Retry(max=retries, interval=[10, 30, 120, 600]) if retries else None)


def verify(submission_id: int, max_attempts: int | None = None) -> str:
    """Check the video exists and belongs to its creator, and store its first counts."""
    max_attempts = max_attempts or current_app.config["VERIFY_MAX_ATTEMPTS"]
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.status != CHECKING:
        return sub.status if sub else "missing"
    video_id = sub.video_id
    db.session.rollback()  # no transaction held open across the network call
    try:
        stats = _fetch_for_verification(video_id)
    except (tt.NotFound, tt.Private) as exc:
        return _set_status(submission_id, NOT_FOUND, exc.reason)
    except tt.TikTokError as exc:
        return _failed_attempt(submission_id, f"{exc.reason}: {exc.message}", max_attempts)
    sub = db.session.get(Submission, submission_id)
    sub.author_handle_seen, sub.author_id_seen = stats.author_handle, stats.author_id
    owned = _owned_by(sub.creator, stats)
    if owned is None:
        return _failed_attempt(submission_id, "TikTok did not say who posted it", max_attempts)
    if stats.views is not None:
        tracking.record_snapshot(submission_id, stats)
    return _set_status(submission_id, PENDING_REVIEW if owned else NOT_YOURS,
                       None if owned else f"posted by @{stats.author_handle}")


def _fetch_for_verification(video_id: str) -> VideoStats:
    http = http_from_config()
    try:
        return PageSource(http).fetch(video_id)
    except (tt.Blocked, tt.Garbled, tt.Unavailable, tt.RegionBlocked):
        # The page can be blocked or ambiguous; oEmbed still proves existence and owner.
        return OEmbedSource(http).fetch(video_id)


def _owned_by(creator: User, stats: VideoStats) -> bool | None:
    # A verified TikTok user id survives handle changes; the handle is the fallback.
    if creator.tiktok_user_id and stats.author_id:
        return creator.tiktok_user_id == stats.author_id
    if stats.author_handle and creator.tiktok_handle:
        return stats.author_handle.lower() == creator.tiktok_handle.lower()
    return None


def _failed_attempt(submission_id: int, detail: str, max_attempts: int) -> str:
    sub = db.session.get(Submission, submission_id)
    sub.verify_attempts += 1
    if sub.verify_attempts >= max_attempts:
        return _set_status(submission_id, CHECK_FAILED, detail)
    sub.status_detail = detail
    db.session.commit()
    raise RetryLater(detail)


def _set_status(submission_id: int, status: str, detail: str | None) -> str:
    sub = db.session.get(Submission, submission_id)
    sub.status, sub.status_detail = status, detail
    db.session.commit()
    return status


def recheck(submission_id: int, admin_id: int) -> None:
    """Send a submission whose check failed back through verification."""
    claimed = db.session.execute(
        update(Submission).where(Submission.id == submission_id,
                                 Submission.status.in_((NOT_FOUND, NOT_YOURS, CHECK_FAILED)))
        .values(status=CHECKING, verify_attempts=0, status_detail=None))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is not waiting for a re-check.")
    audit.record(admin_id, "recheck", "submission", submission_id)
    db.session.commit()
    queue_verification(submission_id)


def approve(submission_id: int, admin_id: int) -> Submission:
    """Approve once (a double click or a second admin gets ReviewError) and lock today's rate."""
    now = utcnow()
    claimed = db.session.execute(
        update(Submission).where(Submission.id == submission_id,
                                 Submission.status == PENDING_REVIEW)
        .values(status=APPROVED, reviewed_by_id=admin_id, reviewed_at=now,
                rate=earnings.current_rate(now), next_refresh_at=now))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is no longer waiting for review.")
    audit.record(admin_id, "approve", "submission", submission_id)
    db.session.commit()
    snap = tracking.latest_snapshot(submission_id)
    if snap is not None:
        earnings.credit_snapshot(submission_id, snap.id)
    return db.session.get(Submission, submission_id)


def reject(submission_id: int, admin_id: int, reason: str) -> Submission:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("A rejection needs a reason the creator can read.")
    claimed = db.session.execute(
        update(Submission).where(Submission.id == submission_id,
                                 Submission.status.in_(REVIEWABLE))
        .values(status=REJECTED, reviewed_by_id=admin_id, reviewed_at=utcnow(),
                reject_reason=reason[:1000], next_refresh_at=None))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise ReviewError("This submission is no longer waiting for review.")
    audit.record(admin_id, "reject", "submission", submission_id, reason=reason)
    db.session.commit()
    return db.session.get(Submission, submission_id)


def for_creator(creator_id: int) -> list[Submission]:
    return list(db.session.scalars(
        select(Submission).where(Submission.creator_id == creator_id)
        .order_by(Submission.id.desc())))


def get_for_creator(creator_id: int, submission_id: int) -> Submission | None:
    """Another creator's submission is simply not found (the route answers 404)."""
    return db.session.scalar(select(Submission).where(
        Submission.id == submission_id, Submission.creator_id == creator_id))


def review_queue(page: int = 1, per_page: int = 50) -> Pagination:
    query = (select(Submission).where(Submission.status.in_(REVIEWABLE))
             .order_by(Submission.created_at))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def creator_version(creator_id: int) -> str:
    """Changes whenever anything on the creator's dashboard would change (an ETag)."""
    count, last_update = db.session.execute(
        select(func.count(Submission.id), func.max(Submission.updated_at))
        .where(Submission.creator_id == creator_id)).one()
    entries, last_entry = earnings.ledger_version(creator_id)
    return f"{count}-{last_update}-{entries}-{last_entry}"
