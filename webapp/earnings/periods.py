"""What was earned per period and per day, in the days creators live in (Asia/Jakarta).

Every figure is a SUM over ledger entries done by the database (integer units, so exact).
"Earned" is what videos earned net: accruals, adjustments and reversals; withdrawals move money
but earn nothing. A day is a calendar day in BABEL_DEFAULT_TIMEZONE (webapp.local_days): "today"
starts at midnight WIB, not at midnight UTC (07:00 WIB).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, func, select, type_coerce

from webapp import local_days
from webapp.earnings.models import EARNING_KINDS, PAYOUT_PAID, REVERSAL, LedgerEntry
from webapp.extensions import db
from webapp.money import from_units

EARNED_KINDS = EARNING_KINDS + (REVERSAL,)


def gained_views():
    """Views an entry adds: its count's rise (a rate change books views_from == views_to;
    reversals and payouts carry no views)."""
    return func.coalesce(LedgerEntry.views_to - LedgerEntry.views_from, 0)


def _units(column):
    return type_coerce(column, BigInteger)


@dataclass(frozen=True)
class Periods:
    today: Decimal
    week: Decimal  # today and the 6 days before it
    month: Decimal  # today and the 27 days before it
    all_time: Decimal


def sums(now: datetime | None = None) -> list:
    """Earned today, in the last 7 and 28 local days, and ever: four conditional sums, to be
    selected over a creator's entries (alone, or with the summary's other figures)."""
    today = local_days.today(now)
    earning = LedgerEntry.kind.in_(EARNED_KINDS)
    starts = [local_days.start(today - timedelta(days=back)) for back in (0, 6, 27)]
    conditions = [and_(earning, LedgerEntry.created_at >= start) for start in starts]
    return [func.sum(case((condition, _units(LedgerEntry.amount)), else_=0))
            for condition in conditions + [earning]]


def from_sums(values) -> Periods:
    """The four sums of `sums` (integer units, None when there was nothing) as exact Decimals."""
    return Periods(*(from_units(int(value or 0)) for value in values))


def earned(creator_id: int, now: datetime | None = None) -> Periods:
    """Earned today, in the last 7 and 28 local days, and ever: one query, four sums."""
    return from_sums(db.session.execute(
        select(*sums(now)).where(LedgerEntry.creator_id == creator_id)).one())


@dataclass(frozen=True)
class Day:
    day: date
    views: int  # views gained (views_to - views_from of the day's entries)
    amount: Decimal  # earned, net

    @property
    def moment(self) -> datetime:
        """Midnight of the day, for the `day` filter (which formats moments, not dates)."""
        return local_days.start(self.day)


def daily(creator_id: int, days: int = 28, now: datetime | None = None,
          submission_id: int | None = None) -> list[Day]:
    """Views gained and money earned on each of the last `days` local days (zeros included),
    by all the creator's videos or by one."""
    first = local_days.today(now) - timedelta(days=days - 1)
    day = local_days.day_of(LedgerEntry.created_at, now)
    where = [LedgerEntry.creator_id == creator_id, LedgerEntry.kind.in_(EARNED_KINDS),
             LedgerEntry.created_at >= local_days.start(first)]
    if submission_id is not None:
        where.append(LedgerEntry.submission_id == submission_id)
    rows = db.session.execute(
        select(day, func.sum(gained_views()), func.sum(_units(LedgerEntry.amount)))
        .where(*where).group_by(day)).all()
    found = {local_days.as_date(d): (int(views or 0), from_units(int(units or 0)))
             for d, views, units in rows}
    return [Day(d, *found.get(d, (0, Decimal(0))))
            for d in (first + timedelta(days=n) for n in range(days))]


@dataclass(frozen=True)
class MoneyDay:
    day: date
    earned: Decimal  # everything creators earned up to the end of this day
    paid: Decimal  # everything transferred to them by then

    @property
    def owed(self) -> Decimal:
        return self.earned - self.paid

    @property
    def moment(self) -> datetime:
        return local_days.start(self.day)


def owed_and_paid(days: int = 28, now: datetime | None = None) -> list[MoneyDay]:
    """All creators together: running totals of money earned and paid out, per local day.

    The gap between the two lines is what is owed. The sums before the window are the starting
    points, so the lines are true totals, not totals of the window."""
    first = local_days.today(now) - timedelta(days=days - 1)
    window_start = local_days.start(first)
    earned_units = case((LedgerEntry.kind.in_(EARNED_KINDS), _units(LedgerEntry.amount)),
                        else_=0)
    paid_units = case((LedgerEntry.kind == PAYOUT_PAID, -_units(LedgerEntry.amount)), else_=0)
    before = db.session.execute(select(func.sum(earned_units), func.sum(paid_units))
                                .where(LedgerEntry.created_at < window_start)).one()
    day = local_days.day_of(LedgerEntry.created_at, now)
    rows = db.session.execute(
        select(day, func.sum(earned_units), func.sum(paid_units))
        .where(LedgerEntry.created_at >= window_start,
               LedgerEntry.kind.in_(EARNED_KINDS + (PAYOUT_PAID,)))
        .group_by(day)).all()
    found = {local_days.as_date(d): (int(e or 0), int(p or 0)) for d, e, p in rows}
    earned_total, paid_total = int(before[0] or 0), int(before[1] or 0)
    out = []
    for n in range(days):
        d = first + timedelta(days=n)
        e, p = found.get(d, (0, 0))
        earned_total, paid_total = earned_total + e, paid_total + p
        out.append(MoneyDay(d, from_units(earned_total), from_units(paid_total)))
    return out
