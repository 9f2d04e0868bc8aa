"""When earned money becomes withdrawable: derived from entry times and open flags, never stored.

Every entry falls in exactly one bucket (so pending + held + available + reserved = balance,
which `ledger verify` checks for every creator):
    held       positive earnings of a video from the snapshot an open flag was raised on
    pending    other positive earnings younger than VALIDATION_DAYS
    available  everything else (amount - reserved): older earnings, decreases and reversals
               (which count at once, so a creator can never withdraw money about to go),
               and the payout entries
    reserved   the part held for withdrawals in progress
No job moves money between buckets: time passing and an admin's decision on a flag do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import BigInteger, and_, case, func, not_, select, type_coerce

from webapp.earnings.models import EARNING_KINDS, LedgerEntry
from webapp.extensions import db
from webapp.money import from_units
from webapp.timeutil import utcnow
from webapp.tracking.flags import shown_kind
from webapp.tracking.models import OPEN, Flag

ZERO = Decimal(0)


def window() -> timedelta:
    return timedelta(days=float(current_app.config["VALIDATION_DAYS"]))


def _earning():
    return and_(LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.amount > ZERO)


def held_clause():
    """A positive earning of a video at or after the snapshot an open flag was raised on."""
    flagged = select(Flag.id).where(
        Flag.submission_id == LedgerEntry.submission_id, Flag.status == OPEN,
        func.coalesce(Flag.snapshot_id, 0) <= LedgerEntry.snapshot_id).exists()
    return and_(_earning(), LedgerEntry.snapshot_id.is_not(None), flagged)


def pending_clause(now: datetime):
    return and_(_earning(), not_(held_clause()), LedgerEntry.created_at > now - window())


def sum_units(column, *where) -> Decimal:
    """SUM of a Money column as an exact Decimal (raw integer units summed by the database)."""
    total = db.session.scalar(select(func.sum(type_coerce(column, BigInteger))).where(*where))
    return from_units(int(total or 0))


@dataclass(frozen=True)
class Totals:
    """Every figure a sum of entries: balance = pending + held + available + reserved."""

    balance: Decimal
    reserved: Decimal
    available: Decimal
    pending: Decimal = Decimal(0)
    held: Decimal = Decimal(0)


def _units(column):
    return type_coerce(column, BigInteger)


def _open_flags_since(creator_id: int):
    """Per video of the creator with an open flag, the earliest snapshot one holds from: an
    entry is held when its snapshot is at or after it (held_clause's EXISTS, as a join, so one
    pass over the entries can test it in several sums). Flags carry their video's creator."""
    return (select(Flag.submission_id,
                   func.min(func.coalesce(Flag.snapshot_id, 0)).label("since"))
            .where(Flag.creator_id == creator_id, Flag.status == OPEN)
            .group_by(Flag.submission_id).subquery("open_flags"))


def summarize(creator_id: int, now: datetime | None = None, *more) -> tuple[Totals, tuple]:
    """The creator's buckets, and any `more` aggregate columns over the same entries, in one
    statement: each bucket is still its own conditional sum (not one CASE choosing a bucket),
    so `ledger verify` catches an entry counted twice or never."""
    now = now or utcnow()
    since = _open_flags_since(creator_id)
    held = and_(_earning(), LedgerEntry.snapshot_id.is_not(None), since.c.since.is_not(None),
                since.c.since <= LedgerEntry.snapshot_id)
    pending = and_(_earning(), not_(held), LedgerEntry.created_at > now - window())
    free = and_(not_(held), not_(pending))

    def total(column, where=None):
        return func.sum(_units(column) if where is None else case((where, _units(column)),
                                                                     else_=0))

    row = db.session.execute(
        select(total(LedgerEntry.amount), total(LedgerEntry.reserved),
               total(LedgerEntry.amount, free), total(LedgerEntry.reserved, free),
               total(LedgerEntry.amount, pending), total(LedgerEntry.amount, held), *more)
        .select_from(LedgerEntry)
        .outerjoin(since, since.c.submission_id == LedgerEntry.submission_id)
        .where(LedgerEntry.creator_id == creator_id)).one()
    balance, reserved, free_amount, free_reserved, pending_sum, held_sum = (
        from_units(int(value or 0)) for value in row[:6])
    return Totals(balance=balance, reserved=reserved, available=free_amount - free_reserved,
                  pending=pending_sum, held=held_sum), tuple(row[6:])


def totals(creator_id: int, now: datetime | None = None) -> Totals:
    """Each figure its own sum over the creator's entries (available is not a difference of
    other figures), one statement."""
    return summarize(creator_id, now)[0]


def pending_schedule(creator_id: int, now: datetime | None = None,
                     limit: int = 5) -> list[tuple[datetime, Decimal]]:
    """When pending money becomes available: (moment, amount), soonest first.

    Grouped by the UTC day the money was earned; each group's moment is the end of that day
    plus the window, so the promise is never early (at most a day late)."""
    now = now or utcnow()
    day = func.date(LedgerEntry.created_at)
    rows = db.session.execute(
        select(day, func.sum(type_coerce(LedgerEntry.amount, BigInteger)))
        .where(LedgerEntry.creator_id == creator_id, pending_clause(now))
        .group_by(day).order_by(day).limit(limit)).all()
    schedule = []
    for earned_on, units in rows:
        earned_on = earned_on if isinstance(earned_on, str) else earned_on.isoformat()
        start = datetime.fromisoformat(earned_on[:10]).replace(tzinfo=now.tzinfo)
        moment = min(start + timedelta(days=1), now) + window()
        schedule.append((moment, from_units(int(units))))
    return schedule


def entry_states(creator_id: int, entries, now: datetime | None = None) -> dict[int, tuple]:
    """For the entries on a page: entry id -> ("held", flag kind as the creator reads it) or
    ("pending", moment)."""
    now = now or utcnow()
    open_flags = [(sub_id, snap_id, shown_kind(kind, evidence))
                  for sub_id, snap_id, kind, evidence in db.session.execute(
                      select(Flag.submission_id, Flag.snapshot_id, Flag.kind, Flag.evidence)
                      .where(Flag.creator_id == creator_id, Flag.status == OPEN))]
    states = {}
    for entry in entries:
        if entry.kind not in EARNING_KINDS or entry.amount <= 0:
            continue
        holding = [kind for sub_id, snap_id, kind in open_flags
                   if entry.snapshot_id is not None and sub_id == entry.submission_id
                   and (snap_id or 0) <= entry.snapshot_id]
        created = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(
            tzinfo=now.tzinfo)
        if holding:
            states[entry.id] = ("held", holding[0])
        elif created > now - window():
            states[entry.id] = ("pending", created + window())
    return states
