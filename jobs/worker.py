"""`python -m jobs.worker`: an RQ worker whose app is created once, before forking.

Each job runs in a forked work horse; the database engine's pooled connections belong to the
parent, so the horse drops them (without closing the parent's sockets) before touching the DB.
Forking is kept on purpose now that refreshes come in batches: a fork costs a few milliseconds
per job of up to REFRESH_BATCH_SIZE videos, not per video, and in exchange a job that hangs in
a TikTok call past its timeout, leaks memory or crashes in C is killed alone while the worker
lives on. The fetch threads of a batch start inside the horse, after the fork.

The worker outlives Redis and database blips. RQ's loop quits on most Redis errors, so each
step of it notes an outage passing through, and `work` then waits with capped exponential
backoff and jitter until Redis answers, and resumes (registering again: a restarted Redis may
have forgotten the worker). A refresh job that fails for good, or dies with its horse or its
worker, hands its videos back to the next scan at once instead of after the 15-minute lease.
"""
import sys
import time
from contextlib import contextmanager

from rq import Queue, Worker, worker_registration
from rq.exceptions import AbandonedJobError, StopRequested

from jobs.context import app_context, get_app
from webapp.outages import INFRA_ERRORS, backoff_seconds


class ViewPayWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._outage: BaseException | None = None
        self.push_exc_handler(release_abandoned)  # StartedJobRegistry cleanup calls it

    def work(self, burst: bool = False, **kwargs) -> bool:
        """RQ's loop, resumed after an outage instead of ending the process."""
        worked, attempt = False, 0
        while True:
            self._outage = None
            try:
                worked = super().work(burst=burst, **kwargs) or worked
            except INFRA_ERRORS as exc:  # from its start-up or teardown
                self._outage = exc
            if self._outage is None or self._stop_requested:
                return worked
            if not self._wait_for_redis(attempt):
                return worked
            attempt += 1

    def _wait_for_redis(self, attempt: int) -> bool:
        """Back off until Redis answers; False when asked to stop meanwhile."""
        while True:
            delay = backoff_seconds(attempt)
            self.log.warning("Worker %s: %s: %s; resuming in %.1f s", self.name,
                             type(self._outage).__name__, self._outage, delay)
            try:
                time.sleep(delay)
                if self._stop_requested:  # SIGTERM while a job was running
                    return False
                self.connection.ping()
                self.register_death()  # so that registering again is allowed
            except INFRA_ERRORS as exc:
                self._outage, attempt = exc, attempt + 1
                continue
            except StopRequested:  # SIGTERM while idle: RQ's handler raises it
                return False
            try:
                self.unsubscribe()
            except Exception:  # the old pubsub thread may be stuck on the dead connection
                self.log.debug("Worker %s: old pubsub not closed", self.name)
            return True

    @contextmanager
    def _noting_outage(self):
        try:
            yield
        except INFRA_ERRORS as exc:
            self._outage = exc
            raise
        self._outage = None

    def check_for_suspension(self, burst: bool):
        with self._noting_outage():
            return super().check_for_suspension(burst)

    def run_maintenance_tasks(self):
        with self._noting_outage():
            return super().run_maintenance_tasks()

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        with self._noting_outage():
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def execute_job(self, job, queue):
        with self._noting_outage():
            return super().execute_job(job, queue)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None or self.is_horse:
            return super().heartbeat(timeout, pipeline)
        with self._noting_outage():
            super().heartbeat(timeout)
            self._register_again_if_forgotten()

    def _register_again_if_forgotten(self) -> None:
        """After Redis restarted empty the worker is still working: make it visible again."""
        if self.birth_date is None or self.connection.sismember(
                worker_registration.REDIS_WORKER_KEYS, self.key):
            return
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="",
                           execution=None):
        dead = not job.should_retry or self._stopped_job_id == job.id
        super().handle_job_failure(job, queue, started_job_registry=started_job_registry,
                                   exc_string=exc_string, execution=execution)
        if dead:
            release_leases_of(job)

    def main_work_horse(self, *args, **kwargs):
        from webapp.extensions import db

        with get_app().app_context():
            db.engine.dispose(close=False)
        return super().main_work_horse(*args, **kwargs)


def release_abandoned(job, exc_type, exc_value, traceback):
    """Exception handler: a job whose worker vanished and that RQ will not retry."""
    if exc_type is AbandonedJobError and not job.should_retry:
        release_leases_of(job)
    return True  # the next handlers run too


def release_leases_of(job) -> None:
    """A refresh job is dead for good: its videos are due now (never raises)."""
    from webapp.tracking import scheduling

    try:
        ids = scheduling.submission_ids_of(job.func_name, job.args)
        if ids:
            with app_context():
                released = scheduling.release_leases(ids)
            job.log.info("Job %s: released the leases of %s video(s)", job.id, released)
    except Exception:  # the database may be down too: the lease then runs out on its own
        job.log.exception("Job %s: could not release its leases", job.id)


def make_worker(app) -> ViewPayWorker:
    """Listens to the periodic queue first, so no backlog of refreshes can starve the scan."""
    from webapp.extensions import jobqueue
    from webapp.operations import periodic_queue_name

    with app.app_context():
        main_queue = jobqueue.queue
        periodic = Queue(periodic_queue_name(main_queue.name), connection=jobqueue.connection)
        return ViewPayWorker([periodic, main_queue], connection=jobqueue.connection)


def main(argv: list[str]) -> None:
    app = get_app()
    worker = make_worker(app)
    # The scheduler thread inside the worker runs RQ's Retry intervals and enqueue_in.
    worker.work(with_scheduler=True, burst="--burst" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
