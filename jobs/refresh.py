from jobs.context import app_context


def refresh_submission(submission_id: int) -> str:
    """Fetch fresh counts for one approved video and credit what they earn."""
    from webapp.tracking.refresh import refresh_submission as refresh

    with app_context():
        return refresh(submission_id)


def refresh_batch(submission_ids: list[int]) -> dict:
    """Refresh up to 20 videos of one connected creator (one Display API call)."""
    from webapp.tracking.refresh import refresh_many

    with app_context():
        return refresh_many(submission_ids)


def refresh_tokens(within_seconds: int) -> int:
    """Refresh Login Kit tokens that expire within `within_seconds` (rotating refresh tokens)."""
    from webapp.auth.tokens import refresh_expiring

    with app_context():
        return refresh_expiring(within_seconds)


def enqueue_due() -> int:
    """The periodic job: queue refreshes of every video that is due."""
    from webapp.tracking.scheduling import enqueue_due_refreshes

    with app_context():
        return enqueue_due_refreshes()
