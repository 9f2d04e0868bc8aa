"""Indexes for a creator's totals and the admins' failing-videos count (issue 9 §3).

(creator_id, status, current_views):
The dashboard and the live fragment sum a creator's videos by status and views in one
aggregate; with these three columns in one index it reads the index alone (an index-only scan
where the pages are all-visible) instead of every row of the creator: for 5.000 videos ~1 ms
instead of 4–6 ms, and far less under load. It replaces the index on creator_id alone, whose
every use (foreign-key checks, a creator's videos) its first column serves. Updates of
current_views cost nothing more: the column is indexed already (tracked videos by views), so
those updates were never HOT ones.

Failing videos: the "TikTok sources" panel on every admin queue page counts approved videos
whose last refresh failed; a partial index holds only those (normally a handful), so the count
no longer reads all 100.000 approved rows (8 ms on the bench machine).

Revision ID: 0016_creator_totals_index
Revises: 0015_cover_failures
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_creator_totals_index"
down_revision = "0015_cover_failures"
branch_labels = None
depends_on = None
FAILING = sa.text("status = 'approved' AND refresh_failures > 0")


def upgrade():
    op.create_index("ix_submissions_creator_totals", "submissions",
                    ["creator_id", "status", "current_views"])
    op.drop_index("ix_submissions_creator_id", table_name="submissions")
    op.create_index("ix_submissions_failing", "submissions", ["id"],
                    postgresql_where=FAILING, sqlite_where=FAILING)


def downgrade():
    op.drop_index("ix_submissions_failing", table_name="submissions")
    op.create_index("ix_submissions_creator_id", "submissions", ["creator_id"])
    op.drop_index("ix_submissions_creator_totals", table_name="submissions")
