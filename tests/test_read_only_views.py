"""txn.read_only: the live fragment every open creator page polls, the earnings page's poll
and the bell every page polls read outside a transaction on PostgreSQL (no BEGIN/ROLLBACK
round trips, prepared statements kept), while every other request still runs in one, also on
a pooled connection a poll used just before."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, text

import factories
from tests.sql_counter import engines, wire
from webapp import autocommit
from webapp.extensions import db
from webapp.submissions.live_etag import SETTLE_SECONDS

HX = {"HX-Request": "true"}


@pytest.fixture
def sari(app, sandbox):
    """An approved video whose changes are settled: its page's tag carries no minute (see
    live_etag), so a 200 and the 304 after it agree even across a minute's turn."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=150_247)
        if db.engine.dialect.name != "postgresql":
            return video  # the tests below run on PostgreSQL only
        back = {"creator_id": video["creator_id"], "by": timedelta(seconds=SETTLE_SECONDS + 60)}
        # The ledger refuses UPDATEs by trigger; a test may move time (as conftest's wipe).
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text("UPDATE submissions SET updated_at = updated_at - :by "
                                "WHERE creator_id = :creator_id"), back)
        db.session.execute(text("UPDATE ledger_entries SET created_at = created_at - :by "
                                "WHERE creator_id = :creator_id"), back)
        db.session.commit()
        return video


@pytest.fixture
def in_transaction(app):
    """For each statement sent: was the driver's connection inside a transaction?"""
    seen = []
    hooked = engines(app)
    if hooked[0].dialect.name != "postgresql":
        pytest.skip("SQLite keeps its ordinary transaction (no round trips to save)")
    from psycopg.pq import TransactionStatus

    def after(conn, cursor, statement, *args):
        status = conn.connection.dbapi_connection.info.transaction_status
        seen.append((statement.split()[0].upper(), status != TransactionStatus.IDLE))

    for engine in hooked:
        event.listen(engine, "after_cursor_execute", after)
    yield seen
    for engine in hooked:
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
    """The idle-connection ping (webapp/db_pool.py) also guards the polls' own pool
    (webapp.autocommit): a connection idle too long is pinged before a poll gets it, and the
    poll still reads outside a transaction."""
    import os

    import conftest

    pinging = conftest._make_app(_instance, sandbox, os.environ["DATABASE_URL"],
                                 DB_PING_IDLE_SECONDS=0.0)
    client = pinging.test_client()
    token = conftest.csrf_token(client)
    assert client.post("/login", data={"email": "sari@example.com", "password": "password123",
                                       "csrf_token": token}).status_code == 302
    from psycopg.pq import TransactionStatus

    engine = autocommit.engine_of(pinging)
    pings, seen = [], []
    # Ahead of db_pool's listener: does this checkout find the connection idle (a ping)?
    event.listen(engine, "checkout", lambda dbapi, record, proxy: pings.append(
        (record.info.get("idle_since") is not None, dbapi.info.transaction_status)),
        insert=True)
    event.listen(engine, "after_cursor_execute", lambda conn, *args: seen.append(
        conn.connection.dbapi_connection.info.transaction_status))
    for _ in range(3):
        time.sleep(0.01)  # idle longer than the limit: the next checkout pings
        answer = client.get("/dashboard/live", headers=HX)
        assert answer.status_code == 200, answer.status_code
    # The first poll made the pool's connection; the next two found it idle and pinged it
    # (the ping's own SELECT is among `seen`), and the polls (200s: the whole render) ran
    # outside a transaction.
    assert pings == [(False, TransactionStatus.IDLE)] + [(True, TransactionStatus.IDLE)] * 2
    assert seen and set(seen) == {TransactionStatus.IDLE}
    with pinging.app_context():
        db.engine.dispose()
    autocommit.dispose(pinging)


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
    # The resume's UPDATE ran on its own, and so did the rest of that request.
    assert in_transaction[0] == ("UPDATE", False), in_transaction
    assert not any(inside for _, inside in in_transaction), in_transaction
    assert cookie(reopened, REMEMBER_COOKIE) not in (None, first)  # rotated, and kept
    in_transaction.clear()
    assert reopened.get("/dashboard/live", headers=HX).status_code == 200
    assert in_transaction and not any(inside for _, inside in in_transaction), in_transaction


