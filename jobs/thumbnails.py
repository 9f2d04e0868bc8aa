"""The periodic cover backfill (every THUMBNAIL_BACKFILL_SECONDS, queued by jobs.scheduler).

A bounded batch per run: each video costs one oEmbed call and one CDN download, and the
oEmbed budget (TIKTOK_OEMBED_RATE, 120 a minute by default) is shared with verification, so a
run takes at most a third of a minute's worth and stops as soon as the budget says wait; the
rest waits for the next run. Safe to run twice: a stored cover takes a video out of the batch.
"""
import json

from jobs.context import app_context

BATCH = 40
TIMEOUT_SECONDS = 900  # BATCH x two calls at TIKTOK_TIMEOUT_SECONDS (10) each, with room


def backfill(limit: int = BATCH) -> str:
    """Covers (and captions) of live videos that have none; the counts, as JSON."""
    from webapp.submissions.thumbnails import backfill as run

    with app_context():
        return json.dumps(run(limit))
