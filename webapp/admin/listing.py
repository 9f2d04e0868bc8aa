"""The rows of the admin lists: one page of the review queue or of the tracked videos, and what
each row shows beside its submission (open flags, where its count came from, other claims,
how the creator proved their TikTok account), fetched once per page rather than once per row.

Both lists page by position ("the rows after row N in this order", a keyset), not by OFFSET:
approving rows removes them from the queue, and an offset would then skip as many rows on the
next page; and row 100.000 costs what row 1 costs (OFFSET 100000 reads and sorts every row
before it). The id breaks ties, so rows with equal keys never swap or repeat across pages.
Totals are counted up to COUNT_CAP: past that, "10.000+" tells an admin enough, cheaply.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import DateTime, and_, func, literal, literal_column, or_, select
from sqlalchemy.orm import selectinload

from webapp.admin.filters import QUEUE_STATUSES, Filters, where
from webapp.auth.models import TikTokConnection
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import APPROVED, Submission
from webapp.tracking.flags import shown_kind
from webapp.tracking.models import OK, OPEN, Flag, ViewSnapshot

PER_PAGE = 50
COUNT_CAP = 10_000


def _time(value: datetime):
    return literal(value, DateTime(timezone=True))


@dataclass(frozen=True)
class Order:
    """Rows by `key` (never NULL: coalesce it), then by id, both ascending or both descending."""

    key: object
    descending: bool = False

    def sorted(self, reverse: bool = False) -> tuple:
        down = self.descending != reverse
        return (self.key.desc(), Submission.id.desc()) if down else (self.key, Submission.id)

    def beyond(self, anchor, forward: bool = True):
        """Rows strictly after (forward) or before the anchor's (key, id) in this order."""
        value, row_id = anchor
        if self.descending == forward:  # going down the values
            return and_(self.key <= value, or_(self.key < value, Submission.id < row_id))
        return and_(self.key >= value, or_(self.key > value, Submission.id > row_id))


# Oldest first: first submitted, first reviewed.
QUEUE_ORDER = Order(Submission.created_at)
VIDEO_ORDERS = {
    # Spelled exactly as the index of migration 0013 (an inline -1, not a bound parameter).
    "views": Order(func.coalesce(Submission.current_views, literal_column("-1")),
                   descending=True),
    "failing": Order(Submission.refresh_failures, descending=True),
    "stale": Order(func.coalesce(Submission.last_view_update,
                                 _time(datetime(1970, 1, 1, tzinfo=timezone.utc)))),
    # No next refresh means "no longer refreshed": those come last.
    "next": Order(func.coalesce(Submission.next_refresh_at,
                                _time(datetime(9999, 1, 1, tzinfo=timezone.utc)))),
}


@dataclass
class KeysetPage:
    items: list[Submission]
    total: int  # at most COUNT_CAP + 1
    after: int | None  # the last row's id, when more rows follow
    before: int | None  # the first row's id, when rows precede

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP


def _with_rows(query):
    return query.options(selectinload(Submission.creator), selectinload(Submission.reviewed_by))


def review_page(filters: Filters, *, after: int | None = None, before: int | None = None,
                per_page: int = PER_PAGE) -> KeysetPage:
    base = where(select(Submission), filters, QUEUE_STATUSES.get(filters.status))
    return keyset_page(base, QUEUE_ORDER, after=after, before=before, per_page=per_page)


def tracked_page(filters: Filters, sort: str, *, after: int | None = None,
                 before: int | None = None, per_page: int = PER_PAGE) -> KeysetPage:
    base = where(select(Submission), filters, (APPROVED,))
    return keyset_page(base, VIDEO_ORDERS.get(sort, VIDEO_ORDERS["views"]), after=after,
                       before=before, per_page=per_page)


