"""Verify a new submission: does the video exist, is it the creator's, what are its first counts.

Sources, best first: the Display API when the creator is connected (TikTok itself confirms
ownership), the public page, then oEmbed. What counts as an answer:
- explicit "private" (10216/10222) or "gone" (10217/10221): concluded at once (not_found);
- ambiguous "not available" (10204, a blocked page) with oEmbed 400: maybe deleted, maybe us
  being blocked, so it is a failed attempt; only VERIFY_MAX_ATTEMPTS of them make not_found;
- TikTok failing: a failed attempt, check_failed after the last one;
- our own guard saying wait (rate budget, open breaker): retried later, no attempt used.
Each retry is a delayed job (exponential back-off with jitter, never before Retry-After).
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

from flask import current_app
from rq import Retry
from sqlalchemy import update

from webapp.auth import tokens
from webapp.auth.models import User
from webapp.extensions import db, jobqueue
from webapp.submissions import signals, thumbnails
from webapp.submissions.models import (CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS,
                                      PENDING_REVIEW, Submission)
from webapp.tiktok import errors as tt
from webapp.tiktok.client import Sources
from webapp.tiktok.limits import backoff_delay
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import utcnow

VERIFY_JOB = "jobs.submissions.verify_submission"
RETRY_BASE_SECONDS, RETRY_CAP_SECONDS = 60, 3600


class RetryLater(Exception):
    """Verification hit a temporary problem; a retry job is already scheduled `delay` s out."""

    def __init__(self, detail: str, delay: float = 0.0):
        super().__init__(detail)
        self.delay = delay


class Ambiguous(tt.TikTokError):
    """Not available on the page and oEmbed 400: deleted, private, or TikTok blocking us."""

    reason = "unavailable"


def _crash_retry() -> Retry:
    # TikTok trouble never raises out of the job (it schedules its own retry); this only
    # covers a crash of ours (database gone, a bug), so the video is not stuck in checking.
    return Retry(max=2, interval=[30, 300])


def queue_verification(submission_id: int) -> None:
    jobqueue.enqueue(VERIFY_JOB, submission_id, job_id=f"verify-{submission_id}", timeout=60,
                     retry=_crash_retry())


def _schedule(submission_id: int, delay: float, tag: str) -> None:
    jobqueue.queue.enqueue_in(timedelta(seconds=delay), VERIFY_JOB, submission_id,
                              job_id=f"verify-{submission_id}-{tag}", job_timeout=60,
                              result_ttl=0, failure_ttl=7 * 86400, retry=_crash_retry())


def verify(submission_id: int, max_attempts: int | None = None) -> str:
    """Check the video exists and belongs to its creator, and store its first counts."""
    max_attempts = max_attempts or current_app.config["VERIFY_MAX_ATTEMPTS"]
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.status != CHECKING:
        return sub.status if sub else "missing"
    video_id, creator_id = sub.video_id, sub.creator_id
    db.session.rollback()  # no transaction held open across the network call
    try:
        stats, confirmed = _fetch(video_id, creator_id)
    except (tt.NotFound, tt.Private) as exc:
        return _set_status(submission_id, NOT_FOUND, f"{exc.reason}: {exc.message}")
    except Ambiguous as exc:
        return _failed_attempt(submission_id, f"{exc.reason}: {exc.message}", max_attempts,
                               final=NOT_FOUND)
    except tt.Throttled as exc:
        return _defer(submission_id, f"{exc.reason}: {exc.message}", exc.retry_after or 60)
    except tt.TikTokError as exc:
        return _failed_attempt(submission_id, f"{exc.reason}: {exc.message}", max_attempts,
                               retry_after=getattr(exc, "retry_after", None))
    sub = db.session.get(Submission, submission_id)
    sub.author_handle_seen = stats.author_handle
    sub.author_id_seen = stats.author_id or sub.author_id_seen
    sub.caption = thumbnails.caption_of(stats.description) or sub.caption
    owned = True if confirmed else owned_by(sub.creator, stats)
    if owned is None:
        return _failed_attempt(submission_id, "TikTok did not say who posted it", max_attempts)
    status = PENDING_REVIEW if owned else NOT_YOURS
    if _set_status(submission_id, status, None if owned else f"posted by @{stats.author_handle}") \
            != status:
        return db.session.get(Submission, submission_id).status  # another run got there first
    if stats.views is not None:
        signals.verified.send(submission_id, stats=stats)  # tracking stores the first counts
    thumbnails.save(submission_id, stats.cover_url)  # after the counts: it is only decoration
    return status


def _fetch(video_id: str, creator_id: int) -> tuple[VideoStats, bool]:
    """(stats, True when TikTok's Display API itself confirmed the creator owns the video)."""
    sources = Sources()
    token = tokens.access_token(creator_id)
    if token:
        try:
            return sources.display.fetch(token, video_id), True
        except tt.AuthError as exc:
            tokens.token_rejected(creator_id, exc)
        except tt.TikTokError:
            pass  # not theirs / not public (the page tells which), or the API is down
    try:
        return sources.page.fetch(video_id), False
    except (tt.NotFound, tt.Private):
        raise
    except tt.TikTokError as page_error:
        # The page can be blocked or ambiguous; oEmbed still proves existence and owner.
        try:
            return sources.oembed.fetch(video_id), False
        except tt.NotFound as exc:  # 400: "deleted, private or invalid", not proof on its own
            raise Ambiguous(f"page {page_error.reason} ({page_error.message}); oEmbed "
                            f"{exc.message}") from exc


def owned_by(creator: User, stats: VideoStats) -> bool | None:
    # A verified TikTok user id survives handle changes; the handle is the fallback.
    if creator.tiktok_user_id and stats.author_id:
        return creator.tiktok_user_id == stats.author_id
    if stats.author_handle and creator.tiktok_handle:
        return stats.author_handle.lower() == creator.tiktok_handle.lower()
    if not creator.tiktok_user_id and not creator.tiktok_handle and (
            stats.author_id or stats.author_handle):
        return False  # lost their handle to its proven owner: nothing ties them to any video
    return None


def proves_owner(video_id: str, creator: User) -> bool:
    """Does TikTok name this proven creator as the video's author (its user id, or the Display
    API answering with the creator's own token)? Raises TikTokError only when TikTok did not
    answer (try later); a missing or private video proves nothing."""
    try:
        stats, confirmed = _fetch(video_id, creator.id)
    except (tt.NotFound, tt.Private, Ambiguous):
        return False
    return confirmed or bool(stats.author_id and stats.author_id == creator.tiktok_user_id)


def _failed_attempt(submission_id: int, detail: str, max_attempts: int, *,
                    final: str = CHECK_FAILED, retry_after: float | None = None) -> str:
    sub = db.session.get(Submission, submission_id)
    sub.verify_attempts += 1
    attempt = sub.verify_attempts
    if attempt >= max_attempts:
        return _set_status(submission_id, final, detail)
    sub.status_detail = detail[:1000]
    db.session.commit()
    delay = backoff_delay(attempt, base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS,
                          retry_after=retry_after)
    _schedule(submission_id, delay, f"try{attempt + 1}")
    raise RetryLater(detail, delay)


def _defer(submission_id: int, detail: str, wait: float):
    sub = db.session.get(Submission, submission_id)
    sub.status_detail = detail[:1000]
    db.session.commit()
    delay = max(wait, 1.0) * random.uniform(1.0, 1.2)  # jitter: deferred checks spread out
    _schedule(submission_id, delay, f"wait{int(time.time() * 1000)}")
    raise RetryLater(detail, delay)


def _set_status(submission_id: int, status: str, detail: str | None) -> str:
    """Leave CHECKING exactly once: an overlapping run (a crash retry, a duplicate scheduled
    retry) must not drag an approved or rejected video back. Returns the status now stored."""
    values = dict(status=status, status_detail=detail[:1000] if detail else None)
    if status == PENDING_REVIEW:
        values["verified_at"] = utcnow()  # auto-approval counts its hours from here
    moved = db.session.execute(
        update(Submission).where(Submission.id == submission_id, Submission.status == CHECKING)
        .values(**values))
    db.session.commit()
    return status if moved.rowcount == 1 else db.session.get(Submission, submission_id).status
