"""Verified counts that were never credited (a worker killed between storing a snapshot and
crediting it): found by one query, credited idempotently without waiting for the next refresh.
And the batch form of a credit, for a refresh batch's counts in the transaction storing them.

The credit path is the ordinary one (credit_snapshot: conditional update on credit_seq plus the
snapshot's unique key), so running this while a worker credits the same snapshot books it once.
credit_many applies the same rules and the same two guards to many videos in two statements.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select, tuple_, update

from webapp.earnings.models import ACCRUAL, ADJUSTMENT, LedgerEntry
from webapp.earnings.services import credit_snapshot
from webapp.extensions import db
from webapp.money import earnings
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


def credit_many(pairs: list[tuple[int, int]]) -> int:
    """Credit stored counts (submission id, snapshot id) in the caller's transaction, which
    commits them with the counts; returns how many videos took a step.

    Same rules as credit_snapshot: each video's earnings become exactly its snapshot's views x
    its rate, never from an older, held or rounded count. One UPDATE claims every video's next
    step at the credit_seq read (a video another transaction credited meanwhile is skipped:
    its count stays uncredited and credit_missing takes it), one INSERT books the entries
    under their unique keys snapshot:<id>."""
    steps = []
    for submission_id, snapshot_id in pairs:
        sub = db.session.get(Submission, submission_id)
        snap = db.session.get(ViewSnapshot, snapshot_id)
        if (sub is None or snap is None or snap.submission_id != sub.id
                or sub.status != APPROVED or sub.rate is None or snap.state != OK
                or not snap.exact or (sub.credited_snapshot_id is not None
                                      and snap.id <= sub.credited_snapshot_id)):
            continue
        steps.append((sub, snap))
    if not steps:
        return 0
    claimed = set(db.session.scalars(
        update(Submission)
        .where(tuple_(Submission.id, Submission.credit_seq).in_(
            [(sub.id, sub.credit_seq) for sub, _ in steps]))
        .values(credit_seq=Submission.credit_seq + 1,
                credited_views=case({sub.id: snap.views for sub, snap in steps},
                                    value=Submission.id),
                credited_snapshot_id=case({sub.id: snap.id for sub, snap in steps},
                                          value=Submission.id))
        .returning(Submission.id).execution_options(synchronize_session=False)))
    for sub, snap in steps:
        if sub.id not in claimed:
            continue
        amount = earnings(snap.views, sub.rate) - earnings(sub.credited_views, sub.rate)
        if amount != 0:
            db.session.add(LedgerEntry(
                creator_id=sub.creator_id, submission_id=sub.id, snapshot_id=snap.id,
                kind=ACCRUAL if amount > 0 else ADJUSTMENT, amount=amount,
                idempotency_key=f"snapshot:{snap.id}", views_from=sub.credited_views,
                views_to=snap.views, rate=sub.rate))
        db.session.expire(sub, ["credit_seq", "credited_views", "credited_snapshot_id"])
    return len(claimed)
