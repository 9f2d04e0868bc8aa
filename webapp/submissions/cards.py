"""The creator's video cards: each video of a page with its advice, the trend of its recent
counts and when it was (and will next be) updated.

A page costs the same few queries whatever it holds: the counts, the open flags and the earnings
of all its videos come in one question each to tracking and earnings (their listeners answer).

Relative times are rendered as <time datetime=...> with today's words inside: static/reltime.js
keeps the words current from the timestamp, so the fragment's ETag need not change as time
passes (webapp.submissions.live_etag). The sparkline's window starts at a Jakarta midnight, so a
page rendered twice on one day draws the same trend.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from babel.dates import format_timedelta
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from webapp import charts
from webapp.submissions import signals
from webapp.submissions.advice import Advice, advice_for
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow

TREND_DAYS = 7  # the sparkline's window: hourly counts of a young video, dailies of an old one
JAKARTA = timedelta(hours=7)  # UTC+7 all year


@dataclass(frozen=True)
class Card:
    sub: Submission
    advice: Advice | None = None
    trend: list[int] = field(default_factory=list)  # recent counts, oldest first
    sparkline: Markup = Markup("")  # the trend drawn (nothing with fewer than two counts)
    fresh: Markup = Markup("")  # "updated 3 minutes ago · next in about 1 hour", as <time>s
    earned: Decimal | None = None  # what the video earned in all (None: nothing booked)


def trend_start(now: datetime) -> datetime:
    """The sparkline's first moment: the Jakarta midnight TREND_DAYS before today's."""
    local = now + JAKARTA
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - JAKARTA - timedelta(
        days=TREND_DAYS)


def cards_for(creator_id: int, subs: list[Submission], now: datetime | None = None) -> list[Card]:
    now = now or utcnow()
    ids = [sub.id for sub in subs]
    if not ids:
        return []
    history = _merged(signals.answers(signals.view_history, creator_id, submission_ids=ids,
                                      since=trend_start(now)))
    holds = _merged(signals.answers(signals.open_holds, creator_id, submission_ids=ids))
    earned = _merged(signals.answers(signals.earned, creator_id, submission_ids=ids))
    label = _("Views over the last %(days)d days", days=TREND_DAYS)
    words = _Words()
    cards = []
    for sub in subs:
        trend = [views for _at, views in history.get(sub.id, ())]
        cards.append(Card(sub, advice_for(sub, holds.get(sub.id, ())), trend,
                          charts.sparkline(trend, label=label), words.fresh(sub, now),
                          earned.get(sub.id)))
    return cards


class _Statuses(dict):
    def __missing__(self, status: str) -> str:
        from webapp.submissions.messages import status_label

        self[status] = label = str(status_label(status))
        return label


class CardWords:
    """What every card of a page repeats, made once per page: labels translated, links built
    (url_for is about a tenth of a card's render)."""

    _MARK = "987654321"  # no real id: where each card's id goes in the page's links

    def __init__(self):
        self.views, self.earnings = _("Views"), _("Earnings")
        self.no_cover, self.status = _("No cover yet"), _Statuses()
        self.trend = _("Views, last %(days)d days", days=TREND_DAYS)  # under the trend line
        self._detail = url_for("submissions.detail", submission_id=self._MARK).split(self._MARK)
        self._thumb = url_for("submissions.thumbnail", submission_id=self._MARK,
                              v=self._MARK).split(self._MARK)

    def detail_url(self, sub: Submission) -> str:
        return f"{self._detail[0]}{sub.id}{self._detail[1]}"

    def thumb_url(self, sub: Submission) -> str:
        head, middle, tail = self._thumb
        return f"{head}{sub.id}{middle}{quote(sub.thumbnail_etag or '', safe='')}{tail}"


def card_words() -> CardWords:
    return CardWords()


class _Words:
    """The frames of a page's time words, translated once per page rather than per card."""

    def __init__(self):
        self.locale = str(get_locale())
        self.updated = Markup(escape(_("updated %(ago)s")))
        self.next_in = Markup(escape(_("next in about %(span)s")))
        self.soon = None

    def fresh(self, sub: Submission, now: datetime) -> Markup:
        if sub.last_view_update is None:
            return Markup("")
        line = self.updated % {"ago": _time(sub.last_view_update, "ago",
                                            _ago(sub.last_view_update, now, self.locale))}
        if sub.is_earning and sub.next_refresh_at is not None:
            wait = aware(sub.next_refresh_at) - now
            if wait < timedelta(minutes=1):
                self.soon = self.soon or _("next update soon")
                words = Markup(escape(self.soon))
            else:
                words = self.next_in % {"span": _time(sub.next_refresh_at, "in",
                                                      _span(wait, self.locale))}
            line += Markup(' · <span class="vc-next">%s</span>') % words
        return line


def _time(at: datetime, kind: str, words: str) -> Markup:
    """A moment the page words itself (static/reltime.js): "ago" ("3 minutes ago") or "in"
    ("1 hour", the time left)."""
    return Markup('<time datetime="%s" data-rel="%s">%s</time>') % (
        aware(at).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), kind, words)


def _merged(answers: list[dict]) -> dict:
    merged: dict = {}
    for answer in answers:
        merged.update(answer)
    return merged


def updated_words(sub: Submission, now: datetime) -> str | None:
    if sub.last_view_update is None:
        return None
    return _("updated %(ago)s", ago=_ago(sub.last_view_update, now, str(get_locale())))


def next_words(sub: Submission, now: datetime) -> str | None:
    """Only an earning video is refreshed; an overdue one is picked up by the next scan."""
    if not sub.is_earning or sub.next_refresh_at is None:
        return None
    wait = aware(sub.next_refresh_at) - now
    if wait < timedelta(minutes=1):
        return _("next update soon")
    # 50 min: "50 minutes"; 55 min: "1 hour"
    return _("next in about %(span)s", span=_span(wait, str(get_locale())))


def _ago(at: datetime, now: datetime, locale: str) -> str:
    """webapp.i18n.timeago's words ("3 menit yang lalu", "just now"), from a cache."""
    delta = aware(at) - now
    if abs(delta) < timedelta(minutes=1):
        return _("just now")
    return _span(delta, locale, direction=True)


# Babel's format_timedelta: the largest unit reaching 0,85 of one, rounded (static/reltime.js
# words them the same way in the browser).
_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
          ("hour", 3600), ("minute", 60), ("second", 1))


def _span(delta: timedelta, locale: str, direction: bool = False) -> str:
    """Babel's words for `delta`, cached: each span is first rounded to the whole unit Babel
    words it in, so every card of every page shares a few hundred cached phrases."""
    seconds = delta.days * 86400 + delta.seconds  # as Babel counts them
    for unit, size in _UNITS:
        value = abs(seconds) / size
        if value >= 0.85 or size == 1:
            value = max(1, value) if size == 1 and value > 0 else value
            return _worded(int(round(value)) * (1 if seconds >= 0 else -1), unit, locale,
                           direction)
    raise AssertionError("unreachable")


@lru_cache(maxsize=4096)
def _worded(value: int, unit: str, locale: str, direction: bool) -> str:
    # An infinite threshold makes Babel word it in `unit` itself, never rounding into the next.
    return format_timedelta(timedelta(seconds=value * dict(_UNITS)[unit]), granularity=unit,
                            threshold=float("inf"), add_direction=direction, locale=locale)
