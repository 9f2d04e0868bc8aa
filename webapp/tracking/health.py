"""How well ViewPay is reaching TikTok right now, for the admins' "TikTok sources" panel."""
from sqlalchemy import func, select

from webapp.auth.models import BROKEN, TikTokConnection
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.client import guard_from_config


def source_health() -> dict:
    """Breaker state, recent success and rate-budget use per source, plus what is failing."""
    failing = db.session.scalar(select(func.count(Submission.id)).where(
        Submission.status == APPROVED, Submission.refresh_failures > 0))
    broken = db.session.scalar(select(func.count(TikTokConnection.id)).where(
        TikTokConnection.status == BROKEN))
    return {"sources": guard_from_config().status(), "failing_videos": failing,
            "broken_connections": broken}
