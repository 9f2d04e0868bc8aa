"""Withdrawals: request (reserve), approve, reject (release) and mark paid, all race-proof.

A request locks the creator's bank-account row (SELECT ... FOR UPDATE on PostgreSQL, BEGIN
IMMEDIATE on SQLite) before it reads what is available, so two requests at once see each other.
An admin action locks the payout row and moves its status with a conditional UPDATE, so a double
click or a second admin gets a MoneyError. Under all of it the ledger's unique keys
(payout:<id>:reserve|release|paid) refuse a second booking whatever happens.
"""
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.earnings import rates, signals
from webapp.earnings import services as ledger
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import (
    APPROVED, PAID, PAYOUT_PAID, PAYOUT_RELEASE, PAYOUT_RESERVE, PENDING, REJECTED, REQUESTED,
    BankAccount, LedgerEntry, Payout)
from webapp.txn import lock_one
from webapp.extensions import db
from webapp.money import earnings
from webapp.timeutil import utcnow
from webapp.tracking import flags

_WHOLE = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})?(?:\1\d{3})*$|^\d+$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_REFERENCE = re.compile(r"^[\w\-./#: ]{3,64}$")


def parse_amount(text: str) -> Decimal:
    """Whole rupiah as people type it: 50000, 50.000 or 50,000 (a decimal part is refused)."""
    cleaned = (text or "").strip().removeprefix("Rp").strip()
    if not _WHOLE.match(cleaned):
        raise MoneyError("a whole number of rupiah", "amount_invalid")
    return Decimal(re.sub(r"\D", "", cleaned))


def minimum() -> Decimal:
    """The smallest withdrawal: PAYOUT_MINIMUM when an operator set one, else what
    PAYOUT_MIN_VIEWS views earn at the rate in force, rounded up to whole rupiah (at least Rp1).

    Derived, so that a rate change moves the minimum with it: a fixed Rp10.000 took ~400 million
    views at Rp0,00002489, which no real creator reaches."""
    config = current_app.config
    if config.get("PAYOUT_MINIMUM") is not None:
        return Decimal(config["PAYOUT_MINIMUM"])
    earned = earnings(int(config["PAYOUT_MIN_VIEWS"]), rates.current_rate())
    return max(earned.to_integral_value(rounding=ROUND_CEILING), Decimal(1))


@dataclass(frozen=True)
class Progress:
    """How far available money is from the smallest withdrawal."""
    minimum: Decimal
    available: Decimal

    @property
    def reached(self) -> bool:
        return self.available >= self.minimum

    @property
    def missing(self) -> Decimal:
        """Rupiah still to earn before a withdrawal is possible (0 once reached)."""
        return max(self.minimum - self.available, Decimal(0))

    @property
    def percent(self) -> int:
        """0-100, for the progress bar (a negative available shows as 0)."""
        if self.reached:
            return 100
        return int(max(self.available, Decimal(0)) * 100 / self.minimum)


def progress(available: Decimal) -> Progress:
    return Progress(minimum(), available)


def request_payout(creator_id: int, amount: Decimal, request_key: str) -> Payout:
    """Reserve `amount` of the available balance for a withdrawal (once per request_key)."""
    if not isinstance(amount, Decimal) or amount != amount.to_integral_value():
        raise MoneyError("whole rupiah only", "amount_invalid")
    if amount < minimum():
        raise MoneyError("below the minimum", "below_minimum")
    if not _KEY.match(request_key or ""):
        raise MoneyError("bad request key", "invalid")
    account = lock_one(BankAccount, BankAccount.creator_id == creator_id)
    if account is None:
        db.session.rollback()
        raise MoneyError("bank details first", "no_bank")
    earlier = db.session.scalar(select(Payout).where(Payout.request_key == request_key))
    if earlier is not None:  # the same form posted twice (double click, retry)
        db.session.rollback()
        if earlier.creator_id != creator_id:
            raise MoneyError("bad request key", "invalid")
        return earlier
    if amount > ledger.available(creator_id):
        db.session.rollback()
        raise MoneyError("more than is available", "insufficient")
    payout = Payout(creator_id=creator_id, amount=amount, status=REQUESTED,
                    bank_code=account.bank_code, account_number=account.account_number,
                    holder_name=account.holder_name, request_key=request_key)
    db.session.add(payout)
    db.session.flush()
    _book(payout, PAYOUT_RESERVE, amount=Decimal(0), reserved=amount)
    db.session.commit()
    return payout


