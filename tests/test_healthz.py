"""/healthz: no login, no secrets, JSON; 503 when the database or Redis is down or the
scheduler stopped ticking; queue depth and each source's last successful fetch."""
import time

import pytest

from tests import factories
from tests.outages import OwnRedis, app_with, closed_database, closed_redis
from webapp.extensions import jobqueue
from webapp.health import bp as health_bp
from webapp.operations import SCHEDULER_TICK_KEY
from webapp.tracking.refresh import refresh_submission


def healthz(app):
    if "health" not in app.blueprints:  # until webapp/__init__.py registers it
        app.register_blueprint(health_bp)
    return app.test_client().get("/healthz")


def tick(app, seconds_ago=0.0, interval=60):
    with app.app_context():
        jobqueue.connection.hset(SCHEDULER_TICK_KEY,
                                 mapping={"at": time.time() - seconds_ago, "interval": interval})


def test_healthy_without_login_and_without_secrets(app):
    tick(app)
    with app.app_context():
        jobqueue.enqueue("tests.worker_jobs.mark", "x", job_id="waiting")
    response = healthz(app)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"ok", "database", "redis", "queues", "scheduler", "fetches"}
    assert body["ok"] and body["database"]["ok"] and body["redis"]["ok"]
    assert body["queues"] == {app.config["RQ_QUEUE"]: 1, app.config["RQ_QUEUE"] + "-periodic": 0}
    assert body["scheduler"]["stale"] is False and body["scheduler"]["age_seconds"] < 5
    text = response.get_data(as_text=True)
    for secret in (app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"], "redis://",
                   "password"):
        assert secret not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_reports_when_each_source_last_gave_a_count(app, sandbox):
    with app.app_context():
        video = factories.approved_video(sandbox, views=10)
        factories.set_views(sandbox, video["vid"], 20)
        assert refresh_submission(video["sub_id"]) == "ok"
    tick(app)
    fetches = healthz(app).get_json()["fetches"]
    assert list(fetches) == ["page"] and fetches["page"]["age_seconds"] < 30


@pytest.mark.parametrize("seconds_ago", [3 * 60 + 5, None])
def test_a_scheduler_that_stopped_ticking_is_unhealthy(app, seconds_ago):
    if seconds_ago is not None:  # three ticks of 60 s missed; None: it never ticked
        tick(app, seconds_ago)
    response = healthz(app)
    assert response.status_code == 503
    body = response.get_json()
    assert body["scheduler"]["stale"] is True and body["database"]["ok"] and body["redis"]["ok"]


def test_unreachable_redis_is_unhealthy(app):
    broken = app_with(app, REDIS_URL=closed_redis())
    response = healthz(broken)
    assert response.status_code == 503
    body = response.get_json()
    assert (body["redis"]["ok"], body["database"]["ok"], body["queues"]) == (False, True, None)


def test_a_redis_that_goes_away_makes_it_unhealthy_and_coming_back_healthy(app, tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    own = app_with(app, REDIS_URL=server.url)
    try:
        tick(own)
        assert healthz(own).status_code == 200
        server.stop()
        assert healthz(own).status_code == 503
        server.start()  # back, but empty: no tick yet
        assert healthz(own).get_json()["redis"]["ok"] is True
        tick(own)
        assert healthz(own).status_code == 200
    finally:
        server.stop()


def test_unreachable_database_is_unhealthy(app):
    tick(app)
    broken = app_with(app, SQLALCHEMY_DATABASE_URI=closed_database())
    response = healthz(broken)
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False
    assert response.get_json()["redis"]["ok"] is True
