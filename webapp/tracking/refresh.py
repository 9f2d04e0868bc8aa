"""One refresh: fetch a video's counts from the best source, store them, credit earnings."""
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.client import http_from_config
from webapp.tiktok.errors import RateLimited, TikTokError
from webapp.tiktok.sources import PageSource
from webapp.tracking import services
from webapp.tracking.errors import InvalidViews


def refresh_submission(submission_id: int) -> str:
    """Safe to run twice: a second run stores another snapshot but credits nothing new."""
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.status != APPROVED:
        return "skipped"
    video_id = sub.video_id
    db.session.rollback()  # no transaction held open across the network call
    try:
        stats = PageSource(http_from_config()).fetch(video_id)
        if stats.views is None:
            raise InvalidViews("the source gave no view count")
        snap = services.record_snapshot(submission_id, stats)
    except RateLimited as exc:
        services.record_failure(submission_id, f"{exc.reason}: {exc.message}", exc.retry_after)
        return exc.reason
    except (TikTokError, InvalidViews) as exc:
        reason = getattr(exc, "reason", "invalid_views")
        services.record_failure(submission_id, f"{reason}: {exc}")
        return reason
    earnings.credit_snapshot(submission_id, snap.id)
    return snap.state