def approve(payout_id: int, admin_id: int, override: bool = False) -> Payout:
    """Accept a request for the next transfer batch; the money stays reserved.

    While the creator has an open flag, approving needs an explicit override (recorded with
    the flags it overrode): the money asked for is available, but something is under review."""
    payout = _decide(payout_id, (REQUESTED,), "not_pending", status=APPROVED,
                     reviewed_by_id=admin_id, reviewed_at=utcnow())
    open_flags = [f.id for f in flags.open_for_creator(payout.creator_id)]
    if open_flags and not override:
        db.session.rollback()
        raise MoneyError("the creator has an open flag", "flagged")
    audit.record(admin_id, "payout_approve", "payout", payout_id, creator_id=payout.creator_id,
                 **({"override_flags": open_flags} if open_flags else {}))
    payout = _commit(payout_id)
    signals.payout_approved.send(payout_id, creator_id=payout.creator_id)  # after the money
    return payout


def reject(payout_id: int, admin_id: int, reason: str) -> Payout:
    """Refuse a pending request with a reason the creator reads; the reserve is released."""
    reason = (reason or "").strip()
    if not reason:
        raise MoneyError("a rejection needs a reason", "reason_required")
    payout = _decide(payout_id, PENDING, "not_pending", status=REJECTED, reviewed_by_id=admin_id,
                     reviewed_at=utcnow(), reject_reason=reason[:1000])
    _book(payout, PAYOUT_RELEASE, amount=Decimal(0), reserved=-payout.amount,
          note=reason[:1000], corrects_id=_reserve_id(payout_id))
    audit.record(admin_id, "payout_reject", "payout", payout_id, creator_id=payout.creator_id,
                 reason=reason)
    payout = _commit(payout_id)
    signals.payout_rejected.send(payout_id, creator_id=payout.creator_id)  # after the money
    return payout


def mark_paid(payout_id: int, admin_id: int, reference: str) -> Payout:
    """Record the bank transfer: the balance falls by the amount that was held for it."""
    reference = " ".join((reference or "").split())
    if not _REFERENCE.match(reference):
        raise MoneyError("a transfer reference is 3-64 characters", "reference_invalid")
    payout = _decide(payout_id, (APPROVED,), "not_approved", status=PAID, paid_by_id=admin_id,
                     paid_at=utcnow(), transfer_reference=reference)
    _book(payout, PAYOUT_PAID, amount=-payout.amount, reserved=-payout.amount, note=reference)
    audit.record(admin_id, "payout_paid", "payout", payout_id, creator_id=payout.creator_id,
                 reference=reference)
    payout = _commit(payout_id)
    signals.payout_paid.send(payout_id, creator_id=payout.creator_id)  # after the money
    return payout


def _decide(payout_id: int, allowed: tuple, code: str, **values) -> Payout:
    """Lock the payout, check its status and move it with a conditional UPDATE (caller commits)."""
    payout = lock_one(Payout, Payout.id == payout_id)
    if payout is None:
        db.session.rollback()
        raise LookupError("no such payout")
    if payout.status not in allowed:
        db.session.rollback()
        raise MoneyError("this payout has moved on", code)
    moved = db.session.execute(
        update(Payout).where(Payout.id == payout_id, Payout.status == payout.status)
        .values(**values).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        raise MoneyError("this payout has moved on", code)
    return payout


def _book(payout: Payout, kind: str, *, amount: Decimal, reserved: Decimal, **extra) -> None:
    db.session.add(LedgerEntry(
        creator_id=payout.creator_id, payout_id=payout.id, kind=kind, amount=amount,
        reserved=reserved, idempotency_key=f"payout:{payout.id}:{kind.removeprefix('payout_')}",
        **extra))


def _commit(payout_id: int) -> Payout:
    try:
        db.session.commit()
    except IntegrityError as exc:  # the ledger already holds this step: never book it twice
        db.session.rollback()
        raise MoneyError("already booked", "not_pending") from exc
    return db.session.get(Payout, payout_id)


def _reserve_id(payout_id: int) -> int | None:
    return db.session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.payout_id == payout_id, LedgerEntry.kind == PAYOUT_RESERVE))


def for_creator(creator_id: int, limit: int = 100) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.creator_id == creator_id)
                                   .order_by(Payout.id.desc()).limit(limit)))


def get_for_creator(creator_id: int, payout_id: int) -> Payout | None:
    """Another creator's payout is simply not found (the route answers 404)."""
    return db.session.scalar(select(Payout).where(Payout.id == payout_id,
                                                  Payout.creator_id == creator_id))


def entries_of(payout_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.payout_id == payout_id)
                                   .order_by(LedgerEntry.id)))


def queue(statuses: tuple[str, ...], page: int = 1, per_page: int = 50) -> Pagination:
    """Payouts for the admin queue, oldest first (first come, first paid)."""
    query = select(Payout).where(Payout.status.in_(statuses)).order_by(Payout.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def approved_batch() -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.status == APPROVED)
                                   .order_by(Payout.id)))


def get(payout_id: int) -> Payout | None:
    return db.session.get(Payout, payout_id)
