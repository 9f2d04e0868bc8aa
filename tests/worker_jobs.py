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


LOG_FILE = os.path.join(__import__("tempfile").gettempdir(), f"viewpay-job-log-{os.getuid()}.jsonl")


def log_something() -> None:
    """Log one line through the project's JSON formatter and context filter, into LOG_FILE."""
    import logging

    from pythonjsonlogger.json import JsonFormatter

    from webapp.logs import ContextFilter

    handler = logging.FileHandler(LOG_FILE)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("{levelname}{message}{request_id}{job_id}", style="{"))
    logger = logging.getLogger("viewpay.test.job")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with app_context():
            logger.info("inside a job")
    finally:
        logger.removeHandler(handler)
        handler.close()


def nap_then_mark(key: str, seconds: float) -> None:
    """A job that is still running while a test takes Redis away, then notes that it ran."""
    import time

    from webapp.extensions import jobqueue

    time.sleep(seconds)
    with app_context():
        jobqueue.connection.set(key, os.getpid())


def mark(key: str) -> None:
    from webapp.extensions import jobqueue

    with app_context():
        jobqueue.connection.set(key, os.getpid())


def boom(message: str) -> None:
    raise RuntimeError(message)
