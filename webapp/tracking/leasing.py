"""Leases and the jobs that hold them: a leased video is moved a lease into the future (so no
scan takes it again) and queued in a batch job; which job holds which lease is noted in Redis.

Shared by the scan (webapp.tracking.scheduling) and an admin's "refresh now"
(webapp.tracking.refresh_now), which is why it is a module of its own: both import it, neither
imports the other.
"""
from flask import current_app
from rq import Retry
from sqlalchemy import update

from webapp.auth import connections
from webapp.extensions import db, jobqueue
from webapp.submissions.models import Submission
from webapp.tracking.batching import job_id_for, pack
from webapp.txn import begin_write

BATCH_JOB = "jobs.refresh.refresh_batch"
LEASE_SECONDS = 15 * 60
LEASES_KEY = "viewpay:refresh:leases"  # hash: submission id -> id of the job holding its lease
# Rides out a database restart or a Redis blip; all retries fit inside the lease.
RETRY = (4, [10, 30, 90, 270])
JOB_TIMEOUT = 300  # a batch at TikTok's slowest: 50 calls, 8 at a time, each at its deadline


def refresh_retry() -> Retry:
    return Retry(max=RETRY[0], interval=RETRY[1])


def lease(chosen, until, commit: bool = True) -> list[tuple[int, int]]:
    """Move the videos the `chosen` select names to `until`, in one statement; returns
    (submission id, creator id) of those it moved (a row another lease holds locked is left)."""
    dialect = db.session.get_bind().dialect.name
    if dialect != "postgresql":
        begin_write()  # SQLite: one writer; a second scheduler waits, then sees them leased
    rows = db.session.execute(lease_statement(chosen, until, dialect)).all()
    if commit:
        db.session.commit()
    return sorted((int(sub_id), int(creator_id)) for sub_id, creator_id in rows)


def lease_statement(chosen, until, dialect: str):
    """UPDATE ... RETURNING the chosen approved videos; on PostgreSQL the rows another
    scheduler has locked are skipped (SKIP LOCKED), never waited for or taken twice."""
    if dialect == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    return (update(Submission).where(Submission.id.in_(chosen))
            .values(next_refresh_at=until).returning(Submission.id, Submission.creator_id)
            .execution_options(synchronize_session=False))


_DEFAULT_RETRY = object()


def enqueue_leased(leased: list[tuple[int, int]], prefix: str = "refresh",
                   connected: set[int] | None = None, retry=_DEFAULT_RETRY) -> int:
    """Queue batch jobs for leased videos; returns how many jobs were queued. `retry`: RQ's
    retry for the jobs (None: none at all; left out: refresh_retry())."""
    if not leased:
        return 0
    if retry is _DEFAULT_RETRY:
        retry = refresh_retry()
    if connected is None:
        connected = connections.active_user_ids({creator_id for _, creator_id in leased})
    holders: dict[int, str] = {}
    queued = 0
    for ids in pack(leased, connected, current_app.config["REFRESH_BATCH_SIZE"]):
        job_id = job_id_for(ids, prefix)
        holders.update(dict.fromkeys(ids, job_id))
        queued += jobqueue.enqueue(BATCH_JOB, ids, job_id=job_id, timeout=JOB_TIMEOUT,
                                   retry=retry) is not None
    jobqueue.connection.hset(LEASES_KEY, mapping=holders)
    return queued
