"""Transactions that read and then decide a write must read the latest committed state (money,
flag decisions: any area that decides on a row it read)."""
from flask import g, request
from sqlalchemy import select

from webapp import autocommit
from webapp.extensions import db


def begin_write() -> None:
    """On SQLite, open the transaction holding the single writer lock (BEGIN IMMEDIATE).

    SQLite's default deferred BEGIN lets two writers read the same balance and both decide to
    spend it; taking the write lock before the first read makes that read current. PostgreSQL
    needs nothing here: callers lock the rows they decide on with SELECT ... FOR UPDATE.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        return
    # pysqlite starts its own (deferred) transaction only at the first INSERT/UPDATE/DELETE;
    # if one is already open this session holds the write lock already.
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_one(model, *where):
    """Open a write transaction and lock the one row of `model` matching `where` (or None).

    BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL; populate_existing replaces
    whatever stale copy the session holds, so the caller decides on the committed row. The
    caller commits or rolls back.
    """
    begin_write()
    return db.session.scalar(select(model).where(*where).with_for_update()
                             .execution_options(populate_existing=True))


def begin_snapshot() -> None:
    """Start a read-only transaction in which every SELECT sees the same committed state.

    `ledger verify` reads entries, submissions and payouts in several statements; without one
    snapshot a credit committing between two of them would look like a mismatch.
    """
    db.session.rollback()
    if db.session.get_bind().dialect.name == "sqlite":
        # pysqlite only opens transactions for writes; an explicit BEGIN makes the first read
        # fix the snapshot (WAL mode lets writers carry on meanwhile).
        db.session.connection().exec_driver_sql("BEGIN")
    else:
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


READ_ONLY = "viewpay_read_only"


def read_only(view):
    """Mark a view that only reads and is asked for very often (the polls of every open page:
    the creator's live fragment, the earnings summary, the bell): on PostgreSQL its request
    reads outside a transaction, on the polls' own pool of autocommit connections
    (webapp.autocommit), from the first hook on (init_app), so the login's user (and a
    remember-me cookie's resume, one UPDATE) is read that way too.

    That saves the BEGIN and ROLLBACK round trips of every request, and keeps the driver's
    prepared statements: psycopg forgets them at each ROLLBACK, so a request ending in one
    never gets a prepared statement at all. Each statement sees the latest commit, which is
    all a view that only shows data needs; one that writes must not use this. SQLite makes no
    round trips, so it keeps its ordinary transaction."""
    setattr(view, READ_ONLY, True)
    return view


def init_app(app) -> None:
    """Before every other hook (call before the blueprints register theirs)."""
    @app.before_request
    def _read_only_requests():
        if getattr(app.view_functions.get(request.endpoint), READ_ONLY, False):
            begin_read_only()


def begin_read_only() -> None:
    """This request's session reads through the autocommit pool from its first statement on
    (PostgreSQL; see read_only). Nothing is made here, not even the session: a poll answered
    without one (the live fragment's 304) takes no connection from the shared pool at all."""
    if not (db.session.registry.has() and db.session().in_transaction()):  # never split one
        g.setdefault(autocommit.READS, True)
