"""API tokens and observation sources (issue 8, the JSON API).

Revision ID: 0007_api
Revises: 0006_sessions
Create Date: 2026-11-29
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_api"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
