"""Failed jobs never rot silently: `jobs status` (JSON) and the admin Operations page show the
failed-job registry, workers, the scheduler, the periodic jobs, stuck leases and queue depth;
failed jobs are retried or dropped from either, audited."""
import json
from datetime import timedelta

import pytest
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select, update

import webapp.admin.operations  # noqa: F401  until webapp/admin/__init__.py imports it
from jobs import context
from jobs.scheduler import LEDGER_VERIFY, PERIODIC, THUMBNAILS, make_scheduler
from jobs.worker import make_worker
from tests import factories
from tests.conftest import csrf_token, run_worker
from tests.outages import app_with, closed_database
from webapp.audit.models import AuditEvent
from webapp.auth.models import User
from webapp.extensions import db, jobqueue
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import scheduling


def failed_job(app, job_id, message="kaput"):
    with app.app_context():
        jobqueue.enqueue("tests.worker_jobs.boom", message, job_id=job_id)
    run_worker(app)


def status(runner) -> dict:
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return found


def fetch(app, job_id) -> Job:
    with app.app_context():
        return Job.fetch(job_id, connection=jobqueue.connection)


def test_status_lists_failed_jobs_queues_workers_scheduler_and_periodic_jobs(app, runner):
    failed_job(app, "broken")
    with app.app_context():
        for n in range(2):
            jobqueue.enqueue("tests.worker_jobs.mark", str(n), job_id=f"waiting-{n}")
    seen = status(runner)
    main = app.config["RQ_QUEUE"]
    assert [(q["name"], q["queued"], q["failed"]) for q in seen["queues"]] == [
        (main + "-periodic", 0, 0), (main, 2, 1)]
    assert seen["failed"]["count"] == 1
    job = seen["failed"]["latest"][0]
    assert (job["id"], job["func"], job["args"]) == ("broken", "tests.worker_jobs.boom",
                                                     "('kaput',)")
    assert job["exc"] == "RuntimeError: kaput" and job["failed_at"]
    assert seen["workers"] == [] and seen["scheduler"]["stale"] is True
    assert [(p["id"], p["registered"]) for p in seen["periodic"]] == [
        (PERIODIC, False), (LEDGER_VERIFY, False), (THUMBNAILS, False)]

    with app.app_context():
        make_scheduler(app).enqueue_jobs()  # one scheduler tick
        worker = make_worker(app)
        worker.register_birth()  # a worker, alive and idle
    seen = status(runner)
    assert seen["scheduler"]["stale"] is False
    periodic = {p["id"]: p for p in seen["periodic"]}
    assert periodic[PERIODIC]["registered"] and periodic[PERIODIC]["interval_seconds"] == 3600
    assert periodic[PERIODIC]["next_run"] is not None
    assert [(w["name"], w["alive"]) for w in seen["workers"]] == [(worker.name, True)]
    with app.app_context():
        worker.register_death()


def test_retry_and_drop_failed_jobs_from_the_command_line_are_audited(app, runner):
    failed_job(app, "first")
    failed_job(app, "second")
    assert runner.invoke(args=["jobs", "retry-failed"]).exit_code == 2  # ids or --all
    result = runner.invoke(args=["jobs", "retry-failed", "first"])
    assert result.exit_code == 0 and "retried 1 job(s)" in result.output
    assert fetch(app, "first").get_status() == JobStatus.QUEUED
    [retried] = events(app, "job_retry")
    assert (retried.subject_type, retried.subject_id, retried.actor_id) == ("job", "first", None)
    assert json.loads(retried.detail)["via"] == "cli"

    result = runner.invoke(args=["jobs", "drop-failed", "--all"])
    assert result.exit_code == 0 and "dropped 1 job(s)" in result.output
    with pytest.raises(NoSuchJobError):
        fetch(app, "second")
    assert [e.subject_id for e in events(app, "job_drop")] == ["second"]

    result = runner.invoke(args=["jobs", "retry-failed", "nope"])
    assert result.exit_code == 1 and "not in the failed registry: nope" in result.output


