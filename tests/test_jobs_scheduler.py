"""The scheduler process registers the periodic scan once, and what it queues really runs.

The periodic jobs survive what made refreshing silently stop: a lost or expired job record, a
Redis restart, and a backlog of refreshes in the main queue.
"""
from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from jobs.scheduler import (LEDGER_VERIFY, PERIODIC, THUMBNAILS, make_scheduler, periodic_queue_name,
                            register)
from jobs.worker import make_worker
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


def _periodic_queue(app) -> Queue:
    return Queue(periodic_queue_name(app.config["RQ_QUEUE"]), connection=jobqueue.connection)


@pytest.mark.parametrize("lose", [
    pytest.param(lambda conn: conn.delete(Job.key_for(PERIODIC)), id="job-record-expired"),
    pytest.param(lambda conn: conn.delete(Scheduler.scheduled_jobs_key), id="schedule-lost"),
    pytest.param(lambda conn: conn.flushdb(), id="redis-restarted-empty"),
])
def test_a_periodic_job_redis_lost_is_back_on_the_next_tick(app, lose):
    with app.app_context():
        scheduler = make_scheduler(app)
        scheduler.enqueue_jobs()
    run_worker(app)  # the scan and the verify run once...
    with app.app_context():
        conn = jobqueue.connection
        for job_id in (PERIODIC, LEDGER_VERIFY):  # ...and their records never expire
            assert conn.ttl(Job.key_for(job_id)) == -1
        lose(conn)
        scheduler.enqueue_jobs()  # one tick, the scheduler still running
        assert PERIODIC in scheduler and LEDGER_VERIFY in scheduler
        assert PERIODIC in _periodic_queue(app).job_ids  # due at once: it was missed
    run_worker(app)
    with app.app_context():
        assert Job.fetch(PERIODIC, jobqueue.connection).get_status() == JobStatus.FINISHED


def test_a_stray_expiry_on_a_periodic_record_is_removed_by_the_next_tick(ctx):
    scheduler = make_scheduler(ctx)
    jobqueue.connection.expire(Job.key_for(PERIODIC), 5)  # e.g. left by a failure's failure_ttl
    scheduler.enqueue_jobs()
    assert jobqueue.connection.ttl(Job.key_for(PERIODIC)) == -1


def test_a_backlog_of_refreshes_never_delays_the_scan(app):
    with app.app_context():
        for n in range(50):
            jobqueue.enqueue("jobs.refresh.refresh_submission", n, job_id=f"refresh-{n}")
        make_scheduler(app).enqueue_jobs()  # the scan (and the verify) fall due behind them
        # A real worker that may take two jobs takes the two periodic ones, not refreshes.
        make_worker(app).work(burst=True, max_jobs=2, with_scheduler=False)
        for job_id in (PERIODIC, LEDGER_VERIFY):
            assert Job.fetch(job_id, jobqueue.connection).get_status() == JobStatus.FINISHED
        assert jobqueue.queue.count == 50


def test_ticks_of_two_schedulers_never_queue_a_periodic_job_twice(ctx):
    first, restarted = make_scheduler(ctx), make_scheduler(ctx)
    for scheduler in (first, restarted, first):
        scheduler.enqueue_jobs()
    # Due again while the last run still waits behind a busy worker: it is not queued again.
    jobqueue.connection.zadd(Scheduler.scheduled_jobs_key, {PERIODIC: 0})
    for scheduler in (restarted, first, restarted):
        scheduler.enqueue_jobs()
    assert _periodic_queue(ctx).job_ids.count(PERIODIC) == 1
    assert _periodic_queue(ctx).job_ids.count(LEDGER_VERIFY) == 1
    scheduled = [(job.id, at) for job, at in first.get_jobs(with_times=True)]
    assert sorted(job_id for job_id, _ in scheduled) == [LEDGER_VERIFY, PERIODIC, THUMBNAILS]
    assert all(at > datetime.now(timezone.utc).replace(tzinfo=None) for _, at in scheduled)


def test_every_tick_records_the_heartbeat_that_healthz_reads(ctx):
    from webapp.operations import SCHEDULER_TICK_KEY, scheduler_tick

    assert scheduler_tick()["stale"] is True  # never ticked
    make_scheduler(ctx).enqueue_jobs()
    tick = scheduler_tick()
    assert tick["stale"] is False and tick["age_seconds"] < 5
    assert tick["interval_seconds"] == min(60, ctx.config["REFRESH_SCAN_SECONDS"])
    jobqueue.connection.hset(SCHEDULER_TICK_KEY, "at", 0)  # three ticks ago and more
    assert scheduler_tick()["stale"] is True
