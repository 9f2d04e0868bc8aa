from jobs.context import app_context


def verify_submission(submission_id: int) -> str:
    """Check a new submission against TikTok. A temporary failure has already scheduled its own
    delayed retry (back-off with jitter, honouring Retry-After), so the job itself succeeds."""
    from webapp.submissions import services

    with app_context():
        try:
            return services.verify(submission_id)
        except services.RetryLater as exc:
            return f"retry in {exc.delay:.0f}s: {exc}"
