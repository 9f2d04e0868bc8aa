"""Core schema: users, submissions, snapshots, the append-only ledger, rates, audit.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
APPEND_ONLY = ("ledger_entries", "audit_events")


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("tiktok_handle", sa.String(64)),
        sa.Column("tiktok_user_id", sa.String(32)),
        sa.Column("locale", sa.String(8)),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("video_id", sa.String(24), nullable=False, unique=True),
        sa.Column("canonical_url", sa.String(300), nullable=False),
        sa.Column("submitted_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("status_detail", sa.Text),
        sa.Column("verify_attempts", sa.Integer, nullable=False),
        sa.Column("author_handle_seen", sa.String(64)),
        sa.Column("author_id_seen", sa.String(32)),
        sa.Column("video_created_at", TZ),
        sa.Column("reviewed_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("reviewed_at", TZ),
        sa.Column("reject_reason", sa.Text),
        sa.Column("rate", sa.BigInteger),  # units of 10^-8 rupiah (webapp.money)
        sa.Column("current_views", sa.BigInteger),
        sa.Column("last_view_update", TZ),
        sa.Column("next_refresh_at", TZ, index=True),
        sa.Column("refresh_failures", sa.Integer, nullable=False),
        sa.Column("last_fetch_error", sa.Text),
        sa.Column("credited_views", sa.BigInteger, nullable=False),
        sa.Column("credit_seq", sa.Integer, nullable=False),
        sa.Column("credited_snapshot_id", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint("credited_views >= 0", name="ck_submissions_credited_views"),
    )
    op.create_table(
        "view_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("likes", sa.BigInteger),
        sa.Column("comments", sa.BigInteger),
        sa.Column("shares", sa.BigInteger),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("exact", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("entered_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.CheckConstraint("views >= 0", name="ck_view_snapshots_views"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), index=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("view_snapshots.id")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("idempotency_key", sa.String(120), nullable=False, unique=True),
        sa.Column("views_from", sa.BigInteger),
        sa.Column("views_to", sa.BigInteger),
        sa.Column("rate", sa.BigInteger),
        sa.Column("note", sa.Text),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("ledger_entries.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "rates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("per_view", sa.BigInteger, nullable=False),
        sa.Column("effective_from", TZ, nullable=False),
        sa.Column("created_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("per_view >= 0", name="ck_rates_per_view"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject_type", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
    )
    for table in APPEND_ONLY:
        _forbid_changes(table)


def _forbid_changes(table: str) -> None:
    """Entries are never updated or deleted, whoever asks: the database itself refuses."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP; END $$;""")
        op.execute(f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only();""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only ({action} refused)'); END;""")


def downgrade():
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    for table in ("audit_events", "rates", "ledger_entries", "view_snapshots", "submissions",
                  "users"):
        op.drop_table(table)
