"""The RQ queue as a Flask extension: one Redis connection per app, jobs by dotted name."""
from flask import current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus

from webapp import redis_conn

_WAITING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


class JobQueue:
    def init_app(self, app):
        app.extensions["jobqueue"] = {"connection": None}

    @property
    def connection(self):
        state = current_app.extensions["jobqueue"]
        if state["connection"] is None:
            state["connection"] = redis_conn.connect(
                current_app.config["REDIS_URL"], current_app.instance_path)
        return state["connection"]

    @property
    def queue(self) -> Queue:
        return Queue(current_app.config["RQ_QUEUE"], connection=self.connection)

    def enqueue(self, func: str, *args, job_id: str, timeout: int = 120,
                retry: Retry | None = None, at_front: bool = False) -> Job | None:
        """Enqueue once per job_id: a job already waiting or running is left alone (None).
        at_front: ahead of the backlog (a mail someone waits for, behind thousands of
        refreshes, would come an hour late)."""
        try:
            return self.queue.enqueue_call(
                func, args=args, job_id=job_id, timeout=timeout, retry=retry,
                result_ttl=0, failure_ttl=7 * 86400, unique=True, at_front=at_front,
            )
        except DuplicateJobError:
            existing = Job.fetch(job_id, connection=self.connection)
            if existing.get_status(refresh=True) in _WAITING:
                return None
            # A finished or failed run keeps its id for a while; a new run replaces it.
            existing.delete()
            return self.enqueue(func, *args, job_id=job_id, timeout=timeout, retry=retry,
                                at_front=at_front)
