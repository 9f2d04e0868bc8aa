from datetime import datetime

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.money import Money
from webapp.timeutil import utcnow

OK = "ok"
SUSPECT = "suspect"  # held: a big drop, or an automatic count below an admin's recent entry
DISMISSED = "dismissed"  # a held count an admin ruled wrong; kept, never credited
PROPOSED = "proposed"  # a manual entry above the four-eyes thresholds, awaiting a second admin

# Manual entry reasons (the creator reads them, translated, with the admin's note).
MANUAL_REASONS = ("fetch_blocked", "creator_evidence", "correction", "other")


class ViewSnapshot(db.Model):
    __tablename__ = "view_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    views: Mapped[int] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(16))  # display | page | oembed | manual
    exact: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default=OK)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Manual entries: why (one of MANUAL_REASONS), the admin's note, a link to the evidence,
    # and the second admin who approved an entry above the four-eyes thresholds.
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_manual(self) -> bool:
        return self.source in ("manual", "extension")

    @property
    def awaits_second_admin(self) -> bool:
        """A manual entry above a four-eyes threshold, neither approved nor rejected yet."""
        return self.state == PROPOSED

    def approvable_by(self, admin_id: int) -> bool:
        """Four eyes: whoever typed the entry cannot also approve it."""
        return self.awaits_second_admin and self.entered_by_id != admin_id

    @property
    def is_held(self) -> bool:
        """Stored but not credited until confirmed (a big drop, or below an admin's entry)."""
        return self.state == SUSPECT


# Flag kinds and states (webapp.tracking.flags).
SPIKE = "spike"
ENGAGEMENT = "engagement"
CLIFF = "cliff"
MISMATCH = "count_mismatch"
IDENTITY = "identity"
FLAG_KINDS = (SPIKE, ENGAGEMENT, CLIFF, MISMATCH, IDENTITY)
OPEN = "open"
CLEARED = "cleared"      # an admin (or the system) found nothing wrong: the money flows on
CONFIRMED = "confirmed"  # the problem is real: held money reversed, or the held count accepted
SUPERSEDED = "superseded"  # a newer count settled it on its own (a cliff that recovered)


class Flag(db.Model):
    """A reason not to trust part of a video's money yet, with the evidence that raised it.

    While open, it holds the video's earnings from `snapshot_id` on (they are shown but not
    withdrawable); nothing is ever written to a balance: availability is derived from it."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("view_snapshots.id"))
    evidence: Mapped[str | None] = mapped_column(Text)  # JSON: the figures the rule saw
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reversed_amount: Mapped[Decimal | None] = mapped_column(Money)

    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == OPEN
