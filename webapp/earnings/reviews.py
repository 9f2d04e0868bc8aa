"""What a creator is told about reviews of their money: open flags and recent decisions."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import or_, select

from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow
from webapp.tracking.flags import shown_kind
from webapp.tracking.models import OPEN, Flag

RECENT_DAYS = 30


@dataclass(frozen=True)
class Review:
    kind: str  # as the creator reads it (tracking.flags.shown_kind)
    status: str
    video_id: str
    caption: str | None
    submission_id: int
    reason: str | None
    reversed: Decimal | None
    at: object
    # Cleared, but another check of the same video holds or took back its money: "all fine,
    # the money is released" would be untrue.
    others_decide: bool = False


def for_creator(creator_id: int, limit: int = 20) -> list[Review]:
    """Open flags, then decisions of the last RECENT_DAYS (settled-by-a-newer-count ones are
    not news to anyone and are left out). Only of videos that were approved (their rate is
    locked then): a flag on a video still waiting, rejected or not the creator's holds no
    money, so there is nothing to review for them."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    rows = db.session.execute(
        select(Flag, Submission.video_id, Submission.caption)
        .join(Submission, Submission.id == Flag.submission_id)
        .where(Flag.creator_id == creator_id, Submission.rate.is_not(None),
               or_(Flag.status == OPEN,
                   Flag.status.in_(("cleared", "confirmed")) & (Flag.decided_at >= since)))
        .order_by((Flag.status == OPEN).desc(), Flag.id.desc()).limit(limit)).all()
    deciding = {f.submission_id for f, _, _ in rows if f.status in (OPEN, "confirmed")}
    return [Review(shown_kind(f.kind, f.evidence), f.status, video_id, caption,
                   f.submission_id, f.decision_reason, f.reversed_amount,
                   f.decided_at or f.created_at,
                   others_decide=f.status == "cleared" and f.submission_id in deciding)
            for f, video_id, caption in rows]
