from jobs.context import app_context


def batch_views(job_id: str) -> int:
    """Work through a batch of video URLs queued by POST /api/tiktok/batch-views (resumable)."""
    from webapp.api.batches import run

    with app_context():
        return run(job_id)
