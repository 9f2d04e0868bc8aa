"""TikTok account connections (Login Kit tokens, encrypted) and bio-code ownership proof.

Revision ID: 0002_tiktok
Revises: 0001_core
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_tiktok"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    # A verified TikTok user id pays one ViewPay account only (NULLs are not compared).
    op.create_index("ix_users_tiktok_user_id", "users", ["tiktok_user_id"], unique=True)
    op.add_column("users", sa.Column("tiktok_verified_at", TZ))
    op.create_table(
        "tiktok_connections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("open_id", sa.String(100), nullable=False, unique=True),
        sa.Column("username", sa.String(64)),
        sa.Column("scopes", sa.String(300), nullable=False),
        sa.Column("access_token", sa.Text, nullable=False),  # Fernet ciphertext
        sa.Column("refresh_token", sa.Text, nullable=False),  # Fernet ciphertext
        sa.Column("access_expires_at", TZ, nullable=False),
        sa.Column("refresh_expires_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("connected_at", TZ, nullable=False),
        sa.Column("refreshed_at", TZ),
    )
    op.create_table(
        "tiktok_bio_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_checked_at", TZ),
    )


def downgrade():
    op.drop_table("tiktok_bio_codes")
    op.drop_table("tiktok_connections")
    op.drop_index("ix_users_tiktok_user_id", table_name="users")
    with op.batch_alter_table("users") as batch:  # SQLite cannot drop a column in place
        batch.drop_column("tiktok_verified_at")
