"""Flags: reasons not to trust part of a video's money yet, and the admin's decision on them.

A flag is raised by a rule (webapp.tracking.rules) on the snapshot that tripped it and keeps
the evidence the rule saw. While open it holds the video's earnings from that snapshot on:
they are accrued and shown, but not withdrawable (webapp.earnings.availability derives this;
no balance is ever written). An admin clears it (the money flows on to pending / available)
or confirms it (the problem is real: the held money is reversed, or the held count is
accepted); both are audited (webapp.tracking.decisions). At most one open flag per video and
kind (a unique index).
"""
from __future__ import annotations

import json

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.txn import begin_write
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow
from webapp.tracking.models import (
    CLEARED, CLIFF, CONFIRMED, ENGAGEMENT, IDENTITY, MISMATCH, OPEN, SPIKE, SUPERSEDED, Flag,
    ViewSnapshot)
from webapp.tracking import signals


def has_open_flag(submission_id: int) -> bool:
    return db.session.scalar(select(exists().where(
        Flag.submission_id == submission_id, Flag.status == OPEN))) or False


def open_for_creator(creator_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(
        Flag.creator_id == creator_id, Flag.status == OPEN).order_by(Flag.id)))


def creators_with_open_flags(creator_ids) -> set[int]:
    creator_ids = list(creator_ids)
    if not creator_ids:
        return set()
    return set(db.session.scalars(select(Flag.creator_id).where(
        Flag.creator_id.in_(creator_ids), Flag.status == OPEN).distinct()))


# What a creator is told an identity flag is about, when it is not their missing proof.
IDENTITY_OLD = "identity_old"  # proven, but the video was posted long before the proof
IDENTITY_CLAIMED = "identity_claimed"  # the TikTok account's proven owner claimed the video


