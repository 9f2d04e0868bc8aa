"""Bulk view-count imports (CSV): each file applied, and each of its rows booked, exactly once."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.timeutil import utcnow


class ViewImport(db.Model):
    """One CSV file an admin applied, known by the SHA-256 of its normalized text."""

    __tablename__ = "view_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    row_count: Mapped[int] = mapped_column(Integer)
    to_book: Mapped[int] = mapped_column(Integer)  # rows not booked before (by any import)
    reason_code: Mapped[str] = mapped_column(String(32))  # one of MANUAL_REASONS, every row
    # The normalized file: a worker books it, and books the rest after a crash, from here.
    content: Mapped[str] = mapped_column(Text, deferred=True)
    # Set once every row is booked. NULL: still booking, or stopped part-way (a crash, or a
    # count that changed under it); booking it again books only the rows still missing.
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    admin = relationship("User")

    @property
    def finished(self) -> bool:
        return self.applied_at is not None


class ViewImportRow(db.Model):
    """A row booked as a manual entry. `row_key` names the observation itself (video, views,
    time seen), so it is booked once however many files, or retries, carry it."""

    __tablename__ = "view_import_rows"
    __table_args__ = (UniqueConstraint("import_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("view_imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(64), unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    # Filled just after the entry commits (the key commits with the snapshot itself).
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("view_snapshots.id"))

    view_import = relationship("ViewImport")
