from jobs.context import app_context


def refresh_submission(submission_id: int) -> str:
    """Fetch fresh counts for one approved video and credit what they earn."""
    from webapp.tracking.refresh import refresh_submission as refresh

    with app_context():
        return refresh(submission_id)


def enqueue_due() -> int:
    """The periodic job: queue refreshes of every video that is due."""
    from webapp.tracking.scheduling import enqueue_due_refreshes

    with app_context():
        return enqueue_due_refreshes()
