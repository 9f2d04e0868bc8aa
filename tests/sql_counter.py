"""The SQL a block of code sends, recorded at the engine: counts, not timings, so a test of what
a page costs does not depend on the machine's load."""
import tempfile
from contextlib import contextmanager

from sqlalchemy import event

from webapp import autocommit
from webapp.extensions import db

CHECKOUT = "<checkout>"
COMMIT = "<commit>"


@contextmanager
def statements(app, *, checkouts: bool = False, commits: bool = False):
    """Every statement sent inside the block, in order (pings included); with `checkouts`, also
    CHECKOUT each time the pool hands a connection out (a request that asks for none sends no
    statement and makes no checkout); with `commits`, COMMIT for each commit (the driver's own
    call, not a statement the cursor sees)."""
    sent = []

    def on_execute(conn, cursor, statement, *args):
        sent.append(statement)

    def on_checkout(*args):
        sent.append(CHECKOUT)

    def on_commit(*args):
        sent.append(COMMIT)

    listeners = [("before_cursor_execute", on_execute)]
    if checkouts:
        listeners.append(("checkout", on_checkout))
    if commits:
        listeners.append(("commit", on_commit))
    hooked = [(engine, name, listener) for engine in engines(app) for name, listener in listeners]
    for hook in hooked:
        event.listen(*hook)
    try:
        yield sent
    finally:
        for hook in hooked:
            event.remove(*hook)


def engines(app) -> list:
    """The app's engines: the shared one and, on PostgreSQL, the polls' autocommit twin."""
    with app.app_context():
        return [engine for engine in (db.engine, autocommit.engine_of(app)) if engine]


@contextmanager
def wire(app):
    """What the app's PostgreSQL connections send inside the block, read from libpq's own
    protocol trace: [(message, text)] of the frontend's messages, e.g. ("Query", '"BEGIN"'),
    ("Execute", ...). Sees what SQLAlchemy's events cannot (a statement run on the driver's
    connection, the driver's own BEGIN and ROLLBACK). None on SQLite."""
    hooked = engines(app)
    if hooked[0].dialect.name != "postgresql":
        yield None
        return
    from psycopg.pq import Trace

    sent, log = [], tempfile.TemporaryFile()

    def on_checkout(dbapi_connection, record, proxy):
        dbapi_connection.pgconn.trace(log.fileno())
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

    def on_checkin(dbapi_connection, record):
        dbapi_connection.pgconn.untrace()

    for engine in hooked:
        event.listen(engine, "checkout", on_checkout)
        event.listen(engine, "checkin", on_checkin)
    try:
        yield sent
    finally:
        for engine in hooked:
            event.remove(engine, "checkout", on_checkout)
            event.remove(engine, "checkin", on_checkin)
        log.seek(0)
        for line in log.read().decode(errors="replace").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and fields[0] == "F":
                sent.append((fields[2], fields[3].strip() if len(fields) > 3 else ""))
        log.close()
