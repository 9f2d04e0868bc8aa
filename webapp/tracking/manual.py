"""Views typed in by an admin when automatic fetching is unavailable.

They enter exactly where a fetch does (a snapshot with source "manual", then the same credit),
so there is one path to money; the admin's name and the reason are kept in the audit log.
"""
from flask import current_app

from webapp.audit import services as audit
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.stats import VideoStats
from webapp.tracking import services
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import ViewSnapshot


class NeedsConfirmation(InvalidViews):
    """The entered count is a big drop: the admin must say it is real."""


def is_big_drop(sub: Submission, views: int) -> bool:
    before = sub.current_views
    return bool(before) and (views == 0 or views < before * current_app.config["SUSPECT_DROP_RATIO"])


def enter_views(submission_id: int, admin_id: int, views: int, reason: str,
                confirm_drop: bool = False) -> ViewSnapshot:
    """Record an admin's count for an approved video and credit it like a fetched one."""
    views = services.validate_views(views)
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.status != APPROVED:
        raise InvalidViews("Views can only be entered for approved videos.", "not_approved")
    if is_big_drop(sub, views) and not confirm_drop:
        raise NeedsConfirmation(
            f"That is a drop from {sub.current_views} views; confirm it is real.")
    before = sub.current_views
    snap = services.record_snapshot(
        submission_id, VideoStats(video_id=sub.video_id, source="manual", views=views),
        entered_by_id=admin_id, confirm_drop=confirm_drop)
    audit.record(admin_id, "manual_views", "submission", submission_id,
                 views_before=before, views_after=views, reason=reason, snapshot_id=snap.id)
    db.session.commit()
    earnings.credit_snapshot(submission_id, snap.id)
    return snap
