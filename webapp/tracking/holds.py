"""Held counts (big drops, automatic counts under an admin's entry): an admin confirms one
(the count is real, earnings follow it) or dismisses it. Each comes with a cliff or
count-mismatch flag, and deciding the hold decides the flag (webapp.tracking.flags).

A drop of more than SUSPECT_DROP_RATIO, or to 0, is stored as a SUSPECT snapshot and credits
nothing. It stays open while it is the video's latest snapshot: a second low sighting, or a
recovered count, supersedes it on its own. Failed or blocked fetches never store a snapshot,
so there is never anything to confirm for them.
"""
from sqlalchemy import func, select, update

from webapp.audit import services as audit
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tracking import decisions, flags, services, signals
from webapp.tracking.models import CLIFF, DISMISSED, MISMATCH, OK, SUSPECT, ViewSnapshot


class HoldError(ValueError):
    """The held drop is no longer open (already decided, or superseded by a newer fetch)."""


def _latest_ids():
    return select(func.max(ViewSnapshot.id)).group_by(ViewSnapshot.submission_id)


def open_holds(limit: int = 200, submission_id: int | None = None
               ) -> list[tuple[ViewSnapshot, Submission]]:
    """Suspect drops still waiting for a decision, oldest first, with their video."""
    query = (select(ViewSnapshot, Submission)
             .join(Submission, Submission.id == ViewSnapshot.submission_id)
             .where(ViewSnapshot.state == SUSPECT, ViewSnapshot.id.in_(_latest_ids()),
                    Submission.status == APPROVED))
    if submission_id is not None:
        query = query.where(Submission.id == submission_id)
    return [tuple(row) for row in db.session.execute(query.order_by(ViewSnapshot.id).limit(limit))]


def open_hold_for(submission_id: int) -> tuple[ViewSnapshot, Submission] | None:
    found = open_holds(limit=1, submission_id=submission_id)
    return found[0] if found else None


def confirm(snapshot_id: int, admin_id: int, reason: str = "drop confirmed") -> ViewSnapshot:
    """The drop is real: the snapshot becomes a verified count and earnings follow it."""
    if _decided_by_flag(snapshot_id, decisions.confirm, admin_id, reason):
        return db.session.get(ViewSnapshot, snapshot_id)
    snap = _claim(snapshot_id, OK)  # a hold from before flags existed
    sub = db.session.get(Submission, snap.submission_id)
    audit.record(admin_id, "confirm_drop", "snapshot", snap.id, creator_id=sub.creator_id,
                 submission_id=sub.id, views_before=sub.current_views, views=snap.views)
    db.session.commit()
    services.accept_snapshot(snap.id)
    signals.count_recorded.send(sub.id, snapshot_id=snap.id, note=reason)
    return db.session.get(ViewSnapshot, snapshot_id)


def dismiss(snapshot_id: int, admin_id: int, reason: str = "drop dismissed") -> ViewSnapshot:
    """The drop is wrong (a glitch): nothing changes, and the next fetch is judged afresh."""
    if _decided_by_flag(snapshot_id, decisions.clear, admin_id, reason):
        return db.session.get(ViewSnapshot, snapshot_id)
    snap = _claim(snapshot_id, DISMISSED)
    sub = db.session.get(Submission, snap.submission_id)
    audit.record(admin_id, "dismiss_drop", "snapshot", snap.id, creator_id=sub.creator_id,
                 submission_id=snap.submission_id, views=snap.views)
    db.session.commit()
    return db.session.get(ViewSnapshot, snapshot_id)


def _decided_by_flag(snapshot_id: int, decide, admin_id: int, reason: str) -> bool:
    """Decide the hold through its cliff / mismatch flag; False for a hold without one."""
    flag = _count_flag_of(snapshot_id)
    if flag is None:
        return False
    try:
        decide(flag.id, admin_id, reason)
    except flags.FlagError as exc:
        raise HoldError(str(exc)) from exc
    return True


def _count_flag_of(snapshot_id: int):
    """The open cliff / mismatch flag holding this snapshot, if it is the video's open hold."""
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if snap is None:
        raise LookupError("no such snapshot")
    if snap.state != SUSPECT or open_hold_for(snap.submission_id) is None \
            or open_hold_for(snap.submission_id)[0].id != snapshot_id:
        return None
    for kind in (CLIFF, MISMATCH):
        flag = flags.open_flag(snap.submission_id, kind)
        if flag is not None:
            return flag
    return None


def _claim(snapshot_id: int, state: str) -> ViewSnapshot:
    """Move an open hold to `state` exactly once (a double click or a second admin: HoldError)."""
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if snap is None:
        raise LookupError("no such snapshot")
    latest = db.session.scalar(select(func.max(ViewSnapshot.id)).where(
        ViewSnapshot.submission_id == snap.submission_id))
    moved = db.session.execute(
        update(ViewSnapshot).where(ViewSnapshot.id == snapshot_id, ViewSnapshot.state == SUSPECT)
        .values(state=state).execution_options(synchronize_session=False))
    if latest != snapshot_id or moved.rowcount != 1:
        db.session.rollback()
        raise HoldError("this drop is no longer held")
    db.session.refresh(snap)
    return snap
