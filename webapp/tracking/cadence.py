"""When a tracked video is looked at next: a pure function of its age, growth and last outcome.

Money follows views, and views move fast while a video is young or taking off, then settle:
hourly while young (YOUNG_VIDEO_DAYS) or growing fast (FAST_GROWTH_VIEWS_PER_HOUR), daily once
settled, weekly after the tracking window (TRACKING_WINDOW_DAYS), or never again when
TRACKING_AFTER_WINDOW=stop. A failed fetch backs off exponentially: from 10 minutes while the
trouble may pass (TikTok down, a garbled page), from an hour when the video itself is gone,
private or withheld (it rarely comes back soon, and asking again costs TikTok budget that
live videos need). Nothing here reads the clock, the database or the settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

OK = "ok"
DELETED = "deleted"  # not found, or 10204 "not available"
PRIVATE = "private"  # a private video or account, or gone from the creator's Display API list
BLOCKED = "blocked"  # withheld in our region
ERROR = "error"  # TikTok or the network failed; says nothing about the video
GONE = (DELETED, PRIVATE, BLOCKED)
STATES = (OK, *GONE, ERROR)

WEEKLY, STOP = "weekly", "stop"
ERROR_BASE, ERROR_CAP = 600, 86400  # 10 min doubling to a day (as before this module)
GONE_BASE = 3600

# The failure reasons of webapp.tiktok.errors, as states (any other reason: ERROR).
_STATE_OF_REASON = {"not_found": DELETED, "unavailable": DELETED, "private": PRIVATE,
                    "not_owned": PRIVATE, "region_blocked": BLOCKED}


def state_of(reason: str | None) -> str:
    """The cadence state of a failure reason such as "private: the video is private"."""
    return _STATE_OF_REASON.get((reason or "").split(":", 1)[0].strip(), ERROR)


@dataclass(frozen=True)
class CadenceSettings:
    young_seconds: int = 3600
    old_seconds: int = 86400
    young_days: float = 7
    fast_growth_per_hour: float = 1000
    window_days: float = 90
    after_window: str = WEEKLY
    after_window_seconds: int = 7 * 86400
    gone_cap_seconds: int = 7 * 86400

    def __post_init__(self):
        if self.after_window not in (WEEKLY, STOP):
            raise ValueError("TRACKING_AFTER_WINDOW is 'weekly' or 'stop'")
        if min(self.young_seconds, self.old_seconds, self.after_window_seconds) <= 0:
            raise ValueError("refresh intervals must be positive")

    @classmethod
    def from_config(cls, config) -> CadenceSettings:
        return cls(young_seconds=config["REFRESH_YOUNG_SECONDS"],
                   old_seconds=config["REFRESH_OLD_SECONDS"],
                   young_days=config["YOUNG_VIDEO_DAYS"],
                   fast_growth_per_hour=config["FAST_GROWTH_VIEWS_PER_HOUR"],
                   window_days=config["TRACKING_WINDOW_DAYS"],
                   after_window=config["TRACKING_AFTER_WINDOW"],
                   after_window_seconds=config["REFRESH_AFTER_WINDOW_SECONDS"],
                   gone_cap_seconds=config["REFRESH_GONE_MAX_SECONDS"])


def next_due(now: datetime, created_at: datetime | None, settings: CadenceSettings, *,
             growth_per_hour: float = 0.0, state: str = OK, failures: int = 0,
             retry_after: float | None = None, jitter: float = 1.0) -> datetime | None:
    """The next refresh of a video, or None when it is no longer tracked.

    created_at: when the video was posted (None: treated as new). failures: failed fetches
    in a row, this one included. jitter: a factor near 1 the caller draws, so that videos
    that failed together do not retry together. retry_after: TikTok's, never undercut.
    """
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    age = now - created_at if created_at is not None else timedelta(0)
    past_window = age >= timedelta(days=settings.window_days)
    if past_window and settings.after_window == STOP:
        return None
    if state == OK:
        return now + timedelta(seconds=_interval(age, growth_per_hour, past_window, settings))
    base, cap = (GONE_BASE, max(GONE_BASE, settings.gone_cap_seconds)) if state in GONE \
        else (ERROR_BASE, ERROR_CAP)
    delay = min(cap, base * 2 ** min(max(failures, 1) - 1, 30)) * jitter
    if past_window:  # a video past the window is asked weekly at most, failing or not
        delay = max(delay, settings.after_window_seconds)
    return now + timedelta(seconds=max(delay, retry_after or 0.0))


def _interval(age: timedelta, growth_per_hour: float, past_window: bool,
              settings: CadenceSettings) -> int:
    if past_window:
        return settings.after_window_seconds
    young = age < timedelta(days=settings.young_days)
    if young or growth_per_hour >= settings.fast_growth_per_hour:
        return settings.young_seconds
    return settings.old_seconds
