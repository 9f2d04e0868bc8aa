"""Money moves here and nowhere else: the ledger, balances, credits from verified views.

Storage: amounts are Decimal in Python and integer units of 10^-8 rupiah in the database
(webapp.money; scale 8 holds the rate exactly, so views x rate is exact on both engines).

Each entry has two signed columns, and every figure a creator sees is a sum of entries:
    balance   = SUM(amount)             owed to the creator and not yet paid out
    reserved  = SUM(reserved)           the part of the balance held for pending withdrawals
    available = SUM(amount - reserved)  what a new withdrawal may take

    kind            amount            reserved  booked when
    accrual         + views x rate    0         a verified view count rises
    adjustment      +/- difference    0         the count falls, or an admin changes the rate
    payout_reserve  0                 + A       a creator requests A (available falls)
    payout_release  0                 - A       an admin rejects it (available comes back)
    payout_paid     - A               - A       an admin marks it paid (balance falls; available
                                                does not, the money was already held)

Each entry has a unique idempotency key (snapshot:<id>, rate:<submission>:<step>,
payout:<id>:reserve|release|paid), so a replayed job or a race books nothing twice.
Available can only go below zero through a real view decrease after a withdrawal; then new
withdrawals wait until earnings cover it.
"""
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce, update
from sqlalchemy.exc import IntegrityError

from webapp.earnings import availability
from webapp.earnings.availability import Totals, sum_units  # noqa: F401 (read from here)
from webapp.earnings.models import ACCRUAL, ADJUSTMENT, EARNING_KINDS, REVERSAL, LedgerEntry
from webapp.extensions import db
from webapp.money import earnings, from_units
from webapp.submissions.models import APPROVED, Submission
from webapp.tracking.models import OK, ViewSnapshot




def credit_snapshot(submission_id: int, snapshot_id: int,
                    note: str | None = None) -> LedgerEntry | None:
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
    if not snap.exact:
        return None  # a rounded count (1.6M) is shown but never paid on; the next exact one is
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
            note=note,
        )
        db.session.add(entry)
    try:
        db.session.commit()  # expires `sub`: its next read sees the new step
    except IntegrityError:
        db.session.rollback()
        return None
    return entry


def balance(creator_id: int) -> Decimal:
    """A balance is the sum of its ledger entries; nothing else."""
    return sum_units(LedgerEntry.amount, LedgerEntry.creator_id == creator_id)


def totals(creator_id: int, now=None) -> Totals:
    """Balance, reserved, pending, held and available, each a sum of the creator's entries."""
    return availability.totals(creator_id, now)


def available(creator_id: int, now=None) -> Decimal:
    return totals(creator_id, now).available


def held_for_submission(submission_id: int, from_snapshot_id: int) -> Decimal:
    """What a video earned from a snapshot on (positive earning entries): what a flag raised
    on that snapshot holds, and what confirming it reverses."""
    return sum_units(LedgerEntry.amount, LedgerEntry.submission_id == submission_id,
                     LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.amount > Decimal(0),
                     LedgerEntry.snapshot_id >= from_snapshot_id)


def reverse_held(flag_id: int, creator_id: int, submission_id: int, from_snapshot_id: int,
                 reason: str) -> Decimal:
    """Book the reversal of what a confirmed flag held (the caller commits, in the same
    transaction as the flag's decision; the key flag:<id>:reverse refuses a second one).
    Returns the (negative) amount booked; nothing is booked for zero."""
    amount = -held_for_submission(submission_id, from_snapshot_id)
    if amount != 0:
        db.session.add(LedgerEntry(
            creator_id=creator_id, submission_id=submission_id, kind=REVERSAL, amount=amount,
            idempotency_key=f"flag:{flag_id}:reverse", note=reason))
    return amount


def earned_by_submission(creator_id: int) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(LedgerEntry.submission_id, func.sum(type_coerce(LedgerEntry.amount, BigInteger)))
        .where(LedgerEntry.creator_id == creator_id, LedgerEntry.submission_id.is_not(None),
               LedgerEntry.kind.in_(EARNING_KINDS + (REVERSAL,)))
        .group_by(LedgerEntry.submission_id))
    return {sub_id: from_units(int(total)) for sub_id, total in rows}


def entries_for(creator_id: int, submission_id: int | None = None,
                limit: int = 200) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.creator_id == creator_id)
    if submission_id is not None:
        query = query.where(LedgerEntry.submission_id == submission_id)
    return list(db.session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


def get_entry(creator_id: int, entry_id: int) -> LedgerEntry | None:
    """Another creator's entry is simply not found (the route answers 404)."""
    return db.session.scalar(select(LedgerEntry).where(
        LedgerEntry.id == entry_id, LedgerEntry.creator_id == creator_id))
