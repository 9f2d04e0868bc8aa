"""The live fragment's ETag: two SQL aggregates, never a render.

The creator's page polls the fragment every POLL_SECONDS and nearly every answer is a 304, so
this is what a watching creator costs; the submissions' part is one probe of an index
(creator_id, updated_at), the same for 5 videos or 5.000. The tag changes when:
- any of the creator's submissions changes or is added (the latest updated_at: a status, a view
  count, a credit all touch the row);
- money moves: each area above answers `dashboard_parts` (earnings: its ledger's count, last id);
- the language or the page of cards asked for;
- a minute passes: what is derived from the time ("next update in 20 minutes", money becoming
  available, a hold an admin lifted) can change with no row changing, and a transaction that
  stamped its row earlier may commit after a later one; so each watching page gets at most one
  full render a minute beyond the real changes, and nothing stays stale longer.
"""
import hashlib
import time

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.submissions import signals
from webapp.submissions.models import Submission

TIME_BUCKET_SECONDS = 60


def live_etag(creator_id: int, *, locale: str = "", page: int = 1,
              now: float | None = None) -> str:
    """The fragment's version for this creator, language and page (a strong ETag value)."""
    # A new submission is the latest update too: no count needed, one index probe (0014).
    last_update = db.session.scalar(
        select(func.max(Submission.updated_at)).where(Submission.creator_id == creator_id))
    parts = signals.answers(signals.dashboard_parts, creator_id)
    minute = int((time.time() if now is None else now) // TIME_BUCKET_SECONDS)
    key = "|".join(str(p) for p in (creator_id, locale, page, last_update, *parts, minute))
    return hashlib.sha1(key.encode()).hexdigest()
