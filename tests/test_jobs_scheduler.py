"""The scheduler process registers the periodic scan once, and what it queues really runs."""
from datetime import datetime, timedelta, timezone

from rq_scheduler import Scheduler

from jobs.scheduler import PERIODIC, register
from tests import factories
from tests.conftest import run_worker
from webapp.extensions import db, jobqueue
from webapp.submissions.models import Submission


def test_periodic_refresh_scan_is_registered_once_with_the_configured_interval(ctx):
    scheduler = Scheduler(queue_name=ctx.config["RQ_QUEUE"], connection=jobqueue.connection)
    register(scheduler, 3600, ctx.config["RQ_QUEUE"])
    register(scheduler, 3600, ctx.config["RQ_QUEUE"])  # a restarted scheduler must not double it
    jobs = [job for job in scheduler.get_jobs() if job.id == PERIODIC]
    assert len(jobs) == 1
    assert jobs[0].meta["interval"] == 3600
    assert jobs[0].func_name == "jobs.refresh.enqueue_due"


def test_scheduled_scan_queues_due_refreshes_that_a_worker_runs(app, sandbox):
    with app.app_context():
        video = factories.approved_video(sandbox, views=100)
        sub_id, vid = video["sub_id"], video["vid"]
        jobqueue.connection.flushdb()  # drop the verification job: only the scan should run
        factories.set_views(sandbox, vid, 250)
        scheduler = Scheduler(queue_name=app.config["RQ_QUEUE"], connection=jobqueue.connection)
        register(scheduler, 3600, app.config["RQ_QUEUE"])
        scheduler.enqueue_jobs()  # what the scheduler loop does when the job is due
    run_worker(app)  # runs the scan, which queues the refresh...
    run_worker(app)  # ...which a worker then performs
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        assert sub.current_views == 250
        next_at = sub.next_refresh_at.replace(tzinfo=timezone.utc) if sub.next_refresh_at.tzinfo is None else sub.next_refresh_at
        assert next_at > datetime.now(timezone.utc) + timedelta(minutes=50)  # young video: hourly
