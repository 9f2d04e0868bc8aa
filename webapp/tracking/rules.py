"""The rules that decide whether a new count is believable enough to pay on without a look.

Pure functions over plain values (no database), so each rule can be fed whole growth curves in
tests. Each returns None (nothing odd) or the evidence an admin needs to decide, which is
stored on the flag as it was seen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Point:
    """One trusted (ok) observation of a video: when, and how many views."""

    at: datetime
    views: int


@dataclass(frozen=True)
class SpikeSettings:
    factor: float
    min_views: int
    trailing_hours: int

    @classmethod
    def from_config(cls, config) -> "SpikeSettings":
        return cls(float(config["SPIKE_FACTOR"]), int(config["SPIKE_MIN_VIEWS"]),
                   int(config["SPIKE_TRAILING_HOURS"]))


# Intervals shorter than this count as this long: two fetches a second apart must not turn a
# normal gain into an "infinite" rate.
_MIN_HOURS = 1 / 60
# The fastest an organic audience's pace grows, sustained (doubling every 3 hours), and the
# most a refresh gap may excuse: bought views in one gap of a day still stand out.
_DOUBLING_HOURS = 3
_MAX_ALLOWANCE = 16


def _per_hour(gain: int, start: datetime, end: datetime) -> float:
    return gain / max((end - start).total_seconds() / 3600, _MIN_HOURS)


def _allowance(span: float, hours: float) -> float:
    """How much faster an organic curve may legitimately look than its trailing pace, when its
    pace doubles at most every _DOUBLING_HOURS: the pace at the end of the reference interval
    can exceed that interval's average, and the new interval's average can exceed that again
    the longer it is (refreshes that failed for a while). Hourly refreshes: ~1,3."""
    k = math.log(2) / _DOUBLING_HOURS
    end_of_reference = k * span / (1 - math.exp(-k * span)) if span > 0 else 1.0
    over_the_gap = (math.exp(k * hours) - 1) / (k * hours) if hours > 0 else 1.0
    return min(end_of_reference * over_the_gap, _MAX_ALLOWANCE)


def spike(history: list[Point], new: Point, created_at: datetime | None,
          settings: SpikeSettings) -> dict | None:
    """Growth since the last count far above the video's own trailing pace, and large.

    The trailing pace is the video's fastest interval within the trailing window (so an
    S-curve that accelerates smoothly, interval after interval, never trips it), or its
    lifetime average when it has only one earlier count. Both conditions must hold: a small
    video tripling is not worth a hold (the absolute floor), a big video's steady day is not
    a spike (the factor).
    """
    if not history:
        return None
    last = history[-1]
    gain = new.views - last.views
    if gain < settings.min_views:
        return None
    rate = _per_hour(gain, last.at, new.at)
    window_start = last.at - timedelta(hours=settings.trailing_hours)
    recent = [p for p in history if p.at >= window_start]
    intervals = [(_per_hour(b.views - a.views, a.at, b.at), (b.at - a.at).total_seconds() / 3600)
                 for a, b in zip(recent, recent[1:])]
    if intervals:
        trailing, span = max(intervals)
        trailing, basis = max(trailing, 0.0), "fastest_interval"
    elif created_at is not None and created_at < last.at:
        span = (last.at - created_at).total_seconds() / 3600
        trailing, basis = _per_hour(last.views, created_at, last.at), "lifetime_average"
    else:  # no pace known at all: only a jump many times the whole count is held
        if new.views <= settings.factor * max(last.views, 1):
            return None
        trailing, span, basis = None, 0.0, "count_multiple"
    hours = (new.at - last.at).total_seconds() / 3600
    allowance = _allowance(span, hours)
    if trailing is not None and rate <= settings.factor * allowance * max(trailing, 1.0):
        return None
    return {"views_before": last.views, "views_after": new.views, "gain": gain,
            "hours": round(hours, 3), "allowance": round(allowance, 2),
            "views_per_hour": round(rate), "trailing_per_hour":
            None if trailing is None else round(trailing), "basis": basis,
            "factor": settings.factor, "min_views": settings.min_views}


def engagement(views: int, likes: int | None, comments: int | None, shares: int | None,
               min_views: int, min_ratio: Decimal) -> dict | None:
    """Many views with almost no likes, comments or shares: bought views look like this.

    Only judged when the source reported interactions at all (oEmbed does not)."""
    if likes is None or views < min_views:
        return None
    interactions = (likes or 0) + (comments or 0) + (shares or 0)
    ratio = Decimal(interactions) / Decimal(views)
    if ratio >= min_ratio:
        return None
    return {"views": views, "likes": likes, "comments": comments, "shares": shares,
            "interactions_per_view": f"{ratio:.5f}", "min_ratio": str(min_ratio),
            "min_views": min_views}


def count_mismatch(manual_views: int, manual_at: datetime, automatic_views: int,
                   now: datetime, trust_days: int) -> dict | None:
    """An automatic count below an admin's recent entry: one of them is wrong, and only an
    admin can say which (the entry is never silently reversed)."""
    if automatic_views >= manual_views or now - manual_at > timedelta(days=trust_days):
        return None
    return {"manual_views": manual_views, "manual_at": manual_at.isoformat(),
            "automatic_views": automatic_views, "difference": manual_views - automatic_views}


def identity(proven_at: datetime | None, posted_at: datetime | None,
             grace_days: int) -> dict | None:
    """Money for a video is only believable once its creator proved the TikTok account (Login
    Kit or bio code); a video posted long before that proof (an account bought or taken over
    with its back catalogue) is held as well."""
    if proven_at is None:
        return {"proven": False}
    if posted_at is not None and posted_at < proven_at - timedelta(days=grace_days):
        return {"proven": True, "proven_at": proven_at.isoformat(),
                "posted_at": posted_at.isoformat(), "grace_days": grace_days}
    return None
