"""`python -m jobs.worker`: an RQ worker whose app is created once, before forking.

Each job runs in a forked work horse; the database engine's pooled connections belong to the
parent, so the horse drops them (without closing the parent's sockets) before touching the DB.
"""
import sys

from rq import Queue, Worker

from jobs.context import get_app


class ViewPayWorker(Worker):
    def main_work_horse(self, *args, **kwargs):
        from webapp.extensions import db

        with get_app().app_context():
            db.engine.dispose(close=False)
        return super().main_work_horse(*args, **kwargs)


def make_worker(app) -> ViewPayWorker:
    """Listens to the periodic queue first, so no backlog of refreshes can starve the scan."""
    from jobs.scheduler import periodic_queue_name
    from webapp.extensions import jobqueue

    with app.app_context():
        main_queue = jobqueue.queue
        periodic = Queue(periodic_queue_name(main_queue.name), connection=jobqueue.connection)
        return ViewPayWorker([periodic, main_queue], connection=jobqueue.connection)


def main(argv: list[str]) -> None:
    app = get_app()
    worker = make_worker(app)
    # The scheduler thread inside the worker runs RQ's Retry intervals and enqueue_in.
    worker.work(with_scheduler=True, burst="--burst" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
