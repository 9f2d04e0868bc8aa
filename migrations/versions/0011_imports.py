"""Bulk view-count imports (issue 8, CSV import).

Revision ID: 0011_imports
Revises: 0010_notifications
Create Date: 2026-11-29
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0011_imports"
down_revision = "0010_notifications"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
