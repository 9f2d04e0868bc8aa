"""Index for the creator's ledger by time (issue 9 §3, issue 10 §3).

The ledger page groups a creator's entries per day and pages by day; the summary sums the last
7 and 28 days. With only (creator_id), each of those reads every entry the creator ever had;
(creator_id, created_at) lets the database start at the right day.

Revision ID: 0012_earnings_indexes
Revises: 0011_imports
Create Date: 2026-11-29
"""
from alembic import op

revision = "0012_earnings_indexes"
down_revision = "0011_imports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_ledger_entries_creator_created", "ledger_entries",
                    ["creator_id", "created_at"])


def downgrade():
    op.drop_index("ix_ledger_entries_creator_created", table_name="ledger_entries")
