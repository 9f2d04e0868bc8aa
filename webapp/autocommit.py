"""The polls' own PostgreSQL connections: a second small pool whose connections never open a
transaction (txn.read_only).

Every open page polls, so these requests outnumber all others, and each only reads. On the
shared pool a poll's connection had to be switched to autocommit and back on every request,
and every other request hands its connection back with a ROLLBACK, at which psycopg forgets
its prepared statements: in mixed traffic a poll's statement was hardly ever prepared. Here a
connection is in autocommit from the moment it is made, goes back with nothing to reset
(there is never a transaction to end) and keeps its prepared statements for its whole life.

A read-only request's session reads through this pool from its first statement on
(Session.get_bind below; nothing is checked out before a statement needs it), and the live
fragment's 304 runs its one statement on a driver connection of it (driver_connection), no
session at all. SQLite has no such pool: its requests keep their ordinary transaction (no
round trips to save).
"""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager

import flask_sqlalchemy.session
from flask import Flask, current_app, g
from psycopg import errors, pq
from psycopg.adapt import Transformer
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from webapp import db_pool

READS = "viewpay_autocommit_reads"  # on flask.g: this request's session reads through the pool
_KEY = "viewpay_autocommit"  # app.extensions: the shared engine and its autocommit twin


def init_app(app: Flask, engine: Engine) -> None:
    """On PostgreSQL, let the app have an autocommit twin of its engine, made at first use
    (engine_of): a process that never polls (a worker) never has one."""
    if engine.dialect.name == "postgresql":
        app.extensions[_KEY] = {"shared": engine, "twin": None, "lock": threading.Lock()}


def engine_of(app: Flask) -> Engine | None:
    """The app's autocommit engine (made now if need be); None on SQLite."""
    entry = app.extensions.get(_KEY)
    if entry is None:
        return None
    if entry["twin"] is None:
        with entry["lock"]:
            if entry["twin"] is None:
                shared = entry["shared"]
                # No ConnectionEvents listener on the shared engine (say, to dispose the twin
                # with it): one makes SQLAlchemy run its event machinery on every connection
                # and statement of the shared engine, ~100 Python calls a request.
                twin = create_engine(shared.url, isolation_level="AUTOCOMMIT",
                                     pool_reset_on_return=None,
                                     **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
                db_pool.init_app(app, twin)  # the same ping of connections left idle
                entry["twin"] = twin
    return entry["twin"]


def dispose(app: Flask) -> None:
    """Close the twin's pooled connections (tests, after Engine.dispose of the shared one)."""
    entry = app.extensions.get(_KEY)
    if entry and entry["twin"] is not None:
        entry["twin"].dispose()


@contextmanager
def driver_connection():
    """psycopg's connection from the pool, in autocommit: for a statement SQLAlchemy's
    execution path would cost more than it runs (the live fragment's 304). A connection that
    failed is thrown away, not handed to the next request."""
    raw = engine_of(current_app._get_current_object()).raw_connection()
    try:
        yield raw.driver_connection
    except Exception:
        if raw.driver_connection.closed or raw.driver_connection.broken:
            raw.invalidate()
        raise
    finally:
        raw.close()


_NOT_PREPARED = b"26000"  # SQLSTATE invalid_sql_statement_name
_FATAL, _SQLSTATE, _BAD = pq.ExecStatus.FATAL_ERROR, pq.DiagnosticField.SQLSTATE, pq.ConnStatus.BAD
_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
# For each poll connection: the names of the statements prepared on it, and psycopg's
# loaders for its results (kept: looking them up again costs more than the statement's row).
_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fetch_one_prepared(name: bytes, sql: bytes, values: list[bytes | None]) -> tuple:
    """The one row of `sql` (placeholders $1, $2, ... given as text in `values`), run as the
    statement prepared under `name` on a poll connection, through libpq itself (psycopg.pq).

    For the statement every open page sends every few seconds: psycopg's own execute costs
    about 85 µs of Python on top of libpq's 20 µs, as much as PostgreSQL takes to run it. The
    statement is prepared on a connection the first time that connection is asked for it, and
    again if the server forgot it (psycopg sends DEALLOCATE ALL after a ROLLBACK). The row is
    loaded by psycopg's own loaders, so values are what psycopg's execute would give."""
    with driver_connection() as conn:
        pgconn = conn.pgconn
        known = _known.get(conn)
        if known is None:
            known = _known[conn] = (set(), Transformer(conn))
        prepared, loader = known
        if name not in prepared:
            _check(pgconn.prepare(name, sql), conn)
            prepared.add(name)
        result = pgconn.exec_prepared(name, values)  # blocks with the GIL released
        if result.status == _FATAL and result.error_field(_SQLSTATE) == _NOT_PREPARED:
            _check(pgconn.prepare(name, sql), conn)
            result = pgconn.exec_prepared(name, values)
        _check(result, conn)
        loader.set_pgresult(result)
        return loader.load_row(0, tuple)


def _check(result, conn) -> None:
    if result.status not in _OK:
        if conn.pgconn.status == _BAD:  # the server went away: driver_connection discards it
            raise errors.OperationalError(conn.pgconn.get_error_message())
        raise errors.error_from_result(result, encoding=conn.info.encoding)


class Session(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session; in a request marked READS (txn.begin_read_only, before the
    request's first statement) it uses the autocommit twin of the app's engine."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and g.get(READS):
            app = current_app._get_current_object()
            entry = app.extensions.get(_KEY)
            if entry is not None and engine is entry["shared"]:
                return engine_of(app)
        return engine
