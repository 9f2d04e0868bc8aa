"""Sessions that end: one row per login, holding hashes of its random session and remember-me
tokens; logging out deletes the row, so a replayed cookie finds nothing.

Revision ID: 0006_sessions
Revises: 0005_trust
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_sessions"
down_revision = "0005_trust"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
        sa.Column("remember_hash", sa.String(64), unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("last_resumed_at", TZ),
    )


def downgrade():
    op.drop_table("user_sessions")
