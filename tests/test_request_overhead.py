"""What every request pays: nothing from the database or Redis unless the page needs it (one
statement for who is logged in), the live fragment's cheap ETag, the queries a page makes
whatever the number of videos, and pooled connections checked only when they may have gone
stale."""
import re
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import text

import factories
from tests import conftest
from tests.outages import OwnRedis, app_with
from tests.sql_counter import CHECKOUT, statements
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import services
from webapp.tracking.refresh import refresh_submission

HX = {"HX-Request": "true"}


@pytest.fixture
def served(app, tmp_path):
    """The app as production runs it: the limiter on, on a Redis of its own (so every command
    it receives is this test's), and the benchmarks' do-nothing page."""
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        yield app_with(app, REDIS_URL=redis.url, RATELIMIT_STORAGE_URI=redis.url,
                       RATELIMIT_ENABLED=True, BENCH_TRIVIAL_ENDPOINT=True), redis
    finally:
        redis.stop()


@contextmanager
def redis_commands(redis: OwnRedis):
    """How many commands Redis received inside the block: call the yielded function after it."""
    client = redis.client()
    before = client.info("stats")["total_commands_processed"]
    counted = []
    yield lambda: counted[0]
    # Less the INFO that took `before` (it counts once it has answered).
    counted.append(client.info("stats")["total_commands_processed"] - before - 1)


def test_anonymous_requests_ask_neither_the_database_nor_redis(served):
    app, redis = served
    client = app.test_client()
    for path in ("/_bench/trivial", "/login", "/login?next=/earnings/", "/signup",
                 "/static/app.css"):
        for _ in range(2):  # the login page is rendered once, then kept: both ways
            with statements(app, checkouts=True) as sent, redis_commands(redis) as sent_redis:
                assert client.get(path).status_code == 200, path
            assert (sent, sent_redis()) == ([], 0), path


def test_a_logged_in_request_costs_one_statement_and_no_redis(served):
    app, redis = served
    with app.app_context():
        factories.creator()
    client = app.test_client()
    token = conftest.csrf_token(client)
    assert client.post("/login", data={"email": "sari@example.com", "password": "password123",
                                       "csrf_token": token}).status_code == 302
    with statements(app, checkouts=True) as sent, redis_commands(redis) as sent_redis:
        assert client.get("/_bench/trivial").status_code == 200
    (login,) = [statement for statement in sent if statement != CHECKOUT]
    assert "user_sessions" in login and "users" in login  # the login's row with its user
    assert sent.count(CHECKOUT) == 1 and sent_redis() == 0


def test_the_login_limit_counts_posts_only_and_still_answers_429(served):
    app, redis = served
    client = app.test_client()
    token = conftest.csrf_token(client)
    for _ in range(20):  # 20 a minute: empty forms, refused before any password is checked
        assert client.get("/login").status_code == 200
        assert client.post("/login", data={"csrf_token": token}).status_code == 422
    assert client.get("/login").status_code == 200  # reading the form is never limited
    refused = client.post("/login", data={"csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-RateLimit-Limit"] == "20"


def _add_videos(sandbox, creator_id: int, admin_id: int, tiktok_id: str, count: int) -> None:
    for _ in range(count):
        vid = factories.tiktok_video(sandbox, tiktok_id, views=1000)
        sub = services.submit(creator_id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
        services.verify(sub.id)
        services.approve(sub.id, admin_id)


@pytest.fixture
def sari(app, sandbox):
    with app.app_context():
        made = factories.approved_video(sandbox, views=150_247)
        made["tiktok_id"] = db.session.get(User, made["creator_id"]).tiktok_user_id
    return made


def test_the_live_fragment_answers_304_until_its_numbers_change(app, sandbox, act, sari):
    act.login("sari@example.com")
    first = act.hx_get("/dashboard/live")
    assert first.status_code == 200 and first.headers["ETag"]
    unchanged = act.hx_get("/dashboard/live", **{"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]

    factories.set_views(sandbox, sari["vid"], 300_000)
    with app.app_context():
        refresh_submission(sari["sub_id"])  # the page fetched over HTTP, the count credited
    changed = act.hx_get("/dashboard/live", **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "300.000" in changed.get_data(as_text=True)


def test_pages_send_the_same_queries_for_1_video_or_25(app, sandbox, act, sari):
    """Anonymous pages touch no database; a creator's 304 and fragment make a fixed number of
    queries, whatever the number of videos (pages of cards, totals by SQL aggregates)."""
    with statements(app, checkouts=True) as sent:
        assert act.client.get("/login").status_code == 200
    assert sent == []

    act.login("sari@example.com")
    with statements(app, checkouts=True) as sent:  # the page's CSS, JS and icons load no user
        assert act.client.get("/static/app.css").status_code == 200
    assert sent == []

    def costs():
        # A video changed in the last few minutes puts the minute in the tag (live_etag's
        # settling): when the minute turns between the two asks, ask again.
        for _ in range(2):
            tag = act.hx_get("/dashboard/live").headers["ETag"]
            with statements(app, checkouts=True) as not_modified:
                answer = act.hx_get("/dashboard/live", **{"If-None-Match": tag})
            if answer.status_code == 304:
                break
        assert answer.status_code == 304
        with statements(app, checkouts=True) as fragment:
            assert act.hx_get("/dashboard/live").status_code == 200
        return not_modified, fragment

    one_304, one_200 = costs()
    # The login's session row with its user, the submissions' and the ledger's aggregates.
    assert one_304.count(CHECKOUT) == 1 and len(one_304) - 1 <= 3, one_304
    with app.app_context():
        _add_videos(sandbox, sari["creator_id"], sari["admin_id"], sari["tiktok_id"], 24)
    many_304, many_200 = costs()
    assert many_304 == one_304
    assert len(many_200) == len(one_200), (one_200, many_200)


@pytest.mark.skipif("not __import__('os').environ.get('DATABASE_URL')",
                    reason="PostgreSQL only: a SQLite file has no connection to go stale")
@pytest.mark.parametrize("idle_limit, survives", [(0.0, True), (3600.0, False)])
def test_a_pooled_connection_killed_while_idle_is_replaced_before_a_request_uses_it(
        _instance, _schema, sandbox, app, idle_limit, survives):
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    checked = conftest._make_app(_instance, sandbox, os.environ["DATABASE_URL"],
                                 DB_PING_IDLE_SECONDS=idle_limit)
    client = checked.test_client()
    assert client.get("/_no_such_page").status_code == 404  # warms nothing up: no DB there
    with checked.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back into the pool, idle from now
    url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(False), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))  # a restart, a proxy timeout
    time.sleep(0.05)

    def query():
        with checked.app_context():
            try:
                return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            finally:
                db.session.remove()

    if survives:
        assert query() != pid  # pinged after idling: a fresh connection, no error
    else:
        with pytest.raises(Exception, match=re.compile("terminat|closed|connection", re.I)):
            query()  # without the check the dead connection reaches the caller
    with checked.app_context():
        db.engine.dispose()
