"""In-app notifications, outbox mail and password resets (issue 10).

Revision ID: 0010_notifications
Revises: 0009_video_meta
Create Date: 2026-11-29
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0010_notifications"
down_revision = "0009_video_meta"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
