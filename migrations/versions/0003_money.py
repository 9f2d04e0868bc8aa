"""Money you can audit: bank details, payouts, reserved amounts on the ledger, ledger checks.

Revision ID: 0003_money
Revises: 0002_tiktok
Create Date: 2026-11-25

Money columns are BIGINT integer units of 10^-8 rupiah (webapp.money.Money). Adding columns
does not touch existing rows, so the ledger's append-only triggers from 0001 stay in force.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_money"
down_revision = "0002_tiktok"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
PAYOUT_STATUSES = "'requested', 'approved', 'rejected', 'paid'"


def upgrade():
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False,
                  unique=True),
        sa.Column("bank_code", sa.String(16), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),  # units of 10^-8 rupiah
        sa.Column("status", sa.String(16), nullable=False, index=True),
        # Bank details as they were when requested: later edits never redirect this payout.
        sa.Column("bank_code", sa.String(16), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("holder_name", sa.String(100), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=False, unique=True),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("reviewed_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("reviewed_at", TZ),
        sa.Column("reject_reason", sa.Text),
        sa.Column("paid_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("paid_at", TZ),
        sa.Column("transfer_reference", sa.String(64)),
        # Whole rupiah only, never zero or negative.
        sa.CheckConstraint("amount > 0 AND amount % 100000000 = 0", name="ck_payouts_amount"),
        sa.CheckConstraint(f"status IN ({PAYOUT_STATUSES})", name="ck_payouts_status"),
    )
    op.create_table(
        "ledger_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("mismatch_count", sa.Integer, nullable=False),
        sa.Column("report", sa.Text),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=False),
    )
    # Alembic would emit the foreign key as a separate ALTER, which SQLite cannot do; batch mode
    # would copy the table and drop the append-only triggers. A plain ADD COLUMN works on both.
    op.execute("ALTER TABLE ledger_entries ADD COLUMN payout_id INTEGER REFERENCES payouts(id)")
    op.add_column("ledger_entries", sa.Column("reserved", sa.BigInteger, nullable=False,
                                              server_default="0"))
    op.create_index("ix_ledger_entries_payout_id", "ledger_entries", ["payout_id"])
    op.create_index("ix_ledger_entries_submission_kind", "ledger_entries",
                    ["submission_id", "kind"])


def downgrade():
    op.drop_index("ix_ledger_entries_submission_kind", "ledger_entries")
    op.drop_index("ix_ledger_entries_payout_id", "ledger_entries")
    op.drop_column("ledger_entries", "reserved")
    op.drop_column("ledger_entries", "payout_id")
    for table in ("ledger_checks", "payouts", "bank_accounts"):
        op.drop_table(table)
