"""Turning due videos into queued refresh jobs (the scheduler and `jobs refresh-due` share this).

Videos of a creator connected through Login Kit go in batch jobs of up to 20 (one Display API
call each); the others get one job each (one page fetch each). Queued videos are leased so the
next scan does not queue them again while their job waits.
"""
from flask import current_app

from webapp.auth import connections
from webapp.extensions import jobqueue
from webapp.tiktok.display import MAX_QUERY_IDS
from webapp.tracking import services

REFRESH_JOB = "jobs.refresh.refresh_submission"
BATCH_JOB = "jobs.refresh.refresh_batch"
TOKENS_JOB = "jobs.refresh.refresh_tokens"
LEASE_SECONDS = 15 * 60


def enqueue_due_refreshes() -> int:
    """Queue refresh jobs for every due video; returns how many jobs were queued."""
    if current_app.config["AUTO_APPROVE_HOURS"] > 0:
        from webapp.submissions import services as submissions  # it imports tracking

        submissions.auto_approve_due()  # first: what it approves is due for a refresh now
    due = services.due_refreshes()
    connected = connections.active_user_ids({creator_id for _, creator_id in due})
    services.lease([submission_id for submission_id, _ in due], LEASE_SECONDS)
    batches: dict[int, list[int]] = {}
    queued = 0
    for submission_id, creator_id in due:
        if creator_id in connected:
            batches.setdefault(creator_id, []).append(submission_id)
        elif jobqueue.enqueue(REFRESH_JOB, submission_id, job_id=f"refresh-{submission_id}",
                              timeout=120) is not None:
            queued += 1
    for creator_id, ids in batches.items():
        for start in range(0, len(ids), MAX_QUERY_IDS):
            chunk = sorted(ids[start:start + MAX_QUERY_IDS])
            job_id = f"refresh-batch-{creator_id}-{chunk[0]}-{len(chunk)}"
            queued += jobqueue.enqueue(BATCH_JOB, chunk, job_id=job_id, timeout=300) is not None
    enqueue_token_refresh()
    return queued


def enqueue_token_refresh() -> None:
    """Refresh every token that would expire before the next scan (plus the safety margin)."""
    config = current_app.config
    within = config["TIKTOK_TOKEN_REFRESH_MARGIN_SECONDS"] + config["REFRESH_SCAN_SECONDS"]
    if connections.any_active():
        jobqueue.enqueue(TOKENS_JOB, within, job_id="refresh-tiktok-tokens", timeout=300)