@pytest.fixture
def leased(app, sandbox):
    """An approved video whose refresh job is queued (and its lease taken)."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=10)
        jobqueue.connection.flushdb()
        assert scheduling.enqueue_due_refreshes() == 1
    return video["sub_id"]


def test_status_shows_a_lease_whose_job_is_gone_and_videos_due_long_ago(app, runner, leased):
    assert status(runner)["leases"]["without_job"] == []
    fetch(app, f"refresh-{leased}").delete()  # Redis lost the job; the lease still holds
    leases = status(runner)["leases"]
    assert [(v["submission_id"], v["job_status"]) for v in leases["without_job"]] == [
        (leased, "gone")]
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == leased)
                           .values(next_refresh_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
    leases = status(runner)["leases"]
    assert leases["without_job"] == [] and leases["overdue_count"] == 1
    assert leases["overdue"][0]["submission_id"] == leased


@pytest.fixture
def admin(act, app):
    """Logged in as the admin (created unless a video fixture already made one)."""
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.email == "admin@example.com")) is None:
            factories.admin()
    act.login("admin@example.com")
    return act


def post(act, url, **form):
    return act.client.post(url, data={**form, "csrf_token": csrf_token(act.client)})


def test_the_operations_page_shows_failed_jobs_and_refreshes_itself(app, admin):
    failed_job(app, "broken")
    page = admin.client.get("/admin/operations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tests.worker_jobs.boom" in html and "RuntimeError: kaput" in html
    assert 'id="failed-broken"' in html and "<html" in html
    fragment = admin.hx_get("/admin/operations")
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="operations"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_retry_and_drop_on_the_page_are_audited_and_a_dropped_refresh_frees_its_video(
        app, leased, admin):
    # The refresh fails for good while the database is down: its lease could not be freed.
    job = fetch(app, f"refresh-{leased}")
    with app.app_context():
        job.retries_left = 0  # its retries are spent
        job.save()
    context.set_app(app_with(app, SQLALCHEMY_DATABASE_URI=closed_database()))
    run_worker(app)
    context.set_app(app)
    assert fetch(app, job.id).get_status() == JobStatus.FAILED
    with app.app_context():
        due_in = aware(db.session.get(Submission, leased).next_refresh_at) - utcnow()
    assert due_in > timedelta(minutes=14)
    failed_job(app, "broken")

    response = post(admin, "/admin/operations/failed/retry", job_id="broken")
    assert response.status_code == 303 and response.location.endswith("/admin/operations")
    assert fetch(app, "broken").get_status() == JobStatus.QUEUED
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "admin@example.com"))
    assert [(e.subject_id, e.actor_id) for e in events(app, "job_retry")] == [("broken", admin_id)]

    assert post(admin, "/admin/operations/failed/drop", job_id=job.id).status_code == 303
    with pytest.raises(NoSuchJobError):
        fetch(app, job.id)
    assert [(e.subject_id, e.actor_id) for e in events(app, "job_drop")] == [(job.id, admin_id)]
    with app.app_context():
        due_in = aware(db.session.get(Submission, leased).next_refresh_at) - utcnow()
    assert abs(due_in) < timedelta(seconds=30)  # the next scan takes it


def test_operations_changes_need_a_csrf_token(app, admin):
    failed_job(app, "broken")
    response = admin.client.post("/admin/operations/failed/drop", data={"job_id": "broken"})
    assert response.status_code == 400
    assert fetch(app, "broken").get_status() == JobStatus.FAILED


@pytest.mark.parametrize("who, expected", [(None, 302), ("creator", 403)])
def test_only_admins_see_operations(app, act, who, expected):
    if who:
        with app.app_context():
            factories.creator()
        act.login("sari@example.com")
    assert act.client.get("/admin/operations").status_code == expected
    assert post(act, "/admin/operations/failed/retry", all="1").status_code == expected
