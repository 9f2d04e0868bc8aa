"""Jobs used only by tests of the worker process itself."""
import os

from jobs.context import app_context


def connection_identity(key: str) -> None:
    """Record which process and which database session ran this job."""
    from webapp.extensions import db, jobqueue

    with app_context():
        if db.engine.dialect.name == "postgresql":
            backend = db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()
        else:
            backend = id(db.session.connection().connection.dbapi_connection)
        jobqueue.connection.hset(key, mapping={"pid": os.getpid(), "backend": backend})
