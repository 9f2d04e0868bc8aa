from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.money import Money
from webapp.timeutil import utcnow

# Status machine: checking -> pending_review | not_yours | not_found | check_failed
#                 pending_review -> approved | rejected
#                 checking | pending_review | approved -> superseded (the proven owner claimed it)
CHECKING = "checking"
PENDING_REVIEW = "pending_review"
NOT_YOURS = "not_yours"
NOT_FOUND = "not_found"
CHECK_FAILED = "check_failed"
APPROVED = "approved"
REJECTED = "rejected"
SUPERSEDED = "superseded"
REVIEWABLE = (PENDING_REVIEW, NOT_YOURS, NOT_FOUND, CHECK_FAILED)
# A check that failed (or said no) may be run again by an admin.
RECHECKABLE = (NOT_YOURS, NOT_FOUND, CHECK_FAILED)
# A live claim keeps the video id: at most one per video (a partial unique index). Ended ones
# (not yours, not found, rejected, superseded) release it, so nobody can squat a video.
LIVE = (CHECKING, PENDING_REVIEW, APPROVED)


class Submission(db.Model):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed as (creator_id, id, status, current_views), migration 0016: a creator's newest
    # videos and totals read the index.
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # TikTok ids exceed 2^53: always a string. At most one LIVE claim per video (migration 0005).
    video_id: Mapped[str] = mapped_column(String(24), index=True)
    canonical_url: Mapped[str] = mapped_column(String(300))
    submitted_url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=CHECKING, index=True)
    status_detail: Mapped[str | None] = mapped_column(Text)
    verify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    author_handle_seen: Mapped[str | None] = mapped_column(String(64))
    author_id_seen: Mapped[str | None] = mapped_column(String(32))
    video_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What TikTok showed at verification (or the thumbnails backfill): the caption, and the
    # version of the cover stored in video_thumbnails (None: none stored, show a placeholder).
    caption: Mapped[str | None] = mapped_column(Text)
    thumbnail_etag: Mapped[str | None] = mapped_column(String(64))

    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # Locked at approval: earnings are credited_views x rate, exactly.
    rate: Mapped[Decimal | None] = mapped_column(Money)

    # Tracking state (written by webapp.tracking).
    current_views: Mapped[int | None] = mapped_column(BigInteger)
    last_view_update: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_refresh_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_fetch_error: Mapped[str | None] = mapped_column(Text)

    # Earnings state (written by webapp.earnings only): the view count already paid for,
    # and a counter that makes each credit a unique, race-proof step.
    credited_views: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_seq: Mapped[int] = mapped_column(Integer, default=0)
    credited_snapshot_id: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    creator: Mapped[User] = relationship(foreign_keys=[creator_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def can_approve(self) -> bool:
        """Verified and waiting for an admin's yes."""
        return self.status == PENDING_REVIEW

    @property
    def can_bulk_approve(self) -> bool:
        """Only proven creators' videos go through "approve selected"; the rest one by one."""
        return self.can_approve and self.creator.identity_proven

    @property
    def can_reject(self) -> bool:
        return self.status in REVIEWABLE

    @property
    def can_recheck(self) -> bool:
        return self.status in RECHECKABLE

    @property
    def is_earning(self) -> bool:
        """Approved: tracked, and credited at the rate locked at approval."""
        return self.status == APPROVED

    @property
    def has_thumbnail(self) -> bool:
        """A cover image is stored (served at submissions.thumbnail); no query needed."""
        return self.thumbnail_etag is not None


class VideoThumbnail(db.Model):
    """A video's cover, downloaded once by the worker (TikTok's links expire; browsers never
    load TikTok's CDN). In the database: web processes share no disk."""

    __tablename__ = "video_thumbnails"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))  # image/jpeg | image/png | image/webp
    data: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))  # sha256 hex of data
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
