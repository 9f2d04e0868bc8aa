"""The creator's live money summary: what it shows, and a cheap version of it for the ETag.

The page polls the summary every POLL_SECONDS. Answering "nothing changed" must cost less than
the answer (five SUMs, a GROUP BY and a chart), so `version` reads only what can change it:
the ledger (count, last id), how many entries left the validation window (money turns
available as time passes), the creator's flags, the local date (today / 7 / 28 days roll over
at midnight WIB), the rate-derived minimum and the next-check estimate in 5-minute steps.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from webapp import charts, local_days
from webapp.earnings import availability, payouts, periods, services
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
    wait_hours: float | None  # expected wait; None when no video is being tracked
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
    steps = max(round(wait_minutes / STEP_MINUTES), 1)
    return NextCheck(aware(last), steps * STEP_MINUTES / 60, half_scan)


def version(creator_id: int, now: datetime | None = None,
            check: NextCheck | None = None) -> str:
    """Changes whenever anything the summary shows would change (the ETag's input); `check`
    when the caller has it already (the page: one query fewer)."""
    now = now or utcnow()
    matured = LedgerEntry.created_at <= now - availability.window()
    entries, last_id, old = db.session.execute(
        select(func.count(LedgerEntry.id), func.coalesce(func.max(LedgerEntry.id), 0),
               func.count(case((matured, 1))))
        .where(LedgerEntry.creator_id == creator_id)).one()
    flags, last_flag, decided = db.session.execute(
        select(func.count(Flag.id), func.max(Flag.id), func.max(Flag.decided_at))
        .where(Flag.creator_id == creator_id)).one()
    check = check or next_check(creator_id, now)
    parts = [creator_id, get_locale(), entries, last_id, old, flags, last_flag, decided,
             local_days.today(now), payouts.minimum(), check.wait_hours, check.last]
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()


def context(creator_id: int, now: datetime | None = None) -> dict:
    """Everything the summary template shows."""
    now = now or utcnow()
    totals = services.totals(creator_id, now)
    days = periods.daily(creator_id, 28, now)
    check = next_check(creator_id, now)
    return dict(totals=totals, earned=periods.earned(creator_id, now),
                schedule=availability.pending_schedule(creator_id, now),
                progress=payouts.progress(totals.available), next_check=check,
                chart=chart(days), poll_seconds=current_app.config["POLL_SECONDS"],
                etag=version(creator_id, now, check))


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
