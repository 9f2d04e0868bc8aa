"""Our own Redis and database failing, through real parts (RQ workers, the sandbox over HTTP,
redis-server processes of the test's own): never a video's fault, retried by RQ, leases given
back when a job is known dead, and workers and the scheduler that outlive a Redis restart."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from rq import Queue, Worker
from rq.job import Job, JobStatus
from rq_scheduler import Scheduler

from jobs import context
from jobs.worker import make_worker, release_abandoned
from tests import factories
from tests.conftest import run_worker
from tests.outages import OwnRedis, app_with, closed_database, closed_redis
from webapp.extensions import db, jobqueue
from webapp.operations import PERIODIC, SCHEDULER_TICK_KEY
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import scheduling

ROOT = Path(__file__).resolve().parent.parent


def due_video(app, sandbox, views=100, later=250) -> int:
    """An approved video, due now, whose count on TikTok has grown; the queue empty."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=views)
        jobqueue.connection.flushdb()
    factories.set_views(sandbox, video["vid"], later)
    return video["sub_id"]


def state(app, sub_id) -> dict:
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        return {"views": sub.current_views, "failures": sub.refresh_failures,
                "error": sub.last_fetch_error, "due_in": (aware(sub.next_refresh_at) - utcnow())}


def queue_refreshes(app) -> int:
    with app.app_context():
        return scheduling.enqueue_due_refreshes()


def job(app, job_id) -> Job:
    with app.app_context():
        return Job.fetch(job_id, connection=jobqueue.connection)


def retry_now(app) -> None:
    """What the worker's scheduler does once a retry's interval is over, then the retry runs."""
    with app.app_context():
        registry = jobqueue.queue.scheduled_job_registry
        for job_id in registry.get_job_ids():
            jobqueue.connection.zadd(registry.key, {job_id: 1})
    make_worker(app).work(burst=True, with_scheduler=True)


@pytest.mark.parametrize("outage", [
    pytest.param(lambda: {"REDIS_URL": closed_redis()}, id="redis"),
    pytest.param(lambda: {"SQLALCHEMY_DATABASE_URI": closed_database()}, id="database"),
])
def test_an_outage_during_a_refresh_is_retried_and_is_not_the_videos_fault(app, sandbox, outage):
    sub_id = due_video(app, sandbox)
    assert queue_refreshes(app) == 1
    context.set_app(app_with(app, **outage()))  # what the job sees; RQ's own Redis still works
    run_worker(app)
    context.set_app(app)
    after = state(app, sub_id)
    assert (after["views"], after["failures"], after["error"]) == (100, 0, None)
    assert after["due_in"] > timedelta(minutes=14)  # still leased to the job's retry
    refresh = job(app, f"refresh-{sub_id}")
    assert refresh.get_status() == JobStatus.SCHEDULED
    assert refresh.retries_left == scheduling.RETRY[0] - 1

    retry_now(app)
    after = state(app, sub_id)
    assert (after["views"], after["failures"], after["error"]) == (250, 0, None)
    assert after["due_in"] > timedelta(minutes=50)  # the refresh set the real next time


def test_a_refresh_that_fails_for_good_gives_its_video_back_to_the_next_scan(
        app, sandbox, monkeypatch):
    monkeypatch.setattr(scheduling, "RETRY", (1, [0]))  # one immediate retry, then failed
    sub_id = due_video(app, sandbox)
    queue_refreshes(app)
    assert state(app, sub_id)["due_in"] > timedelta(minutes=14)  # leased
    context.set_app(app_with(app, REDIS_URL=closed_redis()))
    run_worker(app)
    context.set_app(app)
    assert job(app, f"refresh-{sub_id}").get_status() == JobStatus.FAILED
    after = state(app, sub_id)
    assert abs(after["due_in"]) < timedelta(seconds=30) and after["failures"] == 0
    assert queue_refreshes(app) == 1  # the next scan takes it at once
    run_worker(app)
    assert state(app, sub_id)["views"] == 250


def test_the_periodic_scan_waits_out_a_database_blip_instead_of_skipping_an_interval(
        app, sandbox):
    from jobs.refresh import enqueue_due

    sub_id = due_video(app, sandbox)
    context.set_app(app_with(app, SQLALCHEMY_DATABASE_URI=closed_database()))
    back = threading.Timer(1.0, context.set_app, [app])  # the database returns a second later
    back.start()
    try:
        assert enqueue_due() == 1
    finally:
        back.join()
    assert state(app, sub_id)["due_in"] > timedelta(minutes=14)  # leased to its refresh job


def horse_of(parent_pid: int) -> int | None:
    """The work horse: RQ forks it as a child that leads its own process group."""
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent_pid and int(fields[2]) == int(entry) and comm != "redis-server":
            return int(entry)
    return None


def wait_for(predicate, timeout=60.0, step=0.05):
    # Generous: the first wait includes a worker process starting (imports, connecting), which
    # took over 15 s on a slow machine running both CI legs at once.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def slow_tiktok(sandbox, ms=4000):
    requests.post(sandbox.base_url + "/_sandbox/knobs", json={"latency_ms": ms},
                  timeout=5).raise_for_status()


