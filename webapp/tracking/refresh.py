"""Refresh runs: fetch counts through the source chain, store them, credit earnings.

A run fetches its videos concurrently (webapp.fetch_counts) and stores the answers as they
arrive, up to WRITE_GROUP videos per transaction: what the group's videos need to be judged is
read in a few queries (batch_context), their snapshots, flags, failures and next due times are
written together, and earnings books their credits in the same transaction (counts_stored), so
counts and money commit together or not at all. A worker killed mid-run has committed whole
groups only: the videos of the others are still leased, due again when the lease ends (or at
once, when RQ knows the job died), and a repeated run credits nothing twice (credit_seq and
each snapshot's unique key).

Each video's outcome is its own: one bad id, creator or answer never fails the rest of a
batch. If storing a group fails on one video (a bug, a racing flag), the group is stored again
one video at a time, each credited after its commit as a manual entry is (a credit that fails
there is left to the periodic scan, webapp.earnings.recovery), so that only that video fails.
A failed fetch writes no views and moves no money (services.record_failure). Our own Redis or
database failing is not the video's failure: it fails the job, which RQ retries
(webapp.tracking.scheduling.RETRY), and the video's failure count and backoff stay untouched.
"""
import logging
import time

import redis
from flask import current_app
from sqlalchemy import select

from webapp import fetch_counts
from webapp.extensions import db, jobqueue
from webapp.outages import INFRA_ERRORS
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.errors import Throttled, TikTokError
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import utcnow
from webapp.tracking import scheduling, services, signals
from webapp.tracking.batch_context import BatchContext
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import OK, ViewSnapshot

log = logging.getLogger(__name__)
LAST_SUCCESS_KEY = "viewpay:fetch:last-success"  # hash: source -> unix time of its last count
# Videos per transaction: enough to spread a commit's cost, few enough that a row lock is
# held briefly and a failure redoes little.
WRITE_GROUP = 20


def refresh_submission(submission_id: int) -> str:
    """Safe to run twice: a second run stores another snapshot but credits nothing new."""
    return refresh_many([submission_id]).get(submission_id, "skipped")


def refresh_many(submission_ids: list[int]) -> dict[int, str]:
    """Refresh a batch of videos; returns each one's outcome ("ok", "private", ...)."""
    rows = db.session.execute(
        select(Submission.id, Submission.video_id, Submission.creator_id)
        .where(Submission.id.in_(submission_ids), Submission.status == APPROVED)
        .order_by(Submission.id)).all()
    db.session.rollback()  # no transaction held open across the network calls
    outcomes: dict[int, str] = {}
    counted: set[str] = set()
    group: list[tuple[int, object]] = []
    for item in fetch_counts.iter_counts([tuple(r) for r in rows],
                                     concurrency=current_app.config["REFRESH_CONCURRENCY"]):
        group.append(item)
        if len(group) >= WRITE_GROUP:
            _store(group, outcomes, counted)
            group = []
    _store(group, outcomes, counted)
    scheduling.forget_leases(submission_ids)
    _note_success(counted)
    return outcomes


def _store(group: list, outcomes: dict[int, str], counted: set[str]) -> None:
    """Store one group's answers and their credits in one transaction."""
    if not group:
        return
    group.sort(key=lambda item: item[0])  # one lock order for every writer: no deadlocks
    ids = [submission_id for submission_id, _ in group]
    try:
        known = BatchContext.load(ids, utcnow())
        stored = {sub_id: _apply(sub_id, result, commit=False, known=known)
                  for sub_id, result in group}
        db.session.flush()  # the group's snapshots in one INSERT, its videos' updates
        pairs = [(sub_id, snap.id) for sub_id, (_, snap) in stored.items() if snap is not None]
        signals.counts_stored.send(pairs=pairs)  # earnings books the credits in this transaction
        db.session.commit()
    except INFRA_ERRORS:
        raise  # to RQ, which retries the job; the groups stored so far are safe to redo
    except Exception:
        db.session.rollback()
        log.warning("storing a group of %s videos failed; storing them one by one", len(group))
        stored = dict(_one_by_one(group))
    for sub_id, result in group:
        outcome = stored[sub_id][0]
        outcomes[sub_id] = outcome
        if isinstance(result, VideoStats) and outcome not in ("invalid_views", "error"):
            counted.add(result.source)


def _one_by_one(group: list):
    """Each video in its own transaction, credited after it commits (as a manual entry is)."""
    for sub_id, result in group:
        try:
            outcome, snap = _apply(sub_id, result, commit=True)
        except INFRA_ERRORS:
            raise
        except Exception:  # a bug on one video must not lose the others
            db.session.rollback()
            log.exception("applying the refresh of submission %s failed", sub_id)
            yield sub_id, ("error", None)
            continue
        if snap is not None:
            _credit(sub_id, snap.id)
        yield sub_id, (outcome, snap)


def _credit(submission_id: int, snapshot_id: int) -> None:
    """Earnings credits the stored count; if that fails, the scan credits it later."""
    try:
        signals.count_recorded.send(submission_id, snapshot_id=snapshot_id)
    except INFRA_ERRORS:
        raise
    except Exception:
        db.session.rollback()
        log.exception("crediting snapshot %s of submission %s failed", snapshot_id,
                      submission_id)


def _note_success(sources: set[str]) -> None:
    """When each source last gave us a count, for /healthz (bookkeeping: never fails a job)."""
    if not sources:
        return
    try:
        jobqueue.connection.hset(LAST_SUCCESS_KEY, mapping=dict.fromkeys(sources, time.time()))
    except redis.RedisError:
        log.warning("could not note the last successful fetch of %s", sorted(sources))


def _apply(submission_id: int, result, commit: bool,
           known: BatchContext | None = None) -> tuple[str, ViewSnapshot | None]:
    """(outcome, the stored count money may follow, or None)."""
    if isinstance(result, Throttled):
        services.postpone(submission_id, result.retry_after or 60,
                          f"{result.reason}: {result.message}", commit=commit, flush=False)
        return result.reason, None
    if isinstance(result, TikTokError):
        services.record_failure(submission_id, f"{result.reason}: {result.message}",
                                getattr(result, "retry_after", None), commit=commit,
                                flush=False)
        return result.reason, None
    stats: VideoStats = result
    try:
        if stats.views is None:
            raise InvalidViews("the source gave no view count", "missing")
        snap = services.record_snapshot(submission_id, stats, commit=commit, known=known)
    except InvalidViews as exc:  # refused before anything was written
        services.record_failure(submission_id, f"invalid_views: {exc}", commit=commit,
                                flush=False)
        return "invalid_views", None
    if not snap.exact:
        return "inexact", None  # stored and shown, never paid on (latest_payable_snapshot)
    return snap.state, snap if snap.state == OK else None
