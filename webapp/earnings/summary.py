"""The creator's live money summary: what it shows, and a cheap version of it for the ETag.

The page polls the summary every POLL_SECONDS. Answering "nothing changed" must cost less than
the answer (one aggregate of ten sums, a GROUP BY and a chart), so `version` reads only what
can change it: the ledger (count, last id), how many entries left the validation window (money
turns available as time passes), the creator's flags, the local date (today / 7 / 28 days roll
over at midnight WIB), the rate-derived minimum and the next-check estimate in 5-minute steps.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from webapp import charts, local_days
from webapp.earnings import availability, payouts, periods
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking.models import Flag

STEP_MINUTES = 5  # the next-check estimate moves in these steps (so does the ETag)


@dataclass(frozen=True)
class NextCheck:
    """When the creator's views are next read from TikTok, as well as we can tell."""
    last: datetime | None  # the latest view update of their approved videos
    wait_hours: float | None  # expected wait (0: within minutes); None: no video tracked
    spread_hours: float  # +/- this much: the scheduler only looks for due videos so often


def next_check(creator_id: int, now: datetime | None = None) -> NextCheck:
    """A video due at T is fetched by the first scan after T: on average half a scan interval
    later, give or take the other half."""
    now = now or utcnow()
    due, last = db.session.execute(
        select(func.min(Submission.next_refresh_at), func.max(Submission.last_view_update))
        .where(Submission.creator_id == creator_id, Submission.status == APPROVED)).one()
    half_scan = current_app.config["REFRESH_SCAN_SECONDS"] / 7200
    if due is None:
        return NextCheck(aware(last), None, half_scan)
    wait_minutes = max((aware(due) - now).total_seconds(), 0) / 60 + half_scan * 60
    # 0 steps: due within a few minutes (not "about 5 minutes" while a card says "soon").
    steps = round(wait_minutes / STEP_MINUTES)
    return NextCheck(aware(last), steps * STEP_MINUTES / 60, half_scan)


def _ledger_version(now: datetime) -> list:
    """What of the ledger can change the summary: entry count, last id, and how many entries
    left the validation window (aggregate columns over the creator's entries)."""
    matured = LedgerEntry.created_at <= now - availability.window()
    return [func.count(LedgerEntry.id), func.coalesce(func.max(LedgerEntry.id), 0),
            func.count(case((matured, 1)))]


def _etag(creator_id: int, now: datetime, ledger: tuple, check: NextCheck,
          minimum: Decimal) -> str:
    entries, last_id, old = ledger
    flags, last_flag, decided = db.session.execute(
        select(func.count(Flag.id), func.max(Flag.id), func.max(Flag.decided_at))
        .where(Flag.creator_id == creator_id)).one()
    parts = [creator_id, get_locale(), int(entries), int(last_id), int(old), flags, last_flag,
             decided, local_days.today(now), minimum, check.wait_hours, check.last]
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def version(creator_id: int, now: datetime | None = None, check: NextCheck | None = None,
            minimum: Decimal | None = None) -> str:
    """Changes whenever anything the summary shows would change (the ETag's input); `check`
    and `minimum` when the caller has them already (one query fewer each)."""
    now = now or utcnow()
    ledger = db.session.execute(
        select(*_ledger_version(now)).where(LedgerEntry.creator_id == creator_id)).one()
    return _etag(creator_id, now, tuple(ledger), check or next_check(creator_id, now),
                 payouts.minimum() if minimum is None else minimum)


def context(creator_id: int, now: datetime | None = None, *, check: NextCheck | None = None,
            minimum: Decimal | None = None, etag: str | None = None,
            with_chart: bool = True) -> dict:
    """Everything the summary template shows, and `minimum` for the withdrawal form.

    The buckets, the four periods and the ETag's ledger figures are one aggregate over the
    creator's entries; the rate is read once (for the minimum). `check`, `minimum` and `etag`
    when the caller has them already (the polled route computed them for its 304); the ledger
    page shows no chart and skips its query."""
    now = now or utcnow()
    earned_sums = periods.sums(now)
    totals, more = availability.summarize(creator_id, now, *earned_sums, *_ledger_version(now))
    earned, ledger = periods.from_sums(more[:len(earned_sums)]), more[len(earned_sums):]
    check = check or next_check(creator_id, now)
    minimum = payouts.minimum() if minimum is None else minimum
    # Pending money is positive earnings only: none pending, no schedule to ask for.
    schedule = availability.pending_schedule(creator_id, now) if totals.pending else []
    return dict(totals=totals, earned=earned, schedule=schedule, minimum=minimum,
                progress=payouts.Progress(minimum, totals.available), next_check=check,
                chart=chart(periods.daily(creator_id, 28, now)) if with_chart else None,
                poll_seconds=current_app.config["POLL_SECONDS"],
                etag=etag or _etag(creator_id, now, ledger, check, minimum))


def poll(creator_id: int, known: object, with_chart: bool = True,
         now: datetime | None = None) -> tuple[str, dict | None]:
    """The ETag, and the summary's context unless the client's `known` ETags hold it already
    (then None: the route answers 304). The next check and the minimum are read once."""
    now = now or utcnow()
    check, minimum = next_check(creator_id, now), payouts.minimum()
    etag = version(creator_id, now, check, minimum)
    if etag in known:
        return etag, None
    return etag, context(creator_id, now, check=check, minimum=minimum, etag=etag,
                         with_chart=with_chart)


@dataclass(frozen=True)
class Chart:
    svg: str
    table: str
    has_data: bool


def chart(days: list[periods.Day]) -> Chart:
    """Views gained and money earned per day, as a picture and as a table (its text)."""
    from webapp.i18n import day, rupiah, views

    labels = [day(d.moment) for d in days]
    money = charts.Series(_("Earnings"), [d.amount for d in days], fmt=rupiah, css="earn-money")
    seen = charts.Series(_("Views"), [d.views for d in days], fmt=views, css="earn-views")
    label = _("Views and earnings per day, last %(days)s days", days=len(days))
    return Chart(charts.line_chart([money, seen], labels=labels, label=label, width=320),
                 charts.chart_table([money, seen], labels=labels, caption=label,
                                    x_heading=_("Day")),
                 any(d.amount or d.views for d in days))
