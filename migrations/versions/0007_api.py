"""API tokens (issue 8, the JSON API): named bearer tokens with a scope, stored as SHA-256
hashes, optionally acting for an admin (observations from the browser extension need one).

Observations from the extension need no schema change: view_snapshots.source ("extension")
already has room, and manual entries already carry likes and the time seen.

Revision ID: 0007_api
Revises: 0006_sessions
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_api"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_used_at", TZ),
        sa.Column("revoked_at", TZ),
        sa.CheckConstraint("scope IN ('read', 'write')", name="ck_api_tokens_scope"),
    )


def downgrade():
    op.drop_table("api_tokens")
