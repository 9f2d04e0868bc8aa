"""The SQL a block of code sends, recorded at the engine: counts, not timings, so a test of what
a page costs does not depend on the machine's load."""
from contextlib import contextmanager

from sqlalchemy import event

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
    with app.app_context():
        engine = db.engine

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
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
