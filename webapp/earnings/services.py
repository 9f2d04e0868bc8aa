"""Money moves here and nowhere else: rates, ledger entries, balances."""
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.earnings.models import ACCRUAL, ADJUSTMENT, LedgerEntry, Rate
from webapp.extensions import db
from webapp.money import earnings
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import utcnow
from webapp.tracking.models import OK, ViewSnapshot


def current_rate(at: datetime | None = None) -> Decimal:
    """The per-view rate in force at `at` (now): the latest dated rate, else the configured one."""
    at = at or utcnow()
    rate = db.session.scalar(
        select(Rate.per_view).where(Rate.effective_from <= at)
        .order_by(Rate.effective_from.desc(), Rate.id.desc()).limit(1))
    return rate if rate is not None else current_app.config["RATE_PER_VIEW"]


def credit_snapshot(submission_id: int, snapshot_id: int) -> LedgerEntry | None:
    """Bring a video's earnings to exactly snapshot.views x its rate, at most once per snapshot.

    Credits follow the cumulative count, never per-run deltas, so any sequence of refreshes
    sums to views x rate. The conditional UPDATE on credit_seq lets exactly one of two racing
    workers take the step; the unique idempotency key stops a replay of the same snapshot.
    """
    sub = db.session.get(Submission, submission_id)
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if sub is None or snap is None or snap.submission_id != sub.id:
        raise LookupError("no such snapshot for this submission")
    if sub.status != APPROVED or sub.rate is None or snap.state != OK:
        return None
    if sub.credited_snapshot_id is not None and snap.id <= sub.credited_snapshot_id:
        return None  # an older observation must never roll earnings back
    seq, views_from = sub.credit_seq, sub.credited_views
    amount = earnings(snap.views, sub.rate) - earnings(views_from, sub.rate)
    claimed = db.session.execute(
        update(Submission).where(Submission.id == sub.id, Submission.credit_seq == seq)
        .values(credit_seq=seq + 1, credited_views=snap.views, credited_snapshot_id=snap.id)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    entry = None
    if amount != 0:
        entry = LedgerEntry(
            creator_id=sub.creator_id, submission_id=sub.id, snapshot_id=snap.id,
            kind=ACCRUAL if amount > 0 else ADJUSTMENT, amount=amount,
            idempotency_key=f"snapshot:{snap.id}", views_from=views_from, views_to=snap.views,
            rate=sub.rate,
            note=None if amount > 0 else "verified view count decreased",
        )
        db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    db.session.refresh(sub)
    return entry


def balance(creator_id: int) -> Decimal:
    """A balance is the sum of its ledger entries; nothing else."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.creator_id == creator_id))
    return _as_money(total)


def earned_by_submission(creator_id: int) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(LedgerEntry.submission_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.creator_id == creator_id, LedgerEntry.submission_id.is_not(None),
               LedgerEntry.kind.in_((ACCRUAL, ADJUSTMENT)))
        .group_by(LedgerEntry.submission_id))
    return {sub_id: _as_money(total) for sub_id, total in rows}


def ledger_version(creator_id: int) -> tuple[int, int]:
    """(count, last id) of a creator's entries: changes whenever money moves."""
    count, last = db.session.execute(
        select(func.count(LedgerEntry.id), func.coalesce(func.max(LedgerEntry.id), 0))
        .where(LedgerEntry.creator_id == creator_id)).one()
    return int(count), int(last)


def entries_for(creator_id: int, submission_id: int | None = None,
                limit: int = 200) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.creator_id == creator_id)
    if submission_id is not None:
        query = query.where(LedgerEntry.submission_id == submission_id)
    return list(db.session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


def _as_money(total) -> Decimal:
    # func.sum(...) on a Money column is typed Money when it returns rows; coalesce(…, 0) may
    # hand back the raw integer units instead.
    if isinstance(total, Decimal) and total.as_tuple().exponent < 0:
        return total
    from webapp.money import from_units

    return from_units(int(total or 0))
