from datetime import datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String,
                        Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.money import QUANTUM, Money
from webapp.timeutil import utcnow

# Ledger entry kinds (what each does to `amount` and `reserved`: see webapp.earnings.services).
ACCRUAL = "accrual"
ADJUSTMENT = "adjustment"
PAYOUT_RESERVE = "payout_reserve"
PAYOUT_RELEASE = "payout_release"
PAYOUT_PAID = "payout_paid"
LEGACY_DROP_NOTE = "verified view count decreased"
# An admin confirmed a flag: the money it held was not earned (key flag:<id>:reverse).
REVERSAL = "reversal"
EARNING_KINDS = (ACCRUAL, ADJUSTMENT)

# Payout status machine: requested -> approved -> paid; requested | approved -> rejected.
REQUESTED = "requested"
APPROVED = "approved"
REJECTED = "rejected"
PAID = "paid"
PENDING = (REQUESTED, APPROVED)  # money still reserved


class LedgerEntry(db.Model):
    """One change of a creator's money. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "ledger_entries"
    # The ledger page and the period sums read a creator's entries by time (0012).
    __table_args__ = (Index("ix_ledger_entries_creator_created", "creator_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("view_snapshots.id"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)  # signed change of the balance
    # Signed change of the part of the balance held for pending withdrawals.
    reserved: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Replaying a job or racing two workers hits this unique key instead of paying twice.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    views_from: Mapped[int | None] = mapped_column(BigInteger)
    views_to: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[Decimal | None] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission = relationship("Submission")
    snapshot = relationship("ViewSnapshot", viewonly=True)

    @property
    def reason(self) -> str:
        """Why the entry exists, as a code the templates turn into a sentence."""
        if self.kind == ADJUSTMENT and self.snapshot_id is None:
            return "rate_change" if self.idempotency_key.startswith("rate:") else "correction"
        if self.snapshot_id is not None and self.snapshot is not None and self.snapshot.is_manual:
            return "manual"  # an admin's count: the reason and note say why, never "TikTok"
        if self.kind == ADJUSTMENT:
            return "views_down"
        return self.kind

    @property
    def creator_note(self) -> str | None:
        """The note a creator may read (entries before 0005 carried an English system note)."""
        return None if self.note == LEGACY_DROP_NOTE else self.note

    @property
    def previous_rate(self) -> Decimal | None:
        """For a rate change: the rate it replaced (amount = views x (new - old), exactly)."""
        if self.reason != "rate_change" or not self.views_to or self.rate is None:
            return None
        return (self.rate - self.amount / self.views_to).quantize(QUANTUM)


class Rate(db.Model):
    """Rupiah per view for approvals from `effective_from` on (a dated history)."""

    __tablename__ = "rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    per_view: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class BankAccount(db.Model):
    """Where a creator's withdrawals go (one per creator)."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    bank_code: Mapped[str] = mapped_column(String(16))
    account_number: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    @property
    def masked(self) -> str:
        return mask(self.account_number)


class Payout(db.Model):
    """A withdrawal request and what became of it; the money moves in ledger entries."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default=REQUESTED, index=True)
    # Copied at request time so that editing bank details never redirects a pending payout.
    bank_code: Mapped[str] = mapped_column(String(16))
    account_number: Mapped[str] = mapped_column(String(32))
    holder_name: Mapped[str] = mapped_column(String(100))
    # One per submitted form: a double click finds the payout the first click made.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    transfer_reference: Mapped[str | None] = mapped_column(String(64))

    creator: Mapped[User] = relationship(foreign_keys=[creator_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])

    @property
    def masked(self) -> str:
        return mask(self.account_number)

    @property
    def can_approve(self) -> bool:
        return self.status == REQUESTED

    @property
    def can_mark_paid(self) -> bool:
        return self.status == APPROVED

    @property
    def can_reject(self) -> bool:
        """Still pending: its money is reserved and can be released."""
        return self.status in PENDING


class LedgerCheck(db.Model):
    """One run of `ledger verify`: the admin dashboard alerts on the latest failed one."""

    __tablename__ = "ledger_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))  # cli | job | admin
    ok: Mapped[bool] = mapped_column(Boolean)
    mismatch_count: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def mask(account_number: str) -> str:
    """Only the last four digits, as banks print them: ••••5678."""
    return "••••" + account_number[-4:]
