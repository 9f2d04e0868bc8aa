"""txn.read_only: the live fragment every open creator page polls, the earnings page's poll
and the bell every page polls read outside a transaction on PostgreSQL (no BEGIN/ROLLBACK
round trips, prepared statements kept), while every other request still runs in one, also on
a pooled connection a poll used just before."""
import time

import pytest
from sqlalchemy import event

import factories
from tests.sql_counter import wire
from webapp.extensions import db

HX = {"HX-Request": "true"}


@pytest.fixture
def sari(app, sandbox):
    with app.app_context():
        return factories.approved_video(sandbox, views=150_247)


@pytest.fixture
def in_transaction(app):
    """For each statement sent: was the driver's connection inside a transaction?"""
    seen = []
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps its ordinary transaction (no round trips to save)")
    from psycopg.pq import TransactionStatus

    def after(conn, cursor, statement, *args):
        status = conn.connection.dbapi_connection.info.transaction_status
        seen.append((statement.split()[0].upper(), status != TransactionStatus.IDLE))

    event.listen(engine, "after_cursor_execute", after)
    yield seen
    event.remove(engine, "after_cursor_execute", after)


def test_the_live_poll_reads_outside_a_transaction_and_others_do_not(app, act, sari,
                                                                       in_transaction):
    act.login("sari@example.com")
    first = act.hx_get("/dashboard/live")
    assert first.status_code == 200 and first.headers["ETag"]
    with wire(app) as on_wire:
        again = act.hx_get("/dashboard/live", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # One statement (the tag with the login's check, on psycopg's connection), no BEGIN and
    # no ROLLBACK on the wire.
    assert [m for m, _ in on_wire if m in ("Query", "Execute")] == ["Execute"], on_wire

    # The next ordinary request on the same pooled connection is transactional again.
    in_transaction.clear()
    assert act.client.get("/earnings/").status_code == 200
    assert in_transaction and all(inside for _, inside in in_transaction), in_transaction


@pytest.mark.parametrize("poll", ["/notifications/bell", "/earnings/summary"])
def test_the_bell_and_earnings_polls_read_outside_a_transaction(app, act, sari, in_transaction,
                                                                 poll):
    act.login("sari@example.com")
    first = act.hx_get(poll)
    assert first.status_code == 200
    in_transaction.clear()
    assert act.hx_get(poll, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert in_transaction and not any(inside for _, inside in in_transaction), in_transaction


def test_a_poll_with_no_login_still_answers_401(app, client, sari, in_transaction):
    answer = client.get("/dashboard/live", headers=HX)
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/login"


def test_a_connection_pinged_at_checkout_still_serves_the_poll(_instance, _schema, sandbox, app,
                                                                sari, in_transaction):
    """The idle-connection ping (webapp/db_pool.py) runs a SELECT on the driver's connection
    just before the request: the poll must still switch it to autocommit, not fail."""
    import os

    import conftest

    pinging = conftest._make_app(_instance, sandbox, os.environ["DATABASE_URL"],
                                 DB_PING_IDLE_SECONDS=0.0)
    client = pinging.test_client()
    token = conftest.csrf_token(client)
    assert client.post("/login", data={"email": "sari@example.com", "password": "password123",
                                       "csrf_token": token}).status_code == 302
    from psycopg.pq import TransactionStatus

    with pinging.app_context():
        engine = db.engine
    pings, seen = [], []
    event.listen(engine, "checkout", lambda dbapi, *args: pings.append(
        dbapi.info.transaction_status))
    event.listen(engine, "after_cursor_execute", lambda conn, *args: seen.append(
        conn.connection.dbapi_connection.info.transaction_status))
    for _ in range(2):
        time.sleep(0.01)  # idle longer than the limit: the next checkout pings
        answer = client.get("/dashboard/live", headers=HX)
        assert answer.status_code == 200, answer.status_code
    # The ping (SQLAlchemy's, in autocommit) leaves no transaction open that would stop the
    # switch to autocommit; the polls (200s: the whole render) ran outside one.
    assert pings == [TransactionStatus.IDLE] * 2
    assert seen and set(seen) == {TransactionStatus.IDLE}


def test_a_remembered_browser_polls_outside_a_transaction_too(app, sari, in_transaction):
    """With a remember-me cookie the login is looked at before the view (resume_remembered);
    the switch comes first, so that read runs outside a transaction as well, and a closed
    browser's resume (one UPDATE) still rotates the token."""
    from tests.test_sessions import REMEMBER_COOKIE, browser_with, cookie, login

    client = app.test_client()
    login(client, remember=True)
    in_transaction.clear()
    assert client.get("/dashboard/live", headers=HX).status_code == 200
    assert in_transaction and not any(inside for _, inside in in_transaction), in_transaction

    first = cookie(client, REMEMBER_COOKIE)
    reopened = browser_with(app, **{REMEMBER_COOKIE: first})  # the session cookie is gone
    in_transaction.clear()
    assert reopened.get("/dashboard/live", headers=HX).status_code == 200
    # The resume's UPDATE ran on its own; its commit hands the connection back, so the rest
    # of that one request reads in an ordinary transaction (a browser reopening is rare).
    assert in_transaction[0] == ("UPDATE", False), in_transaction
    assert cookie(reopened, REMEMBER_COOKIE) not in (None, first)  # rotated, and kept
    in_transaction.clear()
    assert reopened.get("/dashboard/live", headers=HX).status_code == 200
    assert in_transaction and not any(inside for _, inside in in_transaction), in_transaction
