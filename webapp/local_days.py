"""Calendar days as creators live them (BABEL_DEFAULT_TIMEZONE, Asia/Jakarta), in Python and SQL.

Times are stored in UTC; "today" starts at midnight WIB (17:00 UTC the day before). Earnings
(per-period sums, the ledger's day groups) and tracking (views gained per day) both count days
this way, so it lives below both.
"""
import re
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Date, func, literal_column, type_coerce

from webapp.extensions import db
from webapp.timeutil import aware, utcnow

_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today(now: datetime | None = None) -> date:
    return aware(now or utcnow()).astimezone(zone()).date()


def start(day: date) -> datetime:
    """Midnight of a local day, as the UTC moment the database compares with."""
    return datetime.combine(day, time(), zone()).astimezone(timezone.utc)


def day_of(column, now: datetime | None = None):
    """SQL for the local calendar day of a UTC timestamp column, typed Date.

    The zone goes in as a literal, not a bound parameter: PostgreSQL accepts the expression in
    GROUP BY, ORDER BY and HAVING only when it reads exactly the same in each place."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if not _ZONE_NAME.match(name):
        raise ValueError(f"unexpected time zone name {name!r}")
    if db.session.get_bind().dialect.name == "postgresql":
        return type_coerce(func.date(func.timezone(literal_column(f"'{name}'"), column)), Date)
    # SQLite stores UTC text and knows no zones: shift by the zone's offset (Jakarta has had no
    # daylight saving since 1964, so one offset is right for every stored moment).
    offset = aware(now or utcnow()).astimezone(zone()).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    return type_coerce(func.date(column, literal_column(f"'{minutes:+d} minutes'")), Date)


def as_date(value) -> date:
    """A day from the database: a date (PostgreSQL) or ISO text (SQLite, on some paths)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
