"""Indexes for a creator's videos and totals, and the admins' failing-videos count (issue 9 §3).

(creator_id, id, status, current_views): a creator's page of cards, newest first, reads 20
entries of it (without it PostgreSQL walked the primary key backwards past every other
creator's newer videos: 23 ms for a creator with 5.000 videos among 100.000), and the
dashboard's totals (count by status, sum of views) read the index alone (an index-only scan
where the pages are all-visible) instead of every row of the creator. It replaces the index on
creator_id alone, whose every use (foreign-key checks) its first column serves. Updates of
current_views cost nothing more: the column is indexed already (tracked videos by views), so
those updates were never HOT ones.

Failing videos: the "TikTok sources" panel on every admin queue page counts approved videos
whose last refresh failed; a partial index holds only those (normally a handful), so the count
no longer reads all 100.000 approved rows (8 ms on the bench machine).

Revision ID: 0016_creator_index
Revises: 0015_cover_failures
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_creator_index"
down_revision = "0015_cover_failures"
branch_labels = None
depends_on = None
FAILING = sa.text("status = 'approved' AND refresh_failures > 0")


def upgrade():
    op.create_index("ix_submissions_creator", "submissions",
                    ["creator_id", "id", "status", "current_views"])
    op.drop_index("ix_submissions_creator_id", table_name="submissions")
    op.create_index("ix_submissions_failing", "submissions", ["id"],
                    postgresql_where=FAILING, sqlite_where=FAILING)


def downgrade():
    op.drop_index("ix_submissions_failing", table_name="submissions")
    op.create_index("ix_submissions_creator_id", "submissions", ["creator_id"])
    op.drop_index("ix_submissions_creator", table_name="submissions")
