"""Refresh runs: fetch counts through the source chain, store them, credit earnings.

Each video's outcome is applied on its own: one bad id, creator or answer never fails the rest
of a batch. A failed fetch writes no views and moves no money (services.record_failure).
Our own Redis or database failing is not the video's failure: it fails the job, which RQ retries
(webapp.tracking.scheduling.RETRY), and the video's failure count and backoff stay untouched.
"""
import logging
import time

import redis
from sqlalchemy import select

from webapp.extensions import db, jobqueue
from webapp.outages import INFRA_ERRORS
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.errors import Throttled, TikTokError
from webapp.tiktok.stats import VideoStats
from webapp.tracking import fetching, scheduling, services, signals
from webapp.tracking.errors import InvalidViews

log = logging.getLogger(__name__)
LAST_SUCCESS_KEY = "viewpay:fetch:last-success"  # hash: source -> unix time of its last count


def refresh_submission(submission_id: int) -> str:
    """Safe to run twice: a second run stores another snapshot but credits nothing new."""
    return refresh_many([submission_id]).get(submission_id, "skipped")


def refresh_many(submission_ids: list[int]) -> dict[int, str]:
    """Refresh several videos (e.g. one creator's, so the Display API takes 20 per call)."""
    rows = db.session.execute(
        select(Submission.id, Submission.video_id, Submission.creator_id)
        .where(Submission.id.in_(submission_ids), Submission.status == APPROVED)).all()
    db.session.rollback()  # no transaction held open across the network calls
    results = fetching.fetch_counts([tuple(r) for r in rows])
    outcomes, counted = {}, set()
    for submission_id, result in results.items():
        try:
            outcomes[submission_id] = _apply(submission_id, result)
            if isinstance(result, VideoStats) and outcomes[submission_id] != "invalid_views":
                counted.add(result.source)
        except INFRA_ERRORS:
            raise  # to RQ, which retries the job; the videos done so far are safe to redo
        except Exception:  # a bug on one video must not lose the others
            db.session.rollback()
            log.exception("applying the refresh of submission %s failed", submission_id)
            outcomes[submission_id] = "error"
    scheduling.forget_leases(submission_ids)
    _note_success(counted)
    return outcomes


def _note_success(sources: set[str]) -> None:
    """When each source last gave us a count, for /healthz (bookkeeping: never fails a job)."""
    if not sources:
        return
    try:
        jobqueue.connection.hset(LAST_SUCCESS_KEY, mapping=dict.fromkeys(sources, time.time()))
    except redis.RedisError:
        log.warning("could not note the last successful fetch of %s", sorted(sources))


def _apply(submission_id: int, result) -> str:
    if isinstance(result, Throttled):
        services.postpone(submission_id, result.retry_after or 60,
                          f"{result.reason}: {result.message}")
        return result.reason
    if isinstance(result, TikTokError):
        services.record_failure(submission_id, f"{result.reason}: {result.message}",
                                getattr(result, "retry_after", None))
        return result.reason
    stats: VideoStats = result
    try:
        if stats.views is None:
            raise InvalidViews("the source gave no view count", "missing")
        snap = services.record_snapshot(submission_id, stats)
    except InvalidViews as exc:
        db.session.rollback()
        services.record_failure(submission_id, f"invalid_views: {exc}")
        return "invalid_views"
    if not snap.exact:
        return "inexact"  # stored and shown, never paid on (services.latest_payable_snapshot)
    signals.count_recorded.send(submission_id, snapshot_id=snap.id)  # earnings credits it
    return snap.state
