"""The per-view rate: a dated history for new approvals, and audited changes to a live video."""
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BigInteger, func, select, type_coerce, update

from webapp.audit import services as audit
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import ADJUSTMENT, EARNING_KINDS, REVERSAL, LedgerEntry, Rate
from webapp.txn import lock_one
from webapp.extensions import db
from webapp.money import QUANTUM, InexactAmount, earnings, from_units, to_units
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import utcnow


def current_rate(at: datetime | None = None) -> Decimal:
    """The per-view rate in force at `at` (now): the latest dated rate, else the configured one."""
    at = at or utcnow()
    rate = db.session.scalar(
        select(Rate.per_view).where(Rate.effective_from <= at)
        .order_by(Rate.effective_from.desc(), Rate.id.desc()).limit(1))
    return rate if rate is not None else current_app.config["RATE_PER_VIEW"]


def parse_rate(text: str) -> Decimal:
    """A rate typed by a person: '0,00002489' (Indonesian) or '0.00002489'."""
    cleaned = (text or "").strip().replace("Rp", "").strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return validate_rate(Decimal(cleaned))
    except InvalidOperation as exc:
        raise MoneyError("not a number", "rate_invalid") from exc


def validate_rate(rate: Decimal) -> Decimal:
    """A rate is a finite Decimal, >= 0, with at most 8 places, below the configured ceiling."""
    if not isinstance(rate, Decimal):
        raise TypeError(f"a rate must be Decimal, got {type(rate).__name__}")
    if not rate.is_finite():
        raise MoneyError("not a number", "rate_invalid")
    if rate < 0:
        raise MoneyError("a rate cannot be negative", "rate_negative")
    if rate > current_app.config["RATE_PER_VIEW_MAX"]:
        raise MoneyError("rate above the ceiling", "rate_too_high")
    try:
        to_units(rate)
    except InexactAmount as exc:
        raise MoneyError("more than 8 decimal places", "rate_places") from exc
    return rate.quantize(QUANTUM)


def set_rate(per_view: Decimal, admin_id: int) -> Rate:
    """From this moment, new approvals lock `per_view`; videos already approved keep theirs."""
    rate = Rate(per_view=validate_rate(per_view), effective_from=utcnow(), created_by_id=admin_id)
    db.session.add(rate)
    db.session.flush()
    audit.record(admin_id, "set_rate", "rate", rate.id, per_view=rate.per_view)
    db.session.commit()
    return rate


def history(limit: int = 100) -> list[Rate]:
    return list(db.session.scalars(
        select(Rate).order_by(Rate.effective_from.desc(), Rate.id.desc()).limit(limit)))


def change_submission_rate(submission_id: int, new_rate: Decimal, admin_id: int,
                           reason: str) -> LedgerEntry:
    """Re-lock a live video's rate and book credited_views x (new - old) as an adjustment.

    Afterwards the video's accruals and adjustments sum to exactly credited_views x new rate.
    The step shares credit_seq with credit_snapshot, so a credit racing this change cannot book
    views at the old rate after it (it loses the conditional UPDATE and the next refresh
    credits at the new rate).
    """
    new_rate, reason = validate_rate(new_rate), (reason or "").strip()
    if not reason:
        raise MoneyError("a rate change needs a reason", "reason_required")
    sub = lock_one(Submission, Submission.id == submission_id)
    if sub is None:
        db.session.rollback()
        raise LookupError("no such submission")
    refusal = ("not_live" if not sub.is_earning or sub.rate is None
               else "same_rate" if sub.rate == new_rate else None)
    if refusal:
        db.session.rollback()
        raise MoneyError("not a live video, or the same rate", refusal)
    old, seq, views = sub.rate, sub.credit_seq, sub.credited_views
    claimed = db.session.execute(
        update(Submission).where(Submission.id == sub.id, Submission.credit_seq == seq)
        .values(rate=new_rate, credit_seq=seq + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        db.session.rollback()
        raise MoneyError("a credit was booked at the same moment; try again", "busy")
    last = db.session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.submission_id == sub.id,
                                     LedgerEntry.kind.in_(EARNING_KINDS))
        .order_by(LedgerEntry.id.desc()).limit(1))
    # Booked even when zero (nothing credited yet): the ledger is the record of the new rate.
    entry = LedgerEntry(
        creator_id=sub.creator_id, submission_id=sub.id, kind=ADJUSTMENT,
        amount=earnings(views, new_rate) - earnings(views, old),
        idempotency_key=f"rate:{sub.id}:{seq}", views_from=views, views_to=views, rate=new_rate,
        note=reason[:1000], corrects_id=last)
    db.session.add(entry)
    audit.record(admin_id, "change_rate", "submission", sub.id, old=old, new=new_rate,
                 views=views, adjustment=entry.amount, reason=reason)
    db.session.commit()
    return entry


def live_videos(query: str = "", page: int = 1, per_page: int = 50) -> Pagination:
    """Approved videos with their locked rate, newest first; `query` matches a video id or email."""
    from webapp.auth.models import User

    stmt = select(Submission).where(Submission.status == APPROVED)
    query = (query or "").strip()
    if query:
        stmt = stmt.join(User, User.id == Submission.creator_id).where(
            (Submission.video_id == query) | User.email.ilike(f"%{query}%"))
    return db.paginate(stmt.order_by(Submission.id.desc()), page=page, per_page=per_page,
                       error_out=False)


def earned(submission_ids: list[int]) -> dict[int, Decimal]:
    """Accruals + adjustments per video (exact)."""
    return _sums(submission_ids, EARNING_KINDS)


def taken_back(submission_ids: list[int]) -> dict[int, Decimal]:
    """What reviews took back from each video that lost any (confirmed flags' reversals;
    negative, exact): `earned` leaves them out, so a page showing it names these too."""
    return {sub_id: total for sub_id, total in _sums(submission_ids, (REVERSAL,)).items()
            if total}


def _sums(submission_ids: list[int], kinds) -> dict[int, Decimal]:
    """Each video's ledger entries of `kinds`, summed exactly (in units)."""
    if not submission_ids:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.submission_id, func.sum(type_coerce(LedgerEntry.amount, BigInteger)))
        .where(LedgerEntry.submission_id.in_(submission_ids),
               LedgerEntry.kind.in_(kinds)).group_by(LedgerEntry.submission_id))
    return {sub_id: from_units(int(total)) for sub_id, total in rows}


def video_entries(submission_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.submission_id == submission_id).order_by(LedgerEntry.id.desc())))
