from jobs.context import app_context


def verify_submission(submission_id: int) -> str:
    """Check a new submission against TikTok; raises RetryLater on a temporary failure (RQ retries)."""
    from webapp.submissions import services

    with app_context():
        return services.verify(submission_id)
