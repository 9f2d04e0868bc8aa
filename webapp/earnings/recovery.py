"""Verified counts that were never credited (a worker killed between storing a snapshot and
crediting it): found by one query, credited idempotently without waiting for the next refresh.

The credit path is the ordinary one (credit_snapshot: conditional update on credit_seq plus the
snapshot's unique key), so running this while a worker credits the same snapshot books it once.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from webapp.earnings.services import credit_snapshot
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import utcnow
from webapp.tracking.models import OK, ViewSnapshot


def uncredited(now: datetime | None = None, grace_seconds: int | None = None
               ) -> list[tuple[int, int]]:
    """(submission id, newest payable snapshot id) of approved videos whose newest ok, exact
    count is newer than what was credited and older than the grace period."""
    now = now or utcnow()
    if grace_seconds is None:
        grace_seconds = current_app.config["CREDIT_GRACE_SECONDS"]
    newest = (select(ViewSnapshot.submission_id, func.max(ViewSnapshot.id).label("snap_id"))
              .where(ViewSnapshot.state == OK, ViewSnapshot.exact.is_(True))
              .group_by(ViewSnapshot.submission_id).subquery())
    rows = db.session.execute(
        select(Submission.id, newest.c.snap_id)
        .join(newest, newest.c.submission_id == Submission.id)
        .join(ViewSnapshot, ViewSnapshot.id == newest.c.snap_id)
        .where(Submission.status == APPROVED, Submission.rate.is_not(None),
               newest.c.snap_id > func.coalesce(Submission.credited_snapshot_id, 0),
               ViewSnapshot.created_at <= now - timedelta(seconds=grace_seconds))
        .order_by(Submission.id)).all()
    return [(sub_id, snap_id) for sub_id, snap_id in rows]


def credit_missing(now: datetime | None = None, grace_seconds: int | None = None) -> int:
    """Credit every verified-but-uncredited count; returns how many were credited now."""
    found = uncredited(now, grace_seconds)
    db.session.rollback()
    credited = 0
    for submission_id, snapshot_id in found:
        if credit_snapshot(submission_id, snapshot_id) is not None:
            credited += 1
    return credited
