"""`python -m jobs.scheduler`: exactly one per deployment; queues the periodic jobs.

rq-scheduler's lock can expire, so the database (next_refresh_at, unique job ids, the ledger's
idempotency keys) remains the final guard against doing work twice.
"""
from datetime import datetime, timezone

from rq_scheduler import Scheduler

from jobs.context import get_app

PERIODIC = "viewpay-periodic-refresh-due"
LEDGER_VERIFY = "viewpay-periodic-ledger-verify"


def register(scheduler: Scheduler, interval_seconds: int, queue_name: str) -> None:
    """(Re)register the periodic refresh scan; idempotent across restarts."""
    _periodic(scheduler, PERIODIC, "jobs.refresh.enqueue_due", interval_seconds, queue_name,
              timeout=300)


def register_ledger_verify(scheduler: Scheduler, interval_seconds: int, queue_name: str) -> None:
    """(Re)register the daily `ledger verify`; its result feeds the admin dashboard alert."""
    _periodic(scheduler, LEDGER_VERIFY, "jobs.ledger.verify", interval_seconds, queue_name,
              timeout=1800)


def _periodic(scheduler: Scheduler, job_id: str, func: str, interval_seconds: int,
              queue_name: str, timeout: int) -> None:
    if job_id in scheduler:
        scheduler.cancel(job_id)
    scheduler.schedule(
        scheduled_time=datetime.now(timezone.utc), func=func,
        interval=interval_seconds, repeat=None, id=job_id, queue_name=queue_name,
        timeout=timeout, result_ttl=interval_seconds * 2,
    )


def main() -> None:
    from webapp.extensions import jobqueue

    app = get_app()
    with app.app_context():
        scheduler = Scheduler(queue_name=app.config["RQ_QUEUE"], connection=jobqueue.connection,
                              interval=min(60, app.config["REFRESH_SCAN_SECONDS"]))
        register(scheduler, app.config["REFRESH_SCAN_SECONDS"], app.config["RQ_QUEUE"])
        register_ledger_verify(scheduler, app.config["LEDGER_VERIFY_SECONDS"],
                               app.config["RQ_QUEUE"])
    scheduler.run()


if __name__ == "__main__":
    main()
