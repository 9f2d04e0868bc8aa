"""Notifications, the e-mail choice, and the outbox every mail goes through."""
from datetime import datetime

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.timeutil import utcnow

# Notification kinds (webapp.notifications.messages words each one).
APPROVED = "approved"
REJECTED = "rejected"
FLAGGED = "flagged"
TRACKING_STOPPED = "tracking_stopped"
PAYOUT_APPROVED = "payout_approved"
PAYOUT_PAID = "payout_paid"
PAYOUT_REJECTED = "payout_rejected"
CLAIM_SUPERSEDED = "claim_superseded"  # the TikTok account's proven owner claimed the video
MILESTONE_VIEWS = "milestone_views"
FIRST_RUPIAH = "first_rupiah"
TAKEN_BACK = "taken_back"  # a review confirmed a flag: the money it held was reversed
KINDS = (APPROVED, REJECTED, FLAGGED, TRACKING_STOPPED, PAYOUT_APPROVED, PAYOUT_PAID,
         PAYOUT_REJECTED, CLAIM_SUPERSEDED, MILESTONE_VIEWS, FIRST_RUPIAH, TAKEN_BACK)

# OutboxMail.kind for mail that is no notification.
PASSWORD_RESET = "password_reset"
# OutboxMail.delivery: sent over SMTP (MAIL_URL), or kept in the local outbox (no MAIL_URL).
SMTP = "smtp"
OUTBOX = "outbox"


class Notification(db.Model):
    """Something that happened to a user's video or money. Stored as a kind and plain
    parameters, never as text: it is worded when shown, in the reader's language then."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One per event: a retried job or a repeated count notifies once.
        UniqueConstraint("user_id", "kind", "key", name="uq_notifications_user_kind_key"),
        Index("ix_notifications_user_read_created", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside ViewPay
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationSetting(db.Model):
    """A user's choice; no row means the default (e-mail on)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class OutboxMail(db.Model):
    """A mail, stored before anything tries to send it and marked once it was sent."""

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_unsent", "delivery", "sent_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
