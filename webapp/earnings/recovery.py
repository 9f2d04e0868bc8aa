"""Verified counts that were never credited (a worker killed between storing a snapshot and
crediting it): found by one query, credited idempotently without waiting for the next refresh.
And the batch form of a credit, for a refresh batch's counts in the transaction storing them.

The credit path is the ordinary one (credit_snapshot: conditional update on credit_seq plus the
snapshot's unique key), so running this while a worker credits the same snapshot books it once.
credit_many applies the same rules and the same two guards to many videos in two statements.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

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


def credit_approved(submission_ids: list[int]) -> int:
    """The counts verification stored for a bulk approval's videos, credited in one
    transaction (credit_many: the same rules and guards as credit_snapshot); if another worker
    credits one of them meanwhile, each is credited on its own. Returns how many were."""
    if not submission_ids:
        return 0
    pairs = sorted(db.session.execute(
        select(ViewSnapshot.submission_id, func.max(ViewSnapshot.id))
        .where(ViewSnapshot.submission_id.in_(submission_ids), ViewSnapshot.state == OK,
               ViewSnapshot.exact.is_(True))
        .group_by(ViewSnapshot.submission_id)).all())
    # Read together; held in `loaded` while credit_many runs (the session keeps unchanged
    # objects only weakly).
    loaded = (list(db.session.scalars(select(Submission).where(Submission.id.in_(
                  [s for s, _ in pairs])))),
              list(db.session.scalars(select(ViewSnapshot).where(ViewSnapshot.id.in_(
                  [p for _, p in pairs])))))
    try:
        credited = credit_many(pairs)
        db.session.commit()
        return credited
    except (CreditRace, IntegrityError):
        db.session.rollback()
    return sum(credit_snapshot(sub_id, snap_id) is not None for sub_id, snap_id in pairs)


class CreditRace(RuntimeError):
    """Another transaction credited one of the videos first: the batch must not stand as is
    (the caller rolls back and credits its videos one at a time, with credit_snapshot)."""


def credit_many(pairs: list[tuple[int, int]]) -> int:
    """Credit stored counts (submission id, snapshot id) in the caller's transaction, which
    commits them with the counts; returns how many videos took a step.

    Same rules as credit_snapshot: each video's earnings become exactly its snapshot's views x
    its rate, never from an older, held or rounded count. The same guards too: each video's
    step is claimed by a conditional UPDATE at the credit_seq read (one statement, executed for
    all of them at once), and each entry has its unique key snapshot:<id>. Raises CreditRace
    when any claim fails, so that nothing of the batch is booked on a stale read."""
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
    claimed = db.session.execute(_CLAIM, [
        {"b_id": sub.id, "b_seq": sub.credit_seq, "b_views": snap.views, "b_snap": snap.id}
        for sub, snap in steps]).rowcount
    if claimed != len(steps):
        raise CreditRace(f"{len(steps) - claimed} of {len(steps)} videos were credited meanwhile")
    for sub, snap in steps:
        amount = earnings(snap.views, sub.rate) - earnings(sub.credited_views, sub.rate)
        if amount != 0:
            db.session.add(LedgerEntry(
                creator_id=sub.creator_id, submission_id=sub.id, snapshot_id=snap.id,
                kind=ACCRUAL if amount > 0 else ADJUSTMENT, amount=amount,
                idempotency_key=f"snapshot:{snap.id}", views_from=sub.credited_views,
                views_to=snap.views, rate=sub.rate))
        db.session.expire(sub, ["credit_seq", "credited_views", "credited_snapshot_id"])
    return len(steps)


_SUBMISSIONS = Submission.__table__
_CLAIM = (update(_SUBMISSIONS)
          .where(_SUBMISSIONS.c.id == bindparam("b_id"),
                 _SUBMISSIONS.c.credit_seq == bindparam("b_seq"))
          .values(credit_seq=bindparam("b_seq") + 1, credited_views=bindparam("b_views"),
                  credited_snapshot_id=bindparam("b_snap")))
