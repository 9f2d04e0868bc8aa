"""The creator's video cards: each video of a page with its advice, the trend of its recent
counts and when it was (and will next be) updated.

A page costs the same few queries whatever it holds: the counts and the open flags of all its
videos come in one question each to tracking (webapp.tracking.history answers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import format_timedelta
from flask_babel import gettext as _
from markupsafe import Markup

from webapp import charts
from webapp.i18n import timeago
from webapp.submissions import signals
from webapp.submissions.advice import Advice, advice_for
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow

TREND_DAYS = 7  # the sparkline's window: hourly counts of a young video, dailies of an old one


@dataclass(frozen=True)
class Card:
    sub: Submission
    advice: Advice | None = None
    trend: list[int] = field(default_factory=list)  # recent counts, oldest first
    sparkline: Markup = Markup("")  # the trend drawn (nothing with fewer than two counts)
    updated: str | None = None  # "updated 3 minutes ago"
    next_update: str | None = None  # "next in about 1 hour"


def cards_for(creator_id: int, subs: list[Submission], now: datetime | None = None) -> list[Card]:
    now = now or utcnow()
    ids = [sub.id for sub in subs]
    if not ids:
        return []
    history = _merged(signals.answers(signals.view_history, creator_id, submission_ids=ids,
                                      since=now - timedelta(days=TREND_DAYS)))
    holds = _merged(signals.answers(signals.open_holds, creator_id, submission_ids=ids))
    label = _("Views over the last %(days)d days", days=TREND_DAYS)
    cards = []
    for sub in subs:
        trend = [views for _at, views in history.get(sub.id, [])]
        cards.append(Card(sub, advice_for(sub, holds.get(sub.id, set())), trend,
                          charts.sparkline(trend, label=label), updated_words(sub, now),
                          next_words(sub, now)))
    return cards


def _merged(answers: list[dict]) -> dict:
    merged: dict = {}
    for answer in answers:
        merged.update(answer)
    return merged


def updated_words(sub: Submission, now: datetime) -> str | None:
    if sub.last_view_update is None:
        return None
    return _("updated %(ago)s", ago=timeago(sub.last_view_update, now))


def next_words(sub: Submission, now: datetime) -> str | None:
    """Only an earning video is refreshed; an overdue one is picked up by the next scan."""
    if not sub.is_earning or sub.next_refresh_at is None:
        return None
    wait = aware(sub.next_refresh_at) - now
    if wait < timedelta(minutes=1):
        return _("next update soon")
    return _("next in about %(span)s", span=format_timedelta(wait))  # 50 min: "1 hour"
