"""Flags: reasons not to trust part of a video's money yet, and the admin's decision on them.

A flag is raised by a rule (webapp.tracking.rules) on the snapshot that tripped it and keeps
the evidence the rule saw. While open it holds the video's earnings from that snapshot on:
they are accrued and shown, but not withdrawable (webapp.earnings.availability derives this;
no balance is ever written). An admin clears it (the money flows on to pending / available)
or confirms it (the problem is real: the held money is reversed, or the held count is
accepted); both are audited. At most one open flag per video and kind (a unique index).
"""
from __future__ import annotations

import json

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.tracking.models import OPEN, Flag


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


def raise_flag(submission_id: int, creator_id: int, kind: str, snapshot_id: int | None,
               evidence: dict) -> Flag | None:
    """Open a flag of `kind` unless one is open already (then None). Commits."""
    if db.session.scalar(select(Flag.id).where(Flag.submission_id == submission_id,
                                               Flag.kind == kind, Flag.status == OPEN)):
        return None
    flag = Flag(submission_id=submission_id, creator_id=creator_id, kind=kind, status=OPEN,
                snapshot_id=snapshot_id, evidence=json.dumps(evidence, default=str))
    db.session.add(flag)
    try:
        db.session.commit()
    except IntegrityError:  # another worker raised the same flag a moment ago
        db.session.rollback()
        return None
    return flag
