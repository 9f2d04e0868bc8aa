"""Trust before money: flags, manual-entry evidence, claims that cannot be squatted.

- flags: why part of a video's money is not withdrawable yet (one open flag per video and kind);
- view_snapshots: reason, note, evidence link and second approver of manual entries;
- submissions: the video id is unique among LIVE claims only (ended claims release it), and
  verified_at (auto-approval counts from it);
- users: a sign-up handle is unique only once proven; the handle an account lost to its owner;
- audit_events: creator and video columns for the audit page's filters.

Revision ID: 0005_trust
Revises: 0004_unique_handle
Create Date: 2026-11-29
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005_trust"
down_revision = "0004_unique_handle"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
LIVE = "status IN ('checking', 'pending_review', 'approved')"


def upgrade():
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
                  index=True),
        sa.Column("creator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("view_snapshots.id")),
        sa.Column("evidence", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_by_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("decided_at", TZ),
        sa.Column("decision_reason", sa.Text),
        sa.Column("reversed_amount", sa.BigInteger),  # units of 10^-8 rupiah
    )
    # Two workers raising the same rule at once get one flag: the second insert fails.
    op.execute("CREATE UNIQUE INDEX uq_flags_open_kind ON flags (submission_id, kind) "
               "WHERE status = 'open'")

    for column in (sa.Column("reason_code", sa.String(32)), sa.Column("note", sa.Text),
                   sa.Column("evidence_url", sa.String(500)), sa.Column("reviewed_at", TZ)):
        op.add_column("view_snapshots", column)
    op.execute("ALTER TABLE view_snapshots ADD COLUMN reviewed_by_id INTEGER REFERENCES users(id)")

    op.add_column("submissions", sa.Column("verified_at", TZ))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("submissions_video_id_key", "submissions", type_="unique")
    else:
        # SQLite keeps a table-level UNIQUE forever: rebuild the table without it (env.py
        # switches foreign keys off around migrations so the rebuild keeps every reference).
        # The reflected constraint has no name; the naming convention gives it one to drop.
        with warnings.catch_warnings():  # reflecting users meets lower(handle): not needed
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            with op.batch_alter_table("submissions", recreate="always", naming_convention={
                    "uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
                batch.drop_constraint("uq_submissions_video_id", type_="unique")
        _drop_sqlite_unique_video_id()
    op.create_index("ix_submissions_video_id", "submissions", ["video_id"])
    op.execute(f"CREATE UNIQUE INDEX uq_submissions_live_video ON submissions (video_id) "
               f"WHERE {LIVE}")

    op.execute("DROP INDEX uq_users_handle_lower")
    op.execute("CREATE UNIQUE INDEX uq_users_proven_handle ON users (lower(tiktok_handle)) "
               "WHERE tiktok_user_id IS NOT NULL")
    op.create_index("ix_users_handle_lower", "users", [sa.text("lower(tiktok_handle)")])
    op.add_column("users", sa.Column("handle_lost", sa.String(64)))
    op.add_column("users", sa.Column("handle_lost_at", TZ))

    # audit_events is append-only (triggers); ADD COLUMN touches no row, so they stay in force.
    op.execute("ALTER TABLE audit_events ADD COLUMN creator_id INTEGER REFERENCES users(id)")
    op.execute("ALTER TABLE audit_events ADD COLUMN submission_id INTEGER "
               "REFERENCES submissions(id)")
    op.create_index("ix_audit_events_creator_id", "audit_events", ["creator_id"])
    op.create_index("ix_audit_events_submission_id", "audit_events", ["submission_id"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])


def _drop_sqlite_unique_video_id():
    """Batch mode copies reflected unique constraints; make sure none on video_id survived."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name='submissions'").scalar()
    if "UNIQUE (video_id)" in sql or "video_id VARCHAR(24) NOT NULL UNIQUE" in sql:
        raise RuntimeError("could not drop the unique constraint on submissions.video_id")


def downgrade():
    op.drop_index("ix_audit_events_action", "audit_events")
    op.drop_index("ix_audit_events_submission_id", "audit_events")
    op.drop_index("ix_audit_events_creator_id", "audit_events")
    op.drop_column("audit_events", "submission_id")
    op.drop_column("audit_events", "creator_id")
    op.drop_column("users", "handle_lost_at")
    op.drop_column("users", "handle_lost")
    op.drop_index("ix_users_handle_lower", "users")
    op.execute("DROP INDEX uq_users_proven_handle")
    op.execute("CREATE UNIQUE INDEX uq_users_handle_lower ON users (lower(tiktok_handle))")
    op.execute("DROP INDEX uq_submissions_live_video")
    op.drop_index("ix_submissions_video_id", "submissions")
    op.drop_column("submissions", "verified_at")
    for column in ("reviewed_by_id", "reviewed_at", "evidence_url", "note", "reason_code"):
        op.drop_column("view_snapshots", column)
    op.execute("DROP INDEX uq_flags_open_kind")
    op.drop_table("flags")