def test_the_polls_have_their_own_pool_and_keep_their_prepared_statement(app, act, sari,
                                                                          in_transaction):
    """The 304 takes no connection from the shared pool; its statement, prepared on the poll
    connection at its first poll, stays prepared although ordinary requests in between end in
    a ROLLBACK (they run on the shared pool; psycopg deallocates everything prepared on a
    connection at each ROLLBACK)."""
    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    poll = {"If-None-Match": tag}
    with app.app_context():
        shared = db.engine
    taken = []

    def checkout(*args):
        taken.append(1)

    event.listen(shared, "checkout", checkout)
    try:
        for _ in range(6):
            assert act.hx_get("/dashboard/live", **poll).status_code == 304
        assert taken == []
        assert act.client.get("/earnings/").status_code == 200  # BEGIN ... ROLLBACK
        assert taken
    finally:
        event.remove(shared, "checkout", checkout)
    with wire(app) as on_wire:
        assert act.hx_get("/dashboard/live", **poll).status_code == 304
    messages = [m for m, _ in on_wire]
    assert "Execute" in messages and "Parse" not in messages, on_wire


def test_a_poll_connection_that_died_is_replaced(app, act, sari, in_transaction):
    """A poll on a connection whose server process is gone fails (as any request on a
    connection that died while busy); the connection is thrown away, so the next poll gets a
    fresh one."""
    import psycopg

    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    poll = {"If-None-Match": tag}
    assert act.hx_get("/dashboard/live", **poll).status_code == 304
    engine = autocommit.engine_of(app)
    pids = []
    event.listen(engine, "checkout", lambda dbapi, *args: pids.append(dbapi.info.backend_pid))
    assert act.hx_get("/dashboard/live", **poll).status_code == 304
    with app.app_context():
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pids[-1]})
        db.session.commit()
    with pytest.raises(psycopg.OperationalError):
        act.hx_get("/dashboard/live", **poll)
    assert act.hx_get("/dashboard/live", **poll).status_code == 304
    assert pids[-1] != pids[0]


def test_a_poll_statement_the_server_forgot_is_prepared_again(app, act, sari, in_transaction):
    """The 304's statement is prepared once per poll connection; if the server forgot it
    (psycopg sends DEALLOCATE ALL after a ROLLBACK on a connection), the next poll prepares it
    again and still answers."""
    act.login("sari@example.com")
    tag = act.hx_get("/dashboard/live").headers["ETag"]
    poll = {"If-None-Match": tag}
    engine = autocommit.engine_of(app)
    pids = []
    event.listen(engine, "checkout", lambda dbapi, *args: pids.append(dbapi.info.backend_pid))
    with wire(app) as first:
        assert act.hx_get("/dashboard/live", **poll).status_code == 304
        assert act.hx_get("/dashboard/live", **poll).status_code == 304
    # Prepared at the first 304, then only run.
    assert [m for m, _ in first if m in ("Parse", "Execute")] == ["Parse", "Execute", "Execute"]
    with engine.connect() as conn:  # the pool's one connection, the polls' own
        conn.exec_driver_sql("DEALLOCATE ALL")
    with wire(app) as again:
        assert act.hx_get("/dashboard/live", **poll).status_code == 304
    assert [m for m, _ in again if m in ("Parse", "Execute")] == ["Execute", "Parse", "Execute"]
    assert len(set(pids)) == 1, pids  # the same connection all along, not a replaced one
    with wire(app) as after:
        assert act.hx_get("/dashboard/live", **poll).status_code == 304
    assert [m for m, _ in after if m in ("Parse", "Execute")] == ["Execute"], after


def test_a_prepared_poll_statement_gives_what_psycopg_gives_and_reports_errors(app,
                                                                              in_transaction):
    """autocommit.fetch_one_prepared, the 304's way to the database: values loaded as
    psycopg's execute loads them (the tag must not depend on the path), NULL both ways, and a
    failing statement raises psycopg's own error and leaves the connection in the pool."""
    import psycopg

    sql = b"SELECT $1::timestamptz, $2::integer, $3::varchar, $4::integer, 1 / $5::integer"
    values = [b"2026-11-30T11:12:39.976074+00:00", b"42", b"id", None, b"1"]
    with app.test_request_context():
        row = autocommit.fetch_one_prepared(b"test_values", sql, values)
        with autocommit.driver_connection() as conn:
            pid = conn.info.backend_pid
            expected = conn.execute(
                "SELECT %s::timestamptz, %s::integer, %s::varchar, %s::integer, 1 / %s::integer",
                [v and v.decode() for v in values]).fetchone()
        assert row == expected and type(row[0]) is type(expected[0])
        assert row[0].utcoffset() is not None and row[3] is None
        with pytest.raises(psycopg.errors.DivisionByZero):
            autocommit.fetch_one_prepared(b"test_values", sql, values[:4] + [b"0"])
        with autocommit.driver_connection() as conn:
            assert conn.info.backend_pid == pid  # not thrown away: only the statement failed
        assert autocommit.fetch_one_prepared(b"test_values", sql, values) == row
