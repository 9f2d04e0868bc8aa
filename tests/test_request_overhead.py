"""What every request pays: the live fragment's cheap ETag, the queries a page makes whatever
the number of videos, and pooled connections checked only when they may have gone stale."""
import re
import time
from contextlib import contextmanager

from decimal import Decimal

import pytest
from sqlalchemy import event, text

import factories
from tests import conftest
from webapp.auth.models import User
from webapp.earnings import rates
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.live_etag import TIME_BUCKET_SECONDS, live_etag
from webapp.tracking.refresh import refresh_submission

HX = {"HX-Request": "true"}


@contextmanager
def statements(app):
    """The SQL each request sends (pings and checkouts included), in order."""
    sent = []
    with app.app_context():
        engine = db.engine

    def on_execute(conn, cursor, statement, *args):
        sent.append(statement)

    def on_checkout(*args):
        sent.append("<checkout>")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "checkout", on_checkout)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "checkout", on_checkout)


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


def test_the_etag_follows_language_page_money_and_the_minute(app, sari):
    with app.app_context():
        now = 1_800_000_000.0
        now = now - now % TIME_BUCKET_SECONDS
        tag = live_etag(sari["creator_id"], locale="id", now=now)
        assert live_etag(sari["creator_id"], locale="id", now=now + 59) == tag
        assert live_etag(sari["creator_id"], locale="en", now=now) != tag
        assert live_etag(sari["creator_id"], locale="id", page=2, now=now) != tag
        # Time-derived words ("next update in ...") refresh at most a minute late.
        assert live_etag(sari["creator_id"], locale="id", now=now + 60) != tag
        # An admin's rate change moves money (an adjustment entry) and changes it too.
        before = live_etag(sari["creator_id"], locale="id", now=now)
        rates.change_submission_rate(sari["sub_id"], Decimal("0.00005"), sari["admin_id"],
                                     "a better deal")
        assert live_etag(sari["creator_id"], locale="id", now=now) != before


def test_pages_send_the_same_queries_for_1_video_or_25(app, sandbox, act, sari):
    """Anonymous pages touch no database; a creator's 304 and fragment make a fixed number of
    queries, whatever the number of videos (pages of cards, totals by SQL aggregates)."""
    with statements(app) as sent:
        assert act.client.get("/login").status_code == 200
    assert sent == []

    act.login("sari@example.com")
    with statements(app) as sent:  # the page's CSS, JS and icons load no user
        assert act.client.get("/static/app.css").status_code == 200
    assert sent == []

    def costs():
        tag = act.hx_get("/dashboard/live").headers["ETag"]
        with statements(app) as not_modified:
            assert act.hx_get("/dashboard/live", **{"If-None-Match": tag}).status_code == 304
        with statements(app) as fragment:
            assert act.hx_get("/dashboard/live").status_code == 200
        return not_modified, fragment

    one_304, one_200 = costs()
    # The login's session row with its user, the submissions' and the ledger's aggregates.
    assert one_304.count("<checkout>") == 1 and len(one_304) - 1 <= 3, one_304
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
