"""What operators see of the background work, and what they may do to failed jobs.

Read from Redis (RQ's queues, failed jobs and workers, rq-scheduler's periodic jobs, the
scheduler's tick) and the database (leases that hold videos back). Retrying or dropping a failed
job is audited. `/admin/operations` and `flask jobs status` show the same `status()`.
"""
import time
from datetime import datetime, timedelta, timezone

from flask import current_app
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from webapp.audit import services as audit
from webapp.extensions import db, jobqueue
from webapp.tracking import scheduling
from webapp.tracking.refresh import LAST_SUCCESS_KEY

PERIODIC = "viewpay-periodic-refresh-due"
LEDGER_VERIFY = "viewpay-periodic-ledger-verify"
THUMBNAILS = "viewpay-periodic-thumbnails"
PERIODIC_JOBS = (PERIODIC, LEDGER_VERIFY, THUMBNAILS)
SCHEDULER_TICK_KEY = "viewpay:scheduler:tick"  # hash: at (unix time), interval (seconds)
STALE_TICKS = 3  # the scheduler counts as stopped after this many missed ticks
_EPOCH = datetime.fromtimestamp(0, timezone.utc)
_LIVE = {s.value for s in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED,
                           JobStatus.DEFERRED)}


def periodic_queue_name(queue_name: str) -> str:
    """The queue periodic jobs wait in; workers listen to it before `queue_name`."""
    return f"{queue_name}-periodic"


def queues() -> list[Queue]:
    main = current_app.config["RQ_QUEUE"]
    return [Queue(name, connection=jobqueue.connection)
            for name in (periodic_queue_name(main), main)]


def queue_depths() -> dict[str, int]:
    return {queue.name: queue.count for queue in queues()}


def scheduler_tick() -> dict:
    """When the scheduler last ran a tick, and whether that is too long ago."""
    raw = {k.decode(): float(v) for k, v in jobqueue.connection.hgetall(SCHEDULER_TICK_KEY).items()}
    interval = int(raw.get("interval") or min(60, current_app.config["REFRESH_SCAN_SECONDS"]))
    age = time.time() - raw["at"] if "at" in raw else None
    return {"last_tick": _iso(raw.get("at")), "age_seconds": _round(age),
            "interval_seconds": interval, "stale": age is None or age > STALE_TICKS * interval}


def last_fetches() -> dict[str, dict]:
    """Per source, when a refresh last got a count from it."""
    now = time.time()
    return {k.decode(): {"last_success": _iso(float(v)), "age_seconds": _round(now - float(v))}
            for k, v in sorted(jobqueue.connection.hgetall(LAST_SUCCESS_KEY).items())}


def status(failed_limit: int = 20) -> dict:
    """Everything the Operations page and `jobs status` show (plain JSON values)."""
    return {"queues": _queues_detail(), "failed": failed_jobs(failed_limit),
            "workers": workers(), "scheduler": scheduler_tick(), "periodic": periodic_jobs(),
            "leases": leases(), "fetches": last_fetches()}


def _queues_detail() -> list[dict]:
    # cleanup=False: cleaning the started registry here would fail abandoned jobs without the
    # worker's handler that releases their leases (jobs.worker); workers clean it themselves.
    return [{"name": q.name, "queued": q.count,
             "started": q.started_job_registry.get_job_count(cleanup=False),
             "scheduled": q.scheduled_job_registry.get_job_count(cleanup=False),
             "failed": q.failed_job_registry.get_job_count(cleanup=False)} for q in queues()]


def failed_jobs(limit: int = 20) -> dict:
    """How many jobs failed for good (kept 7 days, periodic ones a year) and the newest few."""
    found, count = [], 0
    for queue in queues():
        registry = queue.failed_job_registry
        count += registry.get_job_count(cleanup=False)
        ids = registry.get_job_ids(0, 4 * limit - 1, desc=True, cleanup=False)
        found += [job for job in Job.fetch_many(ids, jobqueue.connection) if job is not None]
    found.sort(key=lambda job: _aware(job.ended_at) or _EPOCH, reverse=True)
    return {"count": count, "latest": [describe(job) for job in found[:limit]]}


def describe(job: Job) -> dict:
    try:
        func, args = job.func_name, repr(job.args)
    except Exception:  # a job whose payload cannot be read is still listed, and can be dropped
        func, args = "?", "?"
    result = job.latest_result()
    exc = (result.exc_string or "").strip() if result is not None else ""
    return {"id": job.id, "queue": job.origin, "func": func, "args": args[:200],
            "status": _plain(job.get_status(refresh=False)), "failed_at": _iso(job.ended_at),
            "exc": exc.splitlines()[-1][:300] if exc else ""}


