from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.money import Money
from webapp.timeutil import utcnow

ACCRUAL = "accrual"
ADJUSTMENT = "adjustment"
PAYOUT_RESERVE = "payout_reserve"
PAYOUT_RELEASE = "payout_release"
PAYOUT_PAID = "payout_paid"


class LedgerEntry(db.Model):
    """One change of a creator's money. Append-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("view_snapshots.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)  # signed
    # Replaying a job or racing two workers hits this unique key instead of paying twice.
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    views_from: Mapped[int | None] = mapped_column(BigInteger)
    views_to: Mapped[int | None] = mapped_column(BigInteger)
    rate: Mapped[Decimal | None] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rate(db.Model):
    """Rupiah per view for approvals from `effective_from` on (a dated history)."""

    __tablename__ = "rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    per_view: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