def evidence_dict(evidence: dict | str | None) -> dict:
    """A flag's stored evidence (JSON text) as a dict; {} when unreadable."""
    if isinstance(evidence, dict):
        return evidence
    try:
        found = json.loads(evidence or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def confirmed_evidence(submission_id: int, kind: str) -> dict | None:
    """The evidence of the video's latest flag of `kind` an admin confirmed (None: none)."""
    text = db.session.scalar(select(Flag.evidence).where(
        Flag.submission_id == submission_id, Flag.kind == kind, Flag.status == CONFIRMED)
        .order_by(Flag.id.desc()).limit(1))
    return None if text is None else evidence_dict(text)


def shown_kind(kind: str, evidence: dict | str | None) -> str:
    """The flag's kind as its creator reads it: an identity flag of a creator who did prove
    their account is no request to prove it (`rules.identity`, `hold_whole_video`)."""
    if kind != IDENTITY:
        return kind
    evidence = evidence_dict(evidence)
    if evidence.get("superseded"):
        return IDENTITY_CLAIMED
    return IDENTITY_OLD if evidence.get("proven") else IDENTITY


def add_flag(submission_id: int, creator_id: int, kind: str, snapshot_id: int | None,
             evidence: dict) -> Flag | None:
    """Open a flag of `kind` in the caller's transaction unless one is open already (None).
    Two workers racing on one video: the partial unique index fails the second commit."""
    if db.session.scalar(select(Flag.id).where(Flag.submission_id == submission_id,
                                               Flag.kind == kind, Flag.status == OPEN)):
        return None
    flag = Flag(submission_id=submission_id, creator_id=creator_id, kind=kind, status=OPEN,
                snapshot_id=snapshot_id, evidence=json.dumps(evidence, default=str))
    db.session.add(flag)
    signals.flag_raised.send(submission_id, creator_id=creator_id, kind=kind,
                             snapshot_id=snapshot_id, shown=shown_kind(kind, evidence))
    # (the creator is told in the same transaction, if the video earns yet)
    return flag


def raise_flag(submission_id: int, creator_id: int, kind: str, snapshot_id: int | None,
               evidence: dict) -> Flag | None:
    """Open a flag of `kind` unless one is open already (then None). Commits."""
    flag = add_flag(submission_id, creator_id, kind, snapshot_id, evidence)
    if flag is None:
        return None
    try:
        db.session.commit()
    except IntegrityError:  # another worker raised the same flag a moment ago
        db.session.rollback()
        return None
    return flag


def close_unpaid(submission_id: int, reason: str) -> int:
    """A video that ends without ever being approved (rejected) earned nothing, so its open
    flags hold nothing: they are closed, out of the admins' queue. Commits; how many."""
    never_paid = select(Submission.id).where(Submission.id == submission_id,
                                             Submission.rate.is_(None))
    moved = db.session.execute(
        update(Flag).where(Flag.submission_id == submission_id, Flag.status == OPEN,
                           Flag.submission_id.in_(never_paid))
        .values(status=SUPERSEDED, decided_at=utcnow(), decision_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return moved


def hold_whole_video(submission_id: int, creator_id: int, evidence: dict) -> None:
    """Hold everything a video ever earned (an identity flag from its first snapshot): its
    claim was superseded by the TikTok account's proven owner. The caller commits."""
    if open_flag(submission_id, IDENTITY) is None:
        db.session.add(Flag(submission_id=submission_id, creator_id=creator_id, kind=IDENTITY,
                            status=OPEN, snapshot_id=None,
                            evidence=json.dumps(evidence, default=str)))


MONEY_KINDS = (SPIKE, ENGAGEMENT, IDENTITY)  # confirmed: the money they held is reversed
COUNT_KINDS = (CLIFF, MISMATCH)  # confirmed: the held count is accepted, money follows it


class FlagError(ValueError):
    """The flag is no longer open (decided by someone else, or settled by a newer count)."""


def open_flag(submission_id: int, kind: str) -> Flag | None:
    return db.session.scalar(select(Flag).where(Flag.submission_id == submission_id,
                                                Flag.kind == kind, Flag.status == OPEN))


def was_cleared(submission_id: int, kind: str, since=None) -> bool:
    """An admin already looked at this rule for this video and found nothing wrong."""
    query = select(Flag.id).where(Flag.submission_id == submission_id, Flag.kind == kind,
                                  Flag.status == CLEARED)
    if since is not None:
        query = query.where(Flag.created_at >= since)
    return db.session.scalar(query.limit(1)) is not None


def get(flag_id: int) -> Flag | None:
    return db.session.get(Flag, flag_id)


def for_submission(submission_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.submission_id == submission_id)
                                   .order_by(Flag.id.desc())))


def evidence_of(flag: Flag) -> dict:
    return evidence_dict(flag.evidence)


def settle_count_flags(submission_id: int, snap: ViewSnapshot, commit: bool = True) -> None:
    """A trusted count became current: open cliff / mismatch flags of the video are settled
    (the count recovered, a second sighting confirmed the drop, or TikTok caught up with the
    admin's entry). Nothing of the money changes here."""
    moved = db.session.execute(
        update(Flag).where(Flag.submission_id == submission_id, Flag.status == OPEN,
                           Flag.kind.in_(COUNT_KINDS))
        .values(status=SUPERSEDED, decided_at=utcnow(),
                decision_reason=f"settled by count {snap.views} (snapshot {snap.id})")
        .execution_options(synchronize_session=False))
    if moved.rowcount and commit:
        db.session.commit()


def page(status: str = OPEN, kind: str | None = None, page_number: int = 1, per_page: int = 50):
    """Flags for the admin page: open ones oldest first (first raised, first decided)."""
    query = select(Flag)
    if status != "all":
        query = query.where(Flag.status == status)
    if kind:
        query = query.where(Flag.kind == kind)
    if status == OPEN:  # first raised, first decided
        query = query.order_by(Flag.id)
    else:  # open ones first, then the latest decisions
        query = query.order_by((Flag.status == OPEN).desc(), Flag.id.desc())
    return db.paginate(query, page=page_number, per_page=per_page, error_out=False)


def count_open() -> int:
    return db.session.scalar(select(func.count(Flag.id)).where(Flag.status == OPEN)) or 0


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise FlagError("a decision needs a reason")
    return reason[:1000]


def _claim(flag_id: int, status: str, admin_id: int | None, reason: str,
           lock: bool = True) -> Flag:
    """Move an open flag to `status` exactly once (a double click or a second admin loses)."""
    if lock:
        begin_write()
    moved = db.session.execute(
        update(Flag).where(Flag.id == flag_id, Flag.status == OPEN)
        .values(status=status, decided_by_id=admin_id, decided_at=utcnow(),
                decision_reason=reason)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        if db.session.get(Flag, flag_id) is None:
            raise LookupError("no such flag")
        raise FlagError("this flag is no longer open")
    flag = db.session.get(Flag, flag_id)
    db.session.refresh(flag)
    return flag

