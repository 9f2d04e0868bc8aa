"""Submit a video, verify it against TikTok, and review it."""
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.submissions.errors import ReviewError, SubmissionError  # noqa: F401 (re-exported)
from webapp.submissions.models import (
    APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS, PENDING_REVIEW, REJECTED, REVIEWABLE,
    Submission)
from webapp.submissions.verification import (  # noqa: F401 (re-exported)
    VERIFY_JOB, RetryLater, owned_by, queue_verification, verify)
from webapp.tiktok import errors as tt
from webapp.tiktok.client import http_from_config
from webapp.tiktok.stats import ParsedUrl
from webapp.tiktok.urls import parse_url
from webapp.timeutil import utcnow
from webapp.tracking import services as tracking


def submit(creator_id: int, url_text: str) -> Submission:
    """Store a new submission in CHECKING and queue its verification; nothing is stored on error."""
    parsed = _parse(url_text)
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


def _parse(url_text: str) -> ParsedUrl:
    """The pasted link as a video; short links are resolved server-side, hop by hop."""
    try:
        parsed = parse_url(url_text)
    except tt.InvalidUrl as exc:
        raise SubmissionError(exc.message, code=exc.code) from exc
    if parsed.kind != "short_link":
        return parsed
    try:
        return http_from_config().resolve(parsed)
    except tt.UnsafeUrl as exc:
        # Where a redirect pointed (IP, other host, port...) is the short link's fault, not the
        # creator's paste: one message for all, except the codes that say something useful.
        code = exc.code if exc.code in ("too_many_redirects", "private_address") else "unsafe_url"
        raise SubmissionError(exc.message, code=code) from exc
    except tt.InvalidUrl as exc:  # it led to a profile or a bad id
        raise SubmissionError(exc.message, code=exc.code) from exc
    except tt.NotFound as exc:
        raise SubmissionError("This short link leads to no video.", code="short_not_found") from exc
    except tt.TikTokError as exc:
        raise SubmissionError("TikTok did not answer; try again in a minute.",
                              code="tiktok_down") from exc


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
    snap = tracking.latest_payable_snapshot(submission_id)
    if snap is not None:
        earnings.credit_snapshot(submission_id, snap.id)
    return db.session.get(Submission, submission_id)


def approve_many(submission_ids: list[int], admin_id: int) -> tuple[list[int], list[int]]:
    """Approve each one on its own (one bad id never blocks the rest); returns (approved, skipped).

    Only creators whose TikTok identity is proven (Display API or bio code) go through in bulk:
    a handle typed at sign-up proves nothing, so those submissions get a look one by one.
    """
    approved, skipped = [], []
    for submission_id in dict.fromkeys(submission_ids):  # a repeated id is approved once
        sub = db.session.get(Submission, submission_id)
        if sub is None or not sub.creator.tiktok_user_id:
            skipped.append(submission_id)
            continue
        try:
            approve(submission_id, admin_id)
        except ReviewError:
            skipped.append(submission_id)
        else:
            approved.append(submission_id)
    return approved, skipped


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
