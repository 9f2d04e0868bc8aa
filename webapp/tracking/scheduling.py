"""Turning due videos into queued refresh jobs (the scheduler, `jobs refresh-due` and an admin's
"refresh now" share this).

One statement selects and leases the due videos (lease_due): the partial index on
next_refresh_at of approved videos (migration 0008) finds the most overdue, the same UPDATE
moves them a lease into the future and RETURNs them, so two schedulers never take one video:
PostgreSQL's SKIP LOCKED hands each the rows the other has not locked, SQLite lets one writer
at a time. A job known dead releases its lease (release_leases) instead of leaving its videos
waiting it out; which job holds which lease is noted in Redis (LEASES_KEY) for operators.

Jobs carry up to REFRESH_BATCH_SIZE videos (webapp.tracking.batching): the videos of creators
connected through Login Kit in whole groups of 20 of one creator (one Display API call each,
topped up with that creator's videos due in the next minutes: ride_along), the others one page
fetch each. A job fetches concurrently and writes its results in a few transactions
(webapp.tracking.refresh). A scan stops queueing at REFRESH_MAX_QUEUED waiting jobs, so
leases never run out in a backlog (the next scan goes on).

Refresh jobs are retried by RQ with backoff: a job fails only on our own Redis or database
failing (webapp.outages) or a bug, never on TikTok's answer, which is recorded per video.
"""
from collections import Counter
from datetime import timedelta

import redis
from flask import current_app
from rq import Retry
from sqlalchemy import func, select, update

from webapp.auth import connections
from webapp.extensions import db, jobqueue
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.display import MAX_QUERY_IDS
from webapp.timeutil import utcnow
from webapp.tracking import signals
from webapp.tracking.batching import job_id_for, pack  # noqa: F401 (published here too)
from webapp.tracking.leasing import (  # noqa: F401 (published here too)
    BATCH_JOB, JOB_TIMEOUT, LEASE_SECONDS, LEASES_KEY, RETRY, enqueue_leased, lease,
    lease_statement)
from webapp.tracking.refresh_now import (  # noqa: F401 (published here)
    CoolingDown, NotTracked, cooldown_left, refresh_now)

REFRESH_JOB = "jobs.refresh.refresh_submission"  # jobs queued before batches (still run)
TOKENS_JOB = "jobs.refresh.refresh_tokens"
RIDE_ALONG_SECONDS = 300  # "due soon": well inside a lease (and leases are checked in Redis)


def refresh_retry() -> Retry:
    return Retry(max=RETRY[0], interval=RETRY[1])  # this module's RETRY (tests shorten it)


def enqueue_due_refreshes() -> int:
    """Queue refresh jobs for every due video; returns how many jobs were queued."""
    if current_app.config["AUTO_APPROVE_HOURS"] > 0:
        from webapp.submissions import services as submissions  # it imports tracking

        submissions.auto_approve_due()  # first: what it approves is due for a refresh now
    # A count a killed worker stored but never credited is credited now, not at the next
    # refresh of that video (one query; the credit itself is idempotent).
    signals.scan_started.send()
    config = current_app.config
    queued = 0
    while True:
        room = config["REFRESH_MAX_QUEUED"] - jobqueue.queue.count
        if room <= 0:
            break
        limit = min(config["REFRESH_TICK_LIMIT"], room * config["REFRESH_BATCH_SIZE"])
        leased = lease_due(limit)
        connected = connections.active_user_ids({creator_id for _, creator_id in leased})
        queued += enqueue_leased(leased + ride_along(leased, connected), connected=connected,
                                 retry=refresh_retry())
        if len(leased) < limit:
            break
    enqueue_token_refresh()
    return queued


def lease_due(limit: int, seconds: int = LEASE_SECONDS) -> list[tuple[int, int]]:
    """Lease up to `limit` due videos, most overdue first: (submission id, creator id).

    Queued videos are not due again until their job had time to run; the refresh then sets the
    real next time. A lost job only delays its videos by the lease."""
    now = utcnow()
    return lease(due_videos(now, limit), now + timedelta(seconds=seconds))


def due_videos(now, limit: int):
    """The select of due videos, most overdue first (the partial index ix_submissions_due)."""
    return (select(Submission.id)
            .where(Submission.status == APPROVED, Submission.next_refresh_at <= now)
            .order_by(Submission.next_refresh_at).limit(limit))


