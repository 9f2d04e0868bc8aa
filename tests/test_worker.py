"""The worker forks a horse per job; the horse must not reuse the parent's DB connections."""
import os

from tests.conftest import run_worker
from webapp.extensions import db, jobqueue


def test_work_horse_uses_its_own_database_connection(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            parent_backend = db.session.execute(db.text("SELECT pg_backend_pid()")).scalar()
        else:
            parent_backend = id(db.session.connection().connection.dbapi_connection)
        db.session.commit()  # back to the pool, where a careless fork would find it
        jobqueue.enqueue("tests.worker_jobs.connection_identity", "horse", job_id="identity")
    run_worker(app)
    with app.app_context():
        seen = {k.decode(): v.decode() for k, v in jobqueue.connection.hgetall("horse").items()}
    assert seen, "the job did not run"
    assert int(seen["pid"]) != os.getpid()  # it ran in a forked work horse
    assert seen["backend"] != str(parent_backend)