def workers() -> list[dict]:
    now = datetime.now(timezone.utc)
    found = []
    for worker in Worker.all(connection=jobqueue.connection):
        beat = _aware(worker.last_heartbeat)
        age = (now - beat).total_seconds() if beat else None
        found.append({"name": worker.name, "state": _plain(worker.get_state()),
                      "queues": worker.queue_names(), "current_job": worker.get_current_job_id(),
                      "last_heartbeat": _iso(beat), "age_seconds": _round(age),
                      "alive": age is not None and age < worker.worker_ttl + 60})
    return sorted(found, key=lambda w: w["name"])


def periodic_jobs() -> list[dict]:
    """The periodic jobs rq-scheduler holds, and when each runs next (missing: not registered)."""
    held = {job.id: (job, at) for job, at in
            Scheduler(connection=jobqueue.connection).get_jobs(with_times=True)
            if job.id in PERIODIC_JOBS}
    found = []
    for job_id in PERIODIC_JOBS:
        job, at = held.get(job_id, (None, None))
        found.append({"id": job_id, "registered": job is not None,
                      "func": job.func_name if job else None,
                      "interval_seconds": job.meta.get("interval") if job else None,
                      "next_run": _iso(at), "status": _plain(job.get_status()) if job else None})
    return found


def leases(limit: int = 20) -> dict:
    """Videos held back: leased for a job that is gone or failed, or due long ago."""
    holders = scheduling.lease_holders()
    job_ids = sorted(set(holders.values()))
    jobs = dict(zip(job_ids, Job.fetch_many(job_ids, jobqueue.connection)))
    state = {job_id: _plain(job.get_status(refresh=False)) if job else "gone"
             for job_id, job in jobs.items()}
    orphans = [sub_id for sub_id, job_id in holders.items() if state[job_id] not in _LIVE]
    without_job = [dict(_video(sub), job_id=holders[sub.id], job_status=state[holders[sub.id]])
                   for sub in scheduling.still_leased(orphans)[:limit]]
    grace = timedelta(seconds=2 * current_app.config["REFRESH_SCAN_SECONDS"])
    count, oldest = scheduling.overdue(grace, limit)
    db.session.rollback()
    return {"without_job": without_job, "overdue_count": count,
            "overdue_after_seconds": int(grace.total_seconds()),
            "overdue": [_video(sub) for sub in oldest]}


def _video(sub) -> dict:
    return {"submission_id": sub.id, "video_id": sub.video_id,
            "next_refresh_at": _iso(sub.next_refresh_at), "last_fetch_error": sub.last_fetch_error}


def retry_failed(job_ids: list[str] | None, actor_id: int | None,
                 via: str = "admin") -> list[str]:
    """Queue failed jobs again (all of them when job_ids is None); returns the ids queued."""
    done = []
    for job in _failed(job_ids):
        detail = _audit_detail(job)
        try:
            job.failed_job_registry.requeue(job)
        except InvalidJobOperation:
            continue  # retried or dropped meanwhile
        audit.record(actor_id, "job_retry", "job", job.id, via=via, **detail)
        done.append(job.id)
    db.session.commit()
    return done


def drop_failed(job_ids: list[str] | None, actor_id: int | None,
                via: str = "admin") -> list[str]:
    """Delete failed jobs (all of them when job_ids is None); a dropped refresh job's videos
    are due at once, so nothing waits for a job that will never run."""
    done = []
    for job in _failed(job_ids):
        detail, videos = _audit_detail(job), _videos_of(job)
        job.delete()
        audit.record(actor_id, "job_drop", "job", job.id, via=via, **detail)
        scheduling.release_leases(videos)
        done.append(job.id)
    db.session.commit()
    return done


def _failed(job_ids: list[str] | None) -> list[Job]:
    wanted = set(job_ids) if job_ids is not None else None
    found = []
    for queue in queues():
        ids = queue.failed_job_registry.get_job_ids(cleanup=False)
        ids = [i for i in ids if wanted is None or i in wanted]
        for job_id, job in zip(ids, Job.fetch_many(ids, jobqueue.connection)):
            if job is None:  # the record expired: only the registry entry is left
                queue.failed_job_registry.remove(job_id)
            else:
                found.append(job)
    return found


def _videos_of(job: Job) -> list[int]:
    try:
        return scheduling.submission_ids_of(job.func_name, job.args)
    except Exception:  # an unreadable payload holds no lease we could know of
        return []


def _audit_detail(job: Job) -> dict:
    info = describe(job)
    return {"func": info["func"], "args": info["args"], "queue": info["queue"],
            "error": info["exc"]}


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    return _aware(value).isoformat(timespec="seconds")


def _plain(status) -> str | None:
    """RQ's status enums as the plain words they stand for."""
    return getattr(status, "value", status)


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)
