from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.timeutil import utcnow

CREATOR = "creator"
ADMIN = "admin"
# TikTokConnection.status
ACTIVE = "active"
BROKEN = "broken"  # TikTok refused our refresh token (revoked, expired): the creator reconnects


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=CREATOR)
    # The handle the creator told us; TikTok's stable numeric user id once the creator proved
    # the account is theirs (bio code). Unique: one TikTok account pays one ViewPay account.
    tiktok_handle: Mapped[str | None] = mapped_column(String(64))
    tiktok_user_id: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    tiktok_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A sign-up handle is a claim: when its real owner proves the account elsewhere, this
    # account loses it and is told so (the lost handle and when).
    handle_lost: Mapped[str | None] = mapped_column(String(64))
    handle_lost_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def identity_proven(self) -> bool:
        """TikTok itself (Login Kit) or a bio code bound this account to a TikTok user id."""
        return bool(self.tiktok_user_id)


class UserSession(db.Model):
    """One login (a browser): it lasts while this row exists. The cookie holds random tokens;
    only their SHA-256 is stored, so a leaked table cannot be replayed."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Remember-me (opt-in): replaced each time it brings the user back.
    remember_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TikTokConnection(db.Model):
    """A creator's Login Kit grant. Tokens are Fernet-encrypted (webapp.auth.crypto)."""

    __tablename__ = "tiktok_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    # open_id is per app and stable per TikTok user: one TikTok account, one ViewPay creator.
    open_id: Mapped[str] = mapped_column(String(100), unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(300), default="")
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    last_error: Mapped[str | None] = mapped_column(Text)
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class BioCode(db.Model):
    """A code the creator puts in their TikTok bio to prove the account is theirs."""

    __tablename__ = "tiktok_bio_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    code: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
