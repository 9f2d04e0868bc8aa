"""Turning due videos into queued refresh jobs (the scheduler and `jobs refresh-due` share this).

Videos of a creator connected through Login Kit go in batch jobs of up to 20 (one Display API
call each); the others get one job each (one page fetch each). Queued videos are leased so the
next scan does not queue them again while their job waits; a job known dead releases its lease
(release_leases) instead of leaving its videos waiting it out. Which job holds which lease is
noted in Redis (LEASES_KEY) so that operators can see leases whose job is gone.

Refresh jobs are retried by RQ with backoff: a job fails only on our own Redis or database
failing (webapp.outages) or a bug, never on TikTok's answer, which is recorded per video.
"""
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
from webapp.tracking import services, signals

REFRESH_JOB = "jobs.refresh.refresh_submission"
BATCH_JOB = "jobs.refresh.refresh_batch"
TOKENS_JOB = "jobs.refresh.refresh_tokens"
LEASE_SECONDS = 15 * 60
LEASES_KEY = "viewpay:refresh:leases"  # hash: submission id -> id of the job holding its lease
# Rides out a database restart or a Redis blip; all retries fit inside the lease.
RETRY = (4, [10, 30, 90, 270])


def refresh_retry() -> Retry:
    return Retry(max=RETRY[0], interval=RETRY[1])


def enqueue_due_refreshes() -> int:
    """Queue refresh jobs for every due video; returns how many jobs were queued."""
    if current_app.config["AUTO_APPROVE_HOURS"] > 0:
        from webapp.submissions import services as submissions  # it imports tracking

        submissions.auto_approve_due()  # first: what it approves is due for a refresh now
    # A count a killed worker stored but never credited is credited now, not at the next
    # refresh of that video (one query; the credit itself is idempotent).
    signals.scan_started.send()
    due = services.due_refreshes()
    connected = connections.active_user_ids({creator_id for _, creator_id in due})
    services.lease([submission_id for submission_id, _ in due], LEASE_SECONDS)
    batches: dict[int, list[int]] = {}
    holders: dict[int, str] = {}
    queued = 0
    for submission_id, creator_id in due:
        if creator_id in connected:
            batches.setdefault(creator_id, []).append(submission_id)
            continue
        holders[submission_id] = job_id = f"refresh-{submission_id}"
        queued += jobqueue.enqueue(REFRESH_JOB, submission_id, job_id=job_id, timeout=120,
                                   retry=refresh_retry()) is not None
    for creator_id, ids in batches.items():
        for start in range(0, len(ids), MAX_QUERY_IDS):
            chunk = sorted(ids[start:start + MAX_QUERY_IDS])
            job_id = f"refresh-batch-{creator_id}-{chunk[0]}-{len(chunk)}"
            holders.update(dict.fromkeys(chunk, job_id))
            queued += jobqueue.enqueue(BATCH_JOB, chunk, job_id=job_id, timeout=300,
                                       retry=refresh_retry()) is not None
    if holders:
        jobqueue.connection.hset(LEASES_KEY, mapping=holders)
    enqueue_token_refresh()
    return queued


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