def keyset_page(base, order: Order, *, after: int | None, before: int | None,
                per_page: int) -> KeysetPage:
    """The page of `base` after row `after` (or before row `before`; else the first page).
    An anchor row that no longer exists means the first page."""
    anchor_id = before or after
    anchor = _anchor(order, anchor_id)
    backwards = bool(before) and anchor is not None
    query = base.where(order.beyond(anchor, forward=not backwards)) if anchor else base
    rows = list(db.session.scalars(_with_rows(
        query.order_by(*order.sorted(reverse=backwards)).limit(per_page + 1))))
    more, rows = len(rows) > per_page, rows[:per_page]
    if backwards:
        rows.reverse()
    # An emptied page (its rows were all decided meanwhile) still links to both sides.
    first, last = (rows[0].id, rows[-1].id) if rows else (anchor_id, anchor_id)
    if backwards:
        behind, ahead = more, _any(base, order, last, forward=True)
    else:
        ahead, behind = more, anchor is not None and _any(base, order, first, forward=False)
    return KeysetPage(rows, _capped_count(base), last if ahead else None,
                      first if behind else None)


def _anchor(order: Order, submission_id: int | None):
    if not submission_id:
        return None
    return db.session.execute(select(order.key, Submission.id).where(
        Submission.id == submission_id)).one_or_none()


def _any(base, order: Order, row_id: int | None, forward: bool) -> bool:
    anchor = _anchor(order, row_id)
    if anchor is None:
        return False
    clause = order.beyond(anchor, forward=forward)
    return db.session.scalar(base.where(clause).with_only_columns(Submission.id).limit(1)) \
        is not None


def _capped_count(base) -> int:
    ids = base.with_only_columns(Submission.id).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(ids))


def row_facts(subs) -> dict:
    """What the row templates show beside each submission, for a whole page in a few queries."""
    ids = [s.id for s in subs]
    creator_ids = {s.creator_id for s in subs}
    return dict(others=submissions.other_claims(subs), flags_of=open_flags(ids),
                source_of=latest_sources(ids), via_login=connected(creator_ids))


def open_flags(submission_ids) -> dict[int, list[tuple[str, str]]]:
    """Each video's open flags as (kind, what it is about: tracking.flags.shown_kind), so an
    identity flag of a proven creator reads as the old video it is, not as a missing proof."""
    found: dict[int, list[tuple[str, str]]] = {}
    if submission_ids:
        for sub_id, kind, evidence in db.session.execute(
                select(Flag.submission_id, Flag.kind, Flag.evidence).where(
                    Flag.submission_id.in_(submission_ids), Flag.status == OPEN)
                .order_by(Flag.id)):
            found.setdefault(sub_id, []).append((kind, shown_kind(kind, evidence)))
    return found


def latest_sources(submission_ids) -> dict[int, str]:
    """Where each video's current count came from (no entry: no count yet). Only counts that
    became current are read: a proposal awaiting a second admin, a held drop and a dismissed
    count are stored too, but the row shows the count before them."""
    if not submission_ids:
        return {}
    latest = (select(func.max(ViewSnapshot.id)).where(
        ViewSnapshot.submission_id.in_(submission_ids), ViewSnapshot.state == OK)
        .group_by(ViewSnapshot.submission_id))
    return dict(db.session.execute(select(ViewSnapshot.submission_id, ViewSnapshot.source)
                                   .where(ViewSnapshot.id.in_(latest))).all())


def connected(creator_ids) -> set[int]:
    """Creators who connected TikTok (Login Kit), even if the connection broke since: their
    proof came from signing in, not from a bio code."""
    if not creator_ids:
        return set()
    return set(db.session.scalars(select(TikTokConnection.user_id).where(
        TikTokConnection.user_id.in_(creator_ids))))


def snapshots(submission_id: int, limit: int = 20) -> list[ViewSnapshot]:
    """A video's latest counts, newest first (its detail page)."""
    return list(db.session.scalars(select(ViewSnapshot).where(
        ViewSnapshot.submission_id == submission_id).order_by(ViewSnapshot.id.desc())
        .limit(limit)))


def open_flag_rows(submission_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(
        Flag.submission_id == submission_id, Flag.status == OPEN).order_by(Flag.id)))
