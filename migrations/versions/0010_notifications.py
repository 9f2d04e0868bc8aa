"""In-app notifications, outbox mail and password resets (issue 10).

- notifications: what happened to a user's videos and money, stored as a kind and its
  parameters (rendered in the reader's language when shown); unique per (user, kind, key), so
  an event replayed by a retried job notifies once;
- notification_settings: a user's choice to get them by e-mail too (no row: yes);
- outbox_mails: every mail, written before it is sent and marked when it was (never lost);
  delivered by SMTP (MAIL_URL) or kept in this local outbox.
Password resets need no table: the token is signed and bound to the current password hash.

Revision ID: 0010_notifications
Revises: 0009_video_meta
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_notifications"
down_revision = "0009_video_meta"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("link", sa.String(300)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("read_at", TZ),
        sa.UniqueConstraint("user_id", "kind", "key", name="uq_notifications_user_kind_key"),
    )
    op.create_index("ix_notifications_user_read_created", "notifications",
                    ["user_id", "read_at", "created_at"])
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("email", sa.Boolean, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "outbox_mails",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text),
        sa.Column("delivery", sa.String(8), nullable=False),
        sa.Column("created_at", TZ, nullable=False, index=True),
        sa.Column("sent_at", TZ),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_attempt_at", TZ),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_mails_unsent", "outbox_mails", ["delivery", "sent_at", "created_at"])


def downgrade():
    op.drop_index("ix_outbox_mails_unsent", table_name="outbox_mails")
    op.drop_table("outbox_mails")
    op.drop_table("notification_settings")
    op.drop_index("ix_notifications_user_read_created", table_name="notifications")
    op.drop_table("notifications")
