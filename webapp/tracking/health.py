"""How well ViewPay is reaching TikTok right now, for the admins' "TikTok sources" panel."""
from sqlalchemy import func, literal, select

from webapp.auth.models import BROKEN, TikTokConnection
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.client import guard_from_config


def source_health() -> dict:
    """Breaker state, recent success and rate-budget use per source, plus what is failing."""
    # The partial index ix_submissions_failing (migration 0016) holds just these rows; its
    # condition is written out in the SQL, so that a prepared (generic) plan may use it too.
    failing = db.session.scalar(select(func.count(Submission.id)).where(
        Submission.status == literal(APPROVED, literal_execute=True),
        Submission.refresh_failures > literal(0, literal_execute=True)))
    broken = db.session.scalar(select(func.count(TikTokConnection.id)).where(
        TikTokConnection.status == BROKEN))
    return {"sources": guard_from_config().status(), "failing_videos": failing,
            "broken_connections": broken}
