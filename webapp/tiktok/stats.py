"""The plain values the TikTok layer hands to the rest of ViewPay (no database here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class VideoStats:
    """One observation of a video, from one source.

    Counts are None when the source does not give them (oEmbed gives none).
    `exact` is False when counts came from TikTok's rounded `stats` instead of `statsV2`.
    """

    video_id: str
    source: str  # "display" | "page" | "oembed" | "manual"
    author_id: str | None = None  # TikTok's stable numeric user id, when known
    author_handle: str | None = None  # uniqueId / author_unique_id / username, without "@"
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    exact: bool = True
    create_time: int | None = None  # unix seconds
    description: str | None = None  # the caption
    # The cover image: a signed CDN link that expires within hours, so it is downloaded
    # (webapp.tiktok.covers) rather than stored or shown as a link.
    cover_url: str | None = None
    fetched_at: datetime = field(default_factory=_utcnow)


@dataclass(frozen=True)
class ParsedUrl:
    """What a pasted URL tells us before any network call."""

    kind: str  # "video" | "photo" | "short_link"
    video_id: str | None  # decimal string; None for an unresolved short link
    handle: str | None  # as written in the URL; proves nothing about ownership
    canonical_url: str | None  # built by us: https://www.tiktok.com/@{handle or _}/video/{id}
    short_url: str | None = None  # the https short link to resolve, for kind == "short_link"


@dataclass(frozen=True)
class TikTokUser:
    """A TikTok account as seen on its profile page or via user info."""

    user_id: str | None
    handle: str | None
    sec_uid: str | None = None
    nickname: str | None = None
    signature: str | None = None  # the bio
    private: bool = False


@dataclass(frozen=True)
class Token:
    """Login Kit's answer to a code exchange or a refresh; webapp.auth stores it encrypted."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    open_id: str
    scope: tuple[str, ...]  # what the user granted; may be less than we asked for
    expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"