def ride_along(leased: list[tuple[int, int]], connected: set[int]) -> list[tuple[int, int]]:
    """Also lease the videos each connected creator has due next, to fill the last Display API
    call of theirs this round: a call costs TikTok's budget (600 a minute) the same for 1 id as
    for 20. Only videos due within RIDE_ALONG_SECONDS, not failing (their back-off stands) and
    not held by a waiting job."""
    counts = Counter(creator_id for _, creator_id in leased if creator_id in connected)
    room = {creator: -n % MAX_QUERY_IDS for creator, n in counts.items() if n % MAX_QUERY_IDS}
    if not room:
        return []
    now = utcnow()
    soon = (Submission.status == APPROVED, Submission.refresh_failures == 0,
            Submission.next_refresh_at > now,
            Submission.next_refresh_at <= now + timedelta(seconds=RIDE_ALONG_SECONDS))
    rank = func.row_number().over(partition_by=Submission.creator_id,
                                  order_by=Submission.next_refresh_at).label("rank")
    ranked = (select(Submission.id, Submission.creator_id, rank)
              .where(Submission.creator_id.in_(room), *soon).subquery())
    rows = db.session.execute(select(ranked.c.id, ranked.c.creator_id)
                              .where(ranked.c.rank <= MAX_QUERY_IDS)
                              .order_by(ranked.c.creator_id, ranked.c.rank)).all()
    held = jobqueue.connection.hmget(LEASES_KEY, [sub_id for sub_id, _ in rows]) if rows else []
    chosen = []
    for (sub_id, creator_id), holder in zip(rows, held):
        if holder is None and room[creator_id]:
            chosen.append(sub_id)
            room[creator_id] -= 1
    if not chosen:
        db.session.rollback()
        return []
    return lease(select(Submission.id).where(Submission.id.in_(chosen), *soon),
                 now + timedelta(seconds=LEASE_SECONDS))


def enqueue_token_refresh() -> None:
    """Refresh every token that would expire before the next scan (plus the safety margin)."""
    config = current_app.config
    within = config["TIKTOK_TOKEN_REFRESH_MARGIN_SECONDS"] + config["REFRESH_SCAN_SECONDS"]
    if connections.any_active():
        jobqueue.enqueue(TOKENS_JOB, within, job_id="refresh-tiktok-tokens", timeout=300,
                         retry=refresh_retry())


def submission_ids_of(func_name: str, args) -> list[int]:
    """The videos a refresh job was queued for (none for any other job)."""
    if func_name == REFRESH_JOB and args:
        return [int(args[0])]
    if func_name == BATCH_JOB and args:
        return [int(i) for i in args[0]]
    return []


def release_leases(submission_ids: list[int]) -> int:
    """Their job died: due now, so the next scan queues them again (returns how many).

    Only a lease is cut short: a later time that a refresh already set stays."""
    if not submission_ids:
        return 0
    now = utcnow()
    released = db.session.execute(
        update(Submission)
        .where(Submission.id.in_(submission_ids), Submission.status == APPROVED,
               Submission.next_refresh_at > now,
               Submission.next_refresh_at <= now + timedelta(seconds=LEASE_SECONDS))
        .values(next_refresh_at=now)).rowcount
    db.session.commit()
    forget_leases(submission_ids)
    return released


def forget_leases(submission_ids) -> None:
    """The job holding these leases is done with them (bookkeeping only: never fails a job)."""
    if not submission_ids:
        return
    try:
        jobqueue.connection.hdel(LEASES_KEY, *submission_ids)
    except redis.RedisError:
        current_app.logger.warning("could not forget the leases of %s", submission_ids)


def lease_holders() -> dict[int, str]:
    """Submission id -> the job that holds its lease, for leases not yet done with."""
    return {int(k): v.decode() for k, v in jobqueue.connection.hgetall(LEASES_KEY).items()}


def still_leased(submission_ids) -> list[Submission]:
    """Of these videos, the approved ones whose lease still holds them back."""
    if not submission_ids:
        return []
    now = utcnow()
    return list(db.session.scalars(select(Submission).where(
        Submission.id.in_(submission_ids), Submission.status == APPROVED,
        Submission.next_refresh_at > now,
        Submission.next_refresh_at <= now + timedelta(seconds=LEASE_SECONDS))))


def overdue(older_than: timedelta, limit: int = 20) -> tuple[int, list[Submission]]:
    """Approved videos due for longer than `older_than`: no scan has picked them up."""
    cutoff = utcnow() - older_than
    where = (Submission.status == APPROVED, Submission.next_refresh_at <= cutoff)
    count = db.session.scalar(select(func.count(Submission.id)).where(*where))
    oldest = list(db.session.scalars(select(Submission).where(*where)
                                     .order_by(Submission.next_refresh_at).limit(limit)))
    return count, oldest


