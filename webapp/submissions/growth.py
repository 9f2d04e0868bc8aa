"""A video's views and earnings over time, as one chart (and the same numbers as a table).

Counts come from tracking (asked by signal), money from the earnings entries the page already
has; both are sampled at the end of each hour (a video younger than a day and a half) or of
each day (the last 30), carrying the last known value forward; in a video's first hour, at
each count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import format_time
from flask_babel import gettext as _
from markupsafe import Markup

from webapp import charts
from webapp.i18n import day, rupiah, views
from webapp.submissions import signals
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow

HOURLY_UP_TO = timedelta(hours=36)
MAX_DAYS = 30
MAX_POINTS = 36


@dataclass(frozen=True)
class Growth:
    chart: Markup
    table: Markup


def growth(sub: Submission, entries, earned: Decimal | None,
           now: datetime | None = None) -> Growth | None:
    """`entries`: the video's ledger entries, newest first (maybe only the latest ones);
    `earned`: what the video earned in all. None before the first count."""
    now = now or utcnow()
    counts = [(aware(at), n) for at, n in _history(sub)]
    if not counts:
        return None
    ends = _sample_ends(counts[0][0], now)
    hourly = ends[-1] - ends[0] <= HOURLY_UP_TO
    if len(ends) < 2:  # all within the first hour: each count is a point
        ends, labels = _at_each_count(counts[-MAX_POINTS:], now)
    else:  # "as of 06.00" for an hour; the day that ended for a day
        labels = [format_time(end, "short") if hourly else day(end - timedelta(seconds=1))
                  for end in ends]
    money = _earned_over_time(entries, earned or Decimal(0))
    series = [charts.Series(_("Views"), [_last_before(counts, end) for end in ends], views),
              charts.Series(_("Earnings"), [_last_before(money, end, Decimal(0)) for end in ends],
                            rupiah)]
    title = _("Views and earnings over time")
    return Growth(
        charts.line_chart(series, labels=labels, label=title),
        charts.chart_table(series, labels=labels, caption=title,
                           x_heading=_("Hour") if hourly else _("Day")))


def _history(sub: Submission) -> list[tuple[datetime, int]]:
    answers = signals.answers(signals.view_history, sub.creator_id, submission_ids=[sub.id])
    return next((a[sub.id] for a in answers if a.get(sub.id)), [])


def _sample_ends(first: datetime, now: datetime) -> list[datetime]:
    """The end of every hour (or day, in UTC+7) from the first count to now, now included."""
    if now - first <= HOURLY_UP_TO:
        step, start = timedelta(hours=1), first.replace(minute=0, second=0, microsecond=0)
    else:
        step = timedelta(days=1)
        jakarta = timedelta(hours=7)  # Indonesia keeps no daylight saving time
        start = (first + jakarta).replace(hour=0, minute=0, second=0, microsecond=0) - jakarta
        start = max(start, now - step * MAX_DAYS)
    ends, end = [], start + step
    while end < now:
        ends.append(end)
        end += step
    return ends + [now]


def _at_each_count(counts, now: datetime) -> tuple[list[datetime], list[str]]:
    """Sample each count just after it was taken (its money is booked moments later), and
    before the next one arrives."""
    ends = []
    for number, (at, _count) in enumerate(counts):
        end = min(at + timedelta(minutes=1), now)
        if number + 1 < len(counts):
            end = min(end, counts[number + 1][0] - timedelta(microseconds=1))
        ends.append(end)
    return ends, [format_time(at, "short") for at, _count in counts]


def _earned_over_time(entries, earned: Decimal) -> list[tuple[datetime, Decimal]]:
    """(when, earned so far) after each entry, oldest first. Walking back from the total keeps
    it exact when only the latest entries are at hand."""
    points, total = [], earned
    for entry in entries:  # newest first
        points.append((aware(entry.created_at), total))
        total -= entry.amount
    return points[::-1]


def _last_before(points, end: datetime, default=None):
    value = default
    for at, number in points:
        if at > end:
            break
        value = number
    return value
