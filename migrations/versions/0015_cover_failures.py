"""Covers for every tracked video: the periodic backfill counts failed attempts per video and
gives up after a few (webapp.submissions.thumbnails), so a video whose cover TikTok will never
give stops costing calls, and one that failed once is tried again instead of staying blank.

A table of its own, not a column on submissions: a row exists only for videos that failed, and
the cover's success removes it.

Revision ID: 0015_cover_failures
Revises: 0014_live_etag_index
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_cover_failures"
down_revision = "0014_live_etag_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cover_failures",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"),
                  primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_reason", sa.String(64), nullable=False),
    )


def downgrade():
    op.drop_table("cover_failures")
