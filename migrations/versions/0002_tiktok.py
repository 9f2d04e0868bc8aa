"""TikTok account connections and ownership proof (filled in by the TikTok integration work).

Revision ID: 0002_tiktok
Revises: 0001_core
Create Date: 2026-11-25
"""

revision = "0002_tiktok"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
