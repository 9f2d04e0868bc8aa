"""Bulk view-count imports (issue 8, CSV import).

- view_imports: each applied file (SHA-256 of its normalized text, unique; the text itself, so
  a worker can book it and finish it after a crash), who, why, when, how many rows, and when
  every row was booked (NULL while unfinished);
- view_import_rows: each booked row, with a unique key of its observation (video, views, time
  seen) so a replayed or resumed file books nothing twice.

Revision ID: 0011_imports
Revises: 0010_notifications
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_imports"
down_revision = "0010_notifications"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "view_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("to_book", sa.Integer, nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("applied_at", TZ),
    )
    op.create_table(
        "view_import_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("view_imports.id"), nullable=False,
                  index=True),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("row_key", sa.String(64), nullable=False, unique=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("view_snapshots.id")),
        sa.UniqueConstraint("import_id", "row_number"),
    )


def downgrade():
    op.drop_table("view_import_rows")
    op.drop_table("view_imports")
