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
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.expression import Update

from webapp import fetch_counts
from webapp.auth import tokens
from webapp.auth.models import User
from webapp.extensions import db, jobqueue
from webapp.submissions import signals, thumbnails
from webapp.submissions.models import (CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS,
                                      PENDING_REVIEW, Submission)
from webapp.tiktok import errors as tt
from webapp.tiktok.client import Sources, http_from_config
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
    return _store_answer(submission_id, stats, confirmed, max_attempts)


def _store_answer(submission_id: int, stats: VideoStats, confirmed: bool,
                  max_attempts: int) -> str:
    """What TikTok said about the video: whose it is, its status, then its first counts."""
    sub = db.session.get(Submission, submission_id)
    sub.author_handle_seen = stats.author_handle
    sub.author_id_seen = stats.author_id or sub.author_id_seen
    sub.caption = thumbnails.caption_of(stats.description) or sub.caption
    owned = True if confirmed else owned_by(sub.creator, stats)
    if owned is None:
        return _failed_attempt(submission_id, "TikTok did not say who posted it", max_attempts)
    status, detail = _decision(owned, stats)
    if _set_status(submission_id, status, detail) != status:
        return db.session.get(Submission, submission_id).status  # another run got there first
    _after_decision(submission_id, stats)
    return status


def _decision(owned: bool, stats: VideoStats) -> tuple[str, str | None]:
    return (PENDING_REVIEW, None) if owned else (NOT_YOURS, f"posted by @{stats.author_handle}")


def _after_decision(submission_id: int, stats: VideoStats) -> None:
    if stats.views is not None:
        signals.verified.send(submission_id, stats=stats)  # tracking stores the first counts
    thumbnails.save(submission_id, stats.cover_url)  # after the counts: only decoration


def verify_many(submission_ids: list[int], max_attempts: int | None = None) -> dict[int, str]:
    """Verify many at once; each one's status afterwards (CHECKING: a retry is scheduled).

    Their counts are fetched concurrently by the refresh path's fetcher (the Display API for
    connected creators, else the page; REFRESH_CONCURRENCY calls at once) and the answers'
    statuses written in one transaction; then each video's first counts and cover, as `verify`
    does. A video TikTok gave no plain answer for (not found, blocked, throttled: oEmbed,
    attempts and retries decide) goes through `verify` on its own.
    """
    max_attempts = max_attempts or current_app.config["VERIFY_MAX_ATTEMPTS"]
    rows = db.session.execute(
        select(Submission.id, Submission.status, Submission.video_id, Submission.creator_id)
        .where(Submission.id.in_(submission_ids)).order_by(Submission.id)).all()
    db.session.rollback()  # no transaction held open across the network calls
    outcomes = dict.fromkeys(submission_ids, "missing")
    outcomes.update({row.id: row.status for row in rows})
    checking = [(row.id, row.video_id, row.creator_id) for row in rows if row.status == CHECKING]
    answers = dict(fetch_counts.iter_counts(checking,
                                        concurrency=current_app.config["REFRESH_CONCURRENCY"]))
    found = {i: stats for i, stats in answers.items() if isinstance(stats, VideoStats)}
    outcomes.update(_store_found(found, max_attempts))
    for submission_id in answers.keys() - found.keys():
        try:
            outcomes[submission_id] = verify(submission_id, max_attempts)
        except RetryLater:
            outcomes[submission_id] = CHECKING
    return outcomes


def _store_found(found: dict[int, VideoStats], max_attempts: int) -> dict[int, str]:
    """The statuses of videos TikTok answered for, in one transaction (one statement per
    status); if another run moved one of them meanwhile, each is stored on its own."""
    subs = {sub.id: sub for sub in db.session.scalars(
        select(Submission).where(Submission.id.in_(found)).options(
            selectinload(Submission.creator)))}
    decided, undecided, now = {}, [], utcnow()
    for submission_id, stats in found.items():
        # The Display API answers only for the creator's own videos (their token).
        owned = True if stats.source == "display" else owned_by(subs[submission_id].creator,
                                                                stats)
        if owned is None:
            undecided.append(submission_id)
        else:
            decided[submission_id] = _decision(owned, stats)
    for status in (PENDING_REVIEW, NOT_YOURS):
        params = [{"b_id": i, "b_detail": detail,
                   "b_handle": found[i].author_handle, "b_author": found[i].author_id,
                   "b_caption": thumbnails.caption_of(found[i].description)}
                  for i, (st, detail) in decided.items() if st == status]
        if params and db.session.execute(_decided(status, now), params).rowcount != len(params):
            db.session.rollback()
            return {i: _alone(i, stats, max_attempts) for i, stats in found.items()}
    db.session.commit()
    counted = {i: found[i] for i in decided if found[i].views is not None}
    if counted:
        signals.verified_many.send(None, found=counted)  # tracking stores the first counts
    # After the counts: covers are only decoration.
    thumbnails.save_many({i: found[i].cover_url for i in decided}, http_from_config(),
                         current_app.config["REFRESH_CONCURRENCY"])
    outcomes = {submission_id: status for submission_id, (status, _) in decided.items()}
    for submission_id in undecided:
        outcomes[submission_id] = _alone(submission_id, found[submission_id], max_attempts,
                                         owner_unknown=True)
    return outcomes


def _alone(submission_id: int, stats: VideoStats, max_attempts: int,
           owner_unknown: bool = False) -> str:
    if db.session.get(Submission, submission_id).status != CHECKING:
        return db.session.get(Submission, submission_id).status
    try:
        if owner_unknown:
            return _failed_attempt(submission_id, "TikTok did not say who posted it",
                                   max_attempts)
        return _store_answer(submission_id, stats, stats.source == "display", max_attempts)
    except RetryLater:
        return CHECKING


def _decided(status: str, now) -> Update:
    """Leave CHECKING with what TikTok said, exactly once (as _set_status), for many videos."""
    table = Submission.__table__
    values = dict(status=status, status_detail=bindparam("b_detail"),
                  author_handle_seen=bindparam("b_handle"),
                  author_id_seen=func.coalesce(bindparam("b_author"), table.c.author_id_seen),
                  caption=func.coalesce(bindparam("b_caption"), table.c.caption))
    if status == PENDING_REVIEW:
        values["verified_at"] = now  # auto-approval counts its hours from here
    return (update(table).where(table.c.id == bindparam("b_id"),
                                table.c.status == CHECKING).values(**values))


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
