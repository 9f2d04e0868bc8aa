"""Indexes for the admin lists at 100.000 rows (issue 9 §3, issue 10 §5).

The review queue pages by position on (created_at, id), oldest first. Its default list ("needs
a decision") is a partial index of exactly those rows in that order, so any page is read from
its first entries however many videos were approved long ago; a status filter uses
(status, created_at, id). Tracked videos page the same way, most views first: an index of
approved videos in exactly that order (the expression webapp.admin.listing sorts by). The
"latest count from" filter and each row's source read a video's newest snapshot:
(submission_id, id) finds it without reading the video's whole history.

Revision ID: 0013_queue_indexes
Revises: 0012_earnings_indexes
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_queue_indexes"
down_revision = "0012_earnings_indexes"
branch_labels = None
depends_on = None

# webapp.submissions.models.REVIEWABLE, spelled out: a migration must not change with the code.
REVIEWABLE = sa.text("status IN ('pending_review', 'not_yours', 'not_found', 'check_failed')")
APPROVED = sa.text("status = 'approved'")


def upgrade():
    op.create_index("ix_submissions_review_order", "submissions", ["created_at", "id"],
                    postgresql_where=REVIEWABLE, sqlite_where=REVIEWABLE)
    op.create_index("ix_submissions_status_created", "submissions",
                    ["status", "created_at", "id"])
    op.create_index("ix_submissions_tracked_views", "submissions",
                    [sa.text("coalesce(current_views, -1) DESC"), sa.text("id DESC")],
                    postgresql_where=APPROVED, sqlite_where=APPROVED)
    op.create_index("ix_view_snapshots_submission_latest", "view_snapshots",
                    ["submission_id", "id"])


def downgrade():
    op.drop_index("ix_view_snapshots_submission_latest", table_name="view_snapshots")
    op.drop_index("ix_submissions_tracked_views", table_name="submissions")
    op.drop_index("ix_submissions_status_created", table_name="submissions")
    op.drop_index("ix_submissions_review_order", table_name="submissions")
