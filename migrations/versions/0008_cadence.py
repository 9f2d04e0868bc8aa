"""Refresh cadence: indexes for the due-video selection (issue 9).

The scheduler selects (and leases, in the same UPDATE) approved videos whose next_refresh_at
has passed, most overdue first: a partial index on next_refresh_at of approved videos answers
that from its first entries, however many videos are tracked or ended. A NULL next_refresh_at
now means "no longer refreshed" (past the tracking window with TRACKING_AFTER_WINDOW=stop), so
approved videos that had none are made due.

Revision ID: 0008_cadence
Revises: 0007_api
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_cadence"
down_revision = "0007_api"
branch_labels = None
depends_on = None

APPROVED = sa.text("status = 'approved'")


def upgrade():
    op.execute("UPDATE submissions SET next_refresh_at = CURRENT_TIMESTAMP "
               "WHERE status = 'approved' AND next_refresh_at IS NULL")
    op.create_index("ix_submissions_due", "submissions", ["next_refresh_at"],
                    postgresql_where=APPROVED, sqlite_where=APPROVED)


def downgrade():
    op.drop_index("ix_submissions_due", table_name="submissions")