def test_a_killed_work_horse_gives_its_video_back_at_once(app, sandbox, monkeypatch):
    monkeypatch.setattr(scheduling, "refresh_retry", lambda: None)
    sub_id = due_video(app, sandbox)
    queue_refreshes(app)
    slow_tiktok(sandbox)  # the horse is busy fetching when it is killed

    def kill_the_horse():
        pid = wait_for(lambda: horse_of(os.getpid()))
        wait_for(lambda: job(app, f"refresh-{sub_id}").get_status() == JobStatus.STARTED)
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_horse)
    killer.start()
    run_worker(app)
    killer.join()
    assert job(app, f"refresh-{sub_id}").get_status() == JobStatus.FAILED
    after = state(app, sub_id)
    assert abs(after["due_in"]) < timedelta(seconds=30) and after["failures"] == 0


def process_env(app, redis_url: str, **extra) -> dict:
    """The environment of a real `python -m jobs.worker` / `jobs.scheduler` for this test."""
    config = app.config
    env = dict(os.environ, SECRET_KEY="test", REDIS_URL=redis_url,
               RATELIMIT_STORAGE_URI="memory://", DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
               TIKTOK_WEB_BASE=config["TIKTOK_WEB_BASE"], TIKTOK_API_BASE=config["TIKTOK_API_BASE"],
               TIKTOK_VM_BASE=config["TIKTOK_VM_BASE"], TIKTOK_VT_BASE=config["TIKTOK_VT_BASE"],
               INSTANCE_PATH=app.instance_path)  # never the checkout's instance/
    env.update(extra)
    return env


def redis_url_of(app) -> str:
    with app.app_context():
        kwargs = jobqueue.connection.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"


def start(module: str, env: dict, log_path) -> subprocess.Popen:
    log = open(log_path, "wb")
    return subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def test_a_dead_workers_job_gives_its_video_back_when_rq_finds_it_abandoned(
        app, sandbox, monkeypatch, tmp_path):
    monkeypatch.setattr(scheduling, "refresh_retry", lambda: None)
    sub_id = due_video(app, sandbox)
    queue_refreshes(app)
    slow_tiktok(sandbox)
    worker = start("jobs.worker", process_env(app, redis_url_of(app)), tmp_path / "worker.log")
    try:
        wait_for(lambda: job(app, f"refresh-{sub_id}").get_status() == JobStatus.STARTED)
        horse = wait_for(lambda: horse_of(worker.pid))
        os.kill(horse, signal.SIGKILL)  # the dyno is gone: worker and horse at once
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(5)
    finally:
        stop(worker)
    assert state(app, sub_id)["due_in"] > timedelta(minutes=14)  # nobody knows yet
    with app.app_context():
        # A live worker's maintenance, once the dead one's heartbeat has run out.
        jobqueue.queue.started_job_registry.cleanup(timestamp=time.time() + 3600,
                                                    exception_handlers=[release_abandoned])
    assert job(app, f"refresh-{sub_id}").get_status() == JobStatus.FAILED
    assert abs(state(app, sub_id)["due_in"]) < timedelta(seconds=30)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_worker_outlives_a_redis_restart_and_works_on(app, own_redis, tmp_path):
    worker = start("jobs.worker", process_env(app, own_redis.url), tmp_path / "worker.log")
    try:
        queue = Queue(app.config["RQ_QUEUE"], connection=own_redis.client())
        queue.enqueue("tests.worker_jobs.nap_then_mark", "first", 1.5, job_id="first")
        wait_for(lambda: Job.fetch("first", connection=own_redis.client()).get_status()
                 == JobStatus.STARTED)
        own_redis.stop()  # the job ends while Redis is away: the worker meets the outage
        time.sleep(3)
        assert worker.poll() is None
        own_redis.start()  # empty: the worker registers itself again
        queue = Queue(app.config["RQ_QUEUE"], connection=own_redis.client())
        queue.enqueue("tests.worker_jobs.mark", "second", job_id="second")
        wait_for(lambda: own_redis.client().get("second"), timeout=60)
        assert worker.poll() is None
        assert worker.pid in {w.pid for w in Worker.all(connection=own_redis.client())}
    finally:
        stop(worker)
    assert b"resuming in" in (tmp_path / "worker.log").read_bytes()


def test_the_scheduler_outlives_a_redis_restart_and_ticks_on(app, own_redis, tmp_path):
    env = process_env(app, own_redis.url, REFRESH_SCAN_SECONDS="1")  # a tick a second
    scheduler = start("jobs.scheduler", env, tmp_path / "scheduler.log")
    try:
        wait_for(lambda: own_redis.client().hget(SCHEDULER_TICK_KEY, "at"))
        own_redis.stop()
        time.sleep(2.5)
        assert scheduler.poll() is None
        own_redis.start()  # empty: the tick and the periodic jobs come back
        ticked = wait_for(lambda: own_redis.client().hget(SCHEDULER_TICK_KEY, "at"), timeout=60)
        assert time.time() - float(ticked) < 5
        assert own_redis.client().zscore(Scheduler.scheduled_jobs_key, PERIODIC) is not None
        assert scheduler.poll() is None
    finally:
        stop(scheduler)
    assert b"trying again in" in (tmp_path / "scheduler.log").read_bytes()
