"""One ViewPay account per TikTok handle (case-insensitive).

Revision ID: 0004_unique_handle
Revises: 0003_money
Create Date: 2026-11-25
"""
from alembic import op

revision = "0004_unique_handle"
down_revision = "0003_money"
branch_labels = None
depends_on = None


def upgrade():
    # An expression index works on SQLite and PostgreSQL alike; admins (NULL handle) don't clash.
    op.execute("CREATE UNIQUE INDEX uq_users_handle_lower ON users (lower(tiktok_handle))")


def downgrade():
    op.execute("DROP INDEX uq_users_handle_lower")
