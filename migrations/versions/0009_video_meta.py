"""Video captions and thumbnails (issue 10, video cards).

Revision ID: 0009_video_meta
Revises: 0008_cadence
Create Date: 2026-11-29
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0009_video_meta"
down_revision = "0008_cadence"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
