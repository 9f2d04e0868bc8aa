"""The creator's ledger as people read it: one line per video per day, the entries one tap away.

At Rp0,00002489 a view, an hourly refresh adding 11 views books Rp0,00027: listed one by one,
a day of refreshes is 24 lines of nearly nothing. Grouped per (local day, video, kind) — a
withdrawal's entries per (day, payout, kind) — a day of a video is one line with its sum and
number of updates, and what is not ordinary (money taken back, a decrease, a rate change, a
count our team entered by hand) stays a line of its own. A line of one entry shows it whole.

Pages are keyset pages, newest first, ordered by (day, id of the group's last entry): both come
from the database's GROUP BY, the pair is unique (an entry belongs to one group), so paging is
stable however many entries share a timestamp, and the 2000th page costs what the first does
(no OFFSET). Only today's groups can still grow; one that grows moves up, to the first page.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, or_, select, type_coerce
from sqlalchemy.orm import selectinload

from webapp import local_days
from webapp.earnings.models import LedgerEntry
from webapp.earnings.periods import gained_views
from webapp.extensions import db
from webapp.money import from_units
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot

MANUAL_SOURCES = ("manual", "extension")  # as ViewSnapshot.is_manual


@dataclass
class Group:
    day: date
    submission_id: int | None
    payout_id: int | None
    amount: Decimal
    reserved: Decimal
    count: int
    views: int  # views gained by the group's entries
    last_id: int
    kind: str
    manual: bool  # counts an admin entered (their reason and note are the creator's to read)
    submission: Submission | None = None
    entry: LedgerEntry | None = None  # the entry itself, for a group of one

    @property
    def cursor(self) -> str:
        return f"{self.day.isoformat()}.{self.last_id}"

    @property
    def moment(self) -> datetime:
        """Midnight of the day, for the `day` filter."""
        return local_days.start(self.day)


@dataclass(frozen=True)
class GroupPage:
    groups: list[Group]
    older: str | None  # cursor of the next (older) page, None on the last one
    first: bool  # the newest page


def parse_cursor(text: str | None) -> tuple[date, int] | None:
    """"2026-12-03.12345" -> (day, last entry id); None for no cursor. ValueError otherwise."""
    if not text:
        return None
    day, _, last = text.partition(".")
    last_id = int(last)
    if last_id < 1:
        raise ValueError("a cursor's entry id is positive")
    return date.fromisoformat(day), last_id


def page(creator_id: int, before: tuple[date, int] | None = None, per_page: int = 20,
         now: datetime | None = None) -> GroupPage:
    """The groups older than `before` (from parse_cursor), newest first.

    A group never spans two days, so grouping only the last days before the cursor gives
    complete groups: the database reads the cursor's day of entries first (a creator with
    5.000 videos fills a page with one day), not all 100.000, and reads further back (x4 each
    time: 4 days, 16, ...) only when that holds less than a page."""
    mine = LedgerEntry.creator_id == creator_id
    anchor = before[0] if before else local_days.today(now)
    span = 1
    while True:
        since = local_days.start(anchor - timedelta(days=span))
        rows = _groups(mine, LedgerEntry.created_at >= since, before, per_page + 1, now)
        if len(rows) > per_page or not _any_before(mine, since):
            break
        span *= 4
    groups = [Group(local_days.as_date(d), sub_id, payout_id, from_units(int(amount)),
                    from_units(int(reserved)), int(count), int(views or 0), int(last_id), kind,
                    bool(manual))
              for d, sub_id, payout_id, kind, manual, amount, reserved, count, views, last_id
              in rows[:per_page]]
    _attach(groups)
    older = groups[-1].cursor if len(rows) > per_page else None
    return GroupPage(groups, older, before is None)


def _manual():
    """1 for an entry booked on a count an admin entered (by hand or the browser extension)."""
    return case((ViewSnapshot.source.in_(MANUAL_SOURCES), 1), else_=0)


def _any_before(mine, moment: datetime) -> bool:
    return db.session.scalar(
        select(LedgerEntry.id).where(mine, LedgerEntry.created_at < moment).limit(1)) is not None


def _groups(mine, window, before: tuple[date, int] | None, limit: int, now) -> list:
    day = local_days.day_of(LedgerEntry.created_at, now)
    last = func.max(LedgerEntry.id)
    manual = _manual()
    query = (
        select(day, LedgerEntry.submission_id, LedgerEntry.payout_id, LedgerEntry.kind, manual,
               func.sum(type_coerce(LedgerEntry.amount, BigInteger)),
               func.sum(type_coerce(LedgerEntry.reserved, BigInteger)), func.count(),
               func.sum(gained_views()), last)
        .outerjoin(ViewSnapshot, ViewSnapshot.id == LedgerEntry.snapshot_id)
        .where(mine, window)
        .group_by(day, LedgerEntry.submission_id, LedgerEntry.payout_id, LedgerEntry.kind,
                  manual)
        .order_by(day.desc(), last.desc())
        .limit(limit))
    if before is not None:
        before_day, before_last = before
        newer = local_days.start(before_day + timedelta(days=1))
        query = (query.where(LedgerEntry.created_at < newer)
                 .having(or_(day < before_day, last < before_last)))
    return db.session.execute(query).all()


def entries(creator_id: int, day: date, submission_id: int | None, payout_id: int | None,
            kind: str, manual: bool = False, limit: int = 200) -> list[LedgerEntry]:
    """The entries of one group, newest first (another creator's are simply not found)."""
    start, end = local_days.start(day), local_days.start(day + timedelta(days=1))
    query = select(LedgerEntry).outerjoin(
        ViewSnapshot, ViewSnapshot.id == LedgerEntry.snapshot_id).where(
        _manual() == int(manual),
        LedgerEntry.creator_id == creator_id, LedgerEntry.kind == kind,
        LedgerEntry.created_at >= start, LedgerEntry.created_at < end,
        LedgerEntry.submission_id == submission_id if submission_id is not None
        else LedgerEntry.submission_id.is_(None),
        LedgerEntry.payout_id == payout_id if payout_id is not None
        else LedgerEntry.payout_id.is_(None))
    # Each entry's reason reads its snapshot (a manual count?): one query for them all.
    return list(db.session.scalars(query.options(selectinload(LedgerEntry.snapshot))
                                   .order_by(LedgerEntry.id.desc()).limit(limit)))


def _attach(groups: list[Group]) -> None:
    """The groups' videos, and the entry of each group of one (its id is the group's last)."""
    ids = {g.submission_id for g in groups if g.submission_id is not None}
    videos = {s.id: s for s in db.session.scalars(
        select(Submission).where(Submission.id.in_(ids)))} if ids else {}
    single = [g.last_id for g in groups if g.count == 1]
    found = {e.id: e for e in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.id.in_(single))
        .options(selectinload(LedgerEntry.snapshot)))} if single else {}
    for group in groups:
        group.submission = videos.get(group.submission_id)
        group.entry = found.get(group.last_id) if group.count == 1 else None
