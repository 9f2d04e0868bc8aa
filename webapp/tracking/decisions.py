"""Admins' decisions on flags, and the system's when a proof arrives (all audited).

Clearing lets the held money flow on to pending and available (a held count is dismissed and
the current count stands). Confirming a money flag books one reversal of what the video's open
money flags held; confirming a count flag makes the held count the video's count, and earnings
follow it. The flags themselves (raising, settling, reading) are webapp.tracking.flags.
"""
from __future__ import annotations

import json
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import aware
from webapp.tracking import flags, rules, services, signals
from webapp.tracking.flags import COUNT_KINDS, MONEY_KINDS, FlagError, _claim, _reason
from webapp.tracking.models import (
    CLEARED, CONFIRMED, DISMISSED, IDENTITY, OK, OPEN, SUSPECT, Flag, ViewSnapshot)


def clear(flag_id: int, admin_id: int | None, reason: str) -> Flag:
    """Nothing wrong: the held money flows on (pending, then available); a held count is
    dismissed and the current count stands."""
    reason = _reason(reason)
    flag = _claim(flag_id, CLEARED, admin_id, reason)
    if flag.kind in COUNT_KINDS:
        _dismiss_held_counts(flag.submission_id)
    audit.record(admin_id, "flag_cleared", "flag", flag.id, creator_id=flag.creator_id,
                 submission_id=flag.submission_id, kind=flag.kind, reason=reason)
    db.session.commit()
    return db.session.get(Flag, flag_id)


def confirm(flag_id: int, admin_id: int, reason: str) -> Flag:
    """The problem is real. Money flags: everything the video's open money flags hold is
    reversed in one ledger entry (booked once, however often this is clicked). Count flags:
    the held count becomes the video's count and earnings follow it."""
    reason = _reason(reason)
    flag = _claim(flag_id, CONFIRMED, admin_id, reason)
    if flag.kind in COUNT_KINDS:
        return _accept_held_count(flag, admin_id, reason)
    others = list(db.session.scalars(select(Flag).where(
        Flag.submission_id == flag.submission_id, Flag.status == OPEN,
        Flag.kind.in_(MONEY_KINDS), Flag.id != flag.id)))
    for other in others:  # they hold the same money: one decision, one reversal
        _claim(other.id, CONFIRMED, admin_id, reason, lock=False)
    start = min([flag.snapshot_id or 0] + [o.snapshot_id or 0 for o in others])
    amount = signals.answer(signals.money_flag_confirmed, flag.id, creator_id=flag.creator_id,
                            submission_id=flag.submission_id, from_snapshot_id=start,
                            reason=reason)  # earnings books the reversal in this transaction
    flag.reversed_amount = -amount
    if amount:  # the creator is told what was taken back, and why (same transaction)
        signals.money_taken_back.send(flag.submission_id, creator_id=flag.creator_id,
                                      flag_id=flag.id, amount=-amount, reason=reason)
    audit.record(admin_id, "flag_confirmed", "flag", flag.id, creator_id=flag.creator_id,
                 submission_id=flag.submission_id, kind=flag.kind, reason=reason,
                 reversed=-amount, also=[o.id for o in others])
    try:
        db.session.commit()
    except IntegrityError as exc:  # the reversal is booked already: never twice
        db.session.rollback()
        raise FlagError("already decided") from exc
    return db.session.get(Flag, flag_id)


def on_identity_proven(user_id: int) -> list[int]:
    """The creator proved their TikTok account: identity flags the proof answers are cleared
    by the system (audited); videos posted long before the proof stay held for a look."""
    from webapp.auth.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.identity_proven:
        return []
    cleared = []
    grace = current_app.config["IDENTITY_GRACE_DAYS"]
    still_held = False
    for flag in db.session.scalars(select(Flag).where(
            Flag.creator_id == user_id, Flag.kind == IDENTITY, Flag.status == OPEN)).all():
        sub = db.session.get(Submission, flag.submission_id)
        evidence = rules.identity(aware(user.tiktok_verified_at), aware(sub.video_created_at),
                                  grace)
        if evidence is None:
            try:
                clear(flag.id, None, "TikTok account proven")
            except FlagError:
                continue
            cleared.append(flag.id)
        elif not flags.evidence_of(flag).get("superseded"):
            # Held now because the video is older than the proof, not for want of it: what
            # the creator and the admins read follows (flags.shown_kind).
            flag.evidence = json.dumps(evidence, default=str)
            still_held = True
    if still_held:
        db.session.commit()
    return cleared


def _held_counts(submission_id: int) -> list[ViewSnapshot]:
    return list(db.session.scalars(select(ViewSnapshot).where(
        ViewSnapshot.submission_id == submission_id, ViewSnapshot.state == SUSPECT)
        .order_by(ViewSnapshot.id)))


def _dismiss_held_counts(submission_id: int) -> None:
    db.session.execute(update(ViewSnapshot).where(
        ViewSnapshot.submission_id == submission_id, ViewSnapshot.state == SUSPECT)
        .values(state=DISMISSED).execution_options(synchronize_session=False))


def _accept_held_count(flag: Flag, admin_id: int, reason: str) -> Flag:
    held = _held_counts(flag.submission_id)
    if not held:
        db.session.rollback()
        raise FlagError("no count is held for this video any more")
    latest = held[-1]  # the newest held count is TikTok's latest word
    _dismiss_held_counts(flag.submission_id)
    db.session.execute(update(ViewSnapshot).where(ViewSnapshot.id == latest.id)
                       .values(state=OK).execution_options(synchronize_session=False))
    sub = db.session.get(Submission, flag.submission_id)
    audit.record(admin_id, "flag_confirmed", "flag", flag.id, creator_id=flag.creator_id,
                 submission_id=flag.submission_id, kind=flag.kind, reason=reason,
                 views_before=sub.current_views, views=latest.views)
    db.session.commit()
    services.accept_snapshot(latest.id)
    signals.count_recorded.send(flag.submission_id, snapshot_id=latest.id, note=reason)
    return db.session.get(Flag, flag.id)

