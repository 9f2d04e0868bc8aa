from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.extensions import db
from webapp.timeutil import utcnow

READ = "read"  # GET endpoints
WRITE = "write"  # GET, batch-views and observations
SCOPES = (READ, WRITE)


class ApiToken(db.Model):
    """A bearer token for /api. Only the SHA-256 of the token is stored: it is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(8), default=READ)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The admin it acts for (observations need one); None for a machine token made by the CLI.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    owner: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """Write includes read."""
        return self.scope == WRITE or scope == READ
