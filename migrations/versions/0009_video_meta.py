"""Video captions and thumbnails (issue 10, video cards): the caption TikTok showed at
verification, and the cover image the worker downloaded, stored in the database because web
processes share no disk. `submissions.thumbnail_etag` says a thumbnail exists (and names its
version) without loading the bytes, so a page of cards costs no extra query.

Revision ID: 0009_video_meta
Revises: 0008_cadence
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_video_meta"
down_revision = "0008_cadence"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("caption", sa.Text))
        batch.add_column(sa.Column("thumbnail_etag", sa.String(64)))
    op.create_table(
        "video_thumbnails",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"),
                  primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),  # sha256 hex of data
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("video_thumbnails")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("thumbnail_etag")
        batch.drop_column("caption")
