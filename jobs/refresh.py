import time

from jobs.context import app_context
from webapp.outages import INFRA_ERRORS, backoff_seconds

SCAN_ATTEMPTS = 6  # about a minute of waiting, well inside the scan's 300 s timeout


def refresh_submission(submission_id: int) -> str:
    """Fetch fresh counts for one approved video and credit what they earn (jobs queued
    before refreshes came in batches)."""
    from webapp.tracking.refresh import refresh_submission as refresh

    with app_context():
        return refresh(submission_id)


def refresh_batch(submission_ids: list[int]) -> dict:
    """Refresh a batch of videos (REFRESH_BATCH_SIZE): fetched concurrently, stored in a few
    transactions, each credited once."""
    from webapp.tracking.refresh import refresh_many

    with app_context():
        return refresh_many(submission_ids)


def refresh_tokens(within_seconds: int) -> int:
    """Refresh Login Kit tokens that expire within `within_seconds` (rotating refresh tokens)."""
    from webapp.auth.tokens import refresh_expiring

    with app_context():
        return refresh_expiring(within_seconds)


def enqueue_due() -> int:
    """The periodic job: queue refreshes of every video that is due.

    A database or Redis blip is waited out here: failing would skip the scan until its next
    interval (an hour by default). Safe to repeat: queued videos are leased, job ids unique."""
    from webapp.tracking.scheduling import enqueue_due_refreshes

    for attempt in range(SCAN_ATTEMPTS):
        try:
            with app_context():
                return enqueue_due_refreshes()
        except INFRA_ERRORS:
            if attempt == SCAN_ATTEMPTS - 1:
                raise
            time.sleep(backoff_seconds(attempt, base=2.0, cap=30.0))
