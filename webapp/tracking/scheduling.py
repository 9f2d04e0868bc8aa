"""Turning due videos into queued refresh jobs (the scheduler and `jobs refresh-due` share this)."""
from webapp.extensions import jobqueue
from webapp.tracking.services import due_submission_ids

REFRESH_JOB = "jobs.refresh.refresh_submission"


def enqueue_due_refreshes() -> int:
    """Queue one refresh per due video; a video already queued is not queued twice."""
    queued = 0
    for submission_id in due_submission_ids():
        if jobqueue.enqueue(REFRESH_JOB, submission_id, job_id=f"refresh-{submission_id}",
                            timeout=120) is not None:
            queued += 1
    return queued
