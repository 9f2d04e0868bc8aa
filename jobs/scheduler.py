"""`python -m jobs.scheduler`: exactly one per deployment; queues the periodic jobs.

Periodic work must survive a backlog, a Redis restart or a lost job record, so:
- the periodic jobs wait in their own queue (`<RQ_QUEUE>-periodic`), which workers take first;
- their job records carry no expiry (`result_ttl=-1`, and any stray expiry is removed);
- every scheduler tick re-registers a periodic job that Redis no longer holds.

rq-scheduler's lock can expire, so the database (next_refresh_at, unique job ids, the ledger's
idempotency keys) remains the final guard against doing work twice.

The scheduler outlives Redis blips: `run` waits them out with capped exponential backoff and
jitter instead of exiting, and every tick is recorded (SCHEDULER_TICK_KEY) for /healthz.
"""
import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from rq.job import Job
from rq_scheduler import Scheduler

from jobs.context import get_app
from jobs.thumbnails import TIMEOUT_SECONDS
from webapp.operations import (LEDGER_VERIFY, PERIODIC, SCHEDULER_TICK_KEY, THUMBNAILS,
                               periodic_queue_name)
from webapp.outages import INFRA_ERRORS, backoff_seconds

__all__ = ["LEDGER_VERIFY", "PERIODIC", "THUMBNAILS", "Periodic", "PeriodicScheduler",
           "make_scheduler", "periodic_queue_name", "register", "register_ledger_verify",
           "register_thumbnails"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """One periodic job, as the scheduler re-creates it whenever Redis lost it."""

    job_id: str
    func: str
    interval: int
    queue_name: str  # the periodic queue the job waits in
    timeout: int


class PeriodicScheduler(Scheduler):
    """rq-scheduler that restores missing periodic jobs on every tick.

    rq-scheduler drops a job for good once its record is gone (expired, flushed, Redis
    restarted); `enqueue_jobs` is what each tick of `run()` calls, so checking there first
    means the scan can stop for at most one tick.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.periodic: dict[str, Periodic] = {}
        self._outages = 0  # consecutive failed attempts, for the backoff
        self._stopping = False

    def add_periodic(self, spec: Periodic) -> None:
        self.periodic[spec.job_id] = spec
        _ensure(self, spec, check_spec=True)

    def enqueue_jobs(self):
        for spec in self.periodic.values():
            _ensure(self, spec)
        jobs = super().enqueue_jobs()
        self.connection.hset(SCHEDULER_TICK_KEY, mapping={"at": time.time(),
                                                          "interval": self._interval})
        self._outages = 0
        return jobs

    def run(self, burst=False):
        """rq-scheduler's loop, resumed after Redis comes back instead of exiting."""
        while True:
            try:
                if self._outages:
                    self._forget_registration()  # raises while Redis is still away
                return super().run(burst=burst)
            except INFRA_ERRORS as exc:
                if self._stopping:
                    raise SystemExit() from exc
                delay = backoff_seconds(self._outages)
                self._outages += 1
                log.warning("scheduler: Redis failed (%s: %s); trying again in %.1f s",
                            type(exc).__name__, exc, delay)
                time.sleep(delay)

    def _forget_registration(self) -> None:
        """Mark the previous run dead, so that registering again is allowed."""
        self.remove_lock()
        self.register_death()

    def _install_signal_handlers(self):
        """Stop on SIGTERM/SIGINT even while Redis is away (rq-scheduler's handler would raise
        a ConnectionError instead of exiting then)."""
        def stop(signum, frame):
            self._stopping = True
            log.info("Shutting down the scheduler")
            try:
                self.register_death()
                self.remove_lock()
            except INFRA_ERRORS:
                pass  # the scheduler key and the lock expire on their own
            raise SystemExit()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

    def enqueue_job(self, job):
        """Queue a due job, except a periodic job still waiting from last time: only reschedule."""
        interval = job.meta.get("interval")
        if interval and self.get_queue_for_job(job).get_job_position(job.id) is not None:
            self.connection.zadd(self.scheduled_jobs_key, {job.id: time.time() + int(interval)})
            return
        super().enqueue_job(job)


def register(scheduler: Scheduler, interval_seconds: int, queue_name: str) -> None:
    """(Re)register the periodic refresh scan; idempotent across restarts."""
    _register(scheduler, Periodic(PERIODIC, "jobs.refresh.enqueue_due", interval_seconds,
                                  periodic_queue_name(queue_name), timeout=300))


def register_ledger_verify(scheduler: Scheduler, interval_seconds: int, queue_name: str) -> None:
    """(Re)register the daily `ledger verify`; its result feeds the admin dashboard alert."""
    _register(scheduler, Periodic(LEDGER_VERIFY, "jobs.ledger.verify", interval_seconds,
                                  periodic_queue_name(queue_name), timeout=1800))


def register_thumbnails(scheduler: Scheduler, interval_seconds: int, queue_name: str) -> None:
    """(Re)register the cover backfill: a cover that failed once is tried again (a few times)."""
    _register(scheduler, Periodic(THUMBNAILS, "jobs.thumbnails.backfill", interval_seconds,
                                  periodic_queue_name(queue_name), timeout=TIMEOUT_SECONDS))


def make_scheduler(app) -> PeriodicScheduler:
    """The scheduler `main` runs, with every periodic job registered."""
    from webapp.extensions import jobqueue

    with app.app_context():
        queue_name = app.config["RQ_QUEUE"]
        scheduler = PeriodicScheduler(queue_name=periodic_queue_name(queue_name),
                                      connection=jobqueue.connection,
                                      interval=min(60, app.config["REFRESH_SCAN_SECONDS"]))
        register(scheduler, app.config["REFRESH_SCAN_SECONDS"], queue_name)
        register_ledger_verify(scheduler, app.config["LEDGER_VERIFY_SECONDS"], queue_name)
        register_thumbnails(scheduler, app.config["THUMBNAIL_BACKFILL_SECONDS"], queue_name)
    return scheduler


def _register(scheduler: Scheduler, spec: Periodic) -> None:
    if isinstance(scheduler, PeriodicScheduler):
        scheduler.add_periodic(spec)  # also restored on every tick
    else:
        _ensure(scheduler, spec, check_spec=True)


def _ensure(scheduler: Scheduler, spec: Periodic, check_spec: bool = False) -> None:
    """Schedule `spec` now unless Redis already holds it (as registered, if `check_spec`)."""
    connection = scheduler.connection
    key = Job.key_for(spec.job_id)
    held = spec.job_id in scheduler and connection.exists(key)
    if not held or (check_spec and not _matches(Job.fetch(spec.job_id, connection), spec)):
        scheduler.schedule(
            scheduled_time=datetime.now(timezone.utc), func=spec.func,
            interval=spec.interval, repeat=None, id=spec.job_id, queue_name=spec.queue_name,
            timeout=spec.timeout, result_ttl=-1,
        )
    # A saved job keeps an expiry set earlier (a failure's failure_ttl, an older
    # result_ttl): a periodic job's record must never expire while it waits.
    connection.persist(key)


def _matches(job: Job, spec: Periodic) -> bool:
    return (job.func_name, job.meta.get("interval"), job.meta.get("repeat"), job.origin,
            job.timeout, job.result_ttl) == (spec.func, spec.interval, None, spec.queue_name,
                                             spec.timeout, -1)


def main() -> None:
    make_scheduler(get_app()).run()


if __name__ == "__main__":
    main()
