"""Turn what a creator pastes into a TikTok video id, without touching the network.

Forms accepted are those of CONTRACTS.md §6.1. The handle in a URL proves nothing about who owns
the video; it is kept only to build a friendly canonical URL.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote

from .errors import InvalidUrl
from .hosts import SHORT_HOSTS, WEB_HOSTS, split_tiktok_url
from .stats import ParsedUrl

MAX_INPUT_CHARS = 2048

# TikTok ids carry their creation second in the high bits (CONTRACTS §6.2); TikTok ids before
# 2016 do not exist, and a little clock skew between us and TikTok is allowed.
_EARLIEST_ID_SECOND = int(datetime(2016, 1, 1, tzinfo=timezone.utc).timestamp())
_CLOCK_SKEW_SECONDS = 86400

_A = re.ASCII  # "\d" must not match Arabic-Indic or other Unicode digits
_I = re.ASCII | re.IGNORECASE
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SCHEME_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")
_BARE_HOST = re.compile(r"[^\s/?#:@]+\.[A-Za-z]{2,}\.?(?::\d*)?")
_OTHER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")  # javascript:, mailto:, data:
_HANDLE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_DECIMAL = re.compile(r"0*\d{1,20}", _A)
_TRAILING_PUNCT = ".,;:!?)]}>\"'"

_SHORT_ROOT = re.compile(r"/(\w{1,64})/?", _A)  # vm.tiktok.com/<code>/
_SHORT_T = re.compile(r"/t/(\w{1,64})/?", _A)  # www.tiktok.com/t/<code>/
_POST = re.compile(r"/@([^/]*)/(video|photo)/([^/]+)/?", _I)
_ITEM_ID_IN_PATH = re.compile(r"(?:^|[/?&])item_id=(\d+)", _A)  # mangled copy links
_ID_PATHS = tuple(re.compile(p, _I) for p in (
    r"/share/video/(\d+)/?", r"/v/(\d+)(?:\.html)?/?", r"/embed(?:/v2)?/(\d+)/?",
    r"/player/v1/(\d+)/?",
))
_STATIC_EMBED = re.compile(r"/static/profile-video/?", _I)
_PROFILES = tuple(re.compile(p, _I) for p in (
    r"/@[^/]*/?", r"/share/user/\d+/?", r"/h5/share/usr/\d+(?:\.html)?/?",
))


def video_id_timestamp(video_id: str | int) -> int:
    text = str(video_id)
    if not _DECIMAL.fullmatch(text):
        raise InvalidUrl.coded("bad_id")
    return int(text) >> 32


def _host_part(token: str) -> str:
    authority = re.split(r"[/?#]", token, maxsplit=1)[0]
    return authority.rpartition("@")[2]


def _extract_url(text: str) -> str:
    """The first URL in share-sheet text ("Check this out! https://vm.tiktok.com/X/ #fyp")."""
    found = _SCHEME_URL.search(text)
    if found:
        return found.group().rstrip(_TRAILING_PUNCT)
    tokens = [t.strip("<([{\"'").rstrip(_TRAILING_PUNCT) for t in text.split()]
    hosts = [t for t in tokens if _BARE_HOST.fullmatch(_host_part(t))]
    hosts.sort(key=lambda t: _host_part(t) == t)  # "Hi.there tiktok.com/@x/video/1"
    if hosts:
        return "https://" + hosts[0]  # a paste without scheme, e.g. "www.tiktok.com/@x/video/1"
    if any(_OTHER_SCHEME.match(t) for t in tokens):
        raise InvalidUrl.coded("scheme")
    raise InvalidUrl.coded("malformed")


def parse_url(text: str, *, now: datetime | None = None) -> ParsedUrl:
    text = text.translate(_ZERO_WIDTH).strip() if isinstance(text, str) else ""
    if not text:
        raise InvalidUrl.coded("empty")
    if len(text) > MAX_INPUT_CHARS:
        raise InvalidUrl.coded("too_long")
    parts = split_tiktok_url(_extract_url(text))
    return _route(parts.netloc, unquote(parts.path), parts.query, now)


def _route(host: str, path: str, query: str, now: datetime | None) -> ParsedUrl:
    short = _short_link(host, path)
    if short:
        return ParsedUrl(kind="short_link", video_id=None, handle=None, canonical_url=None,
                         short_url=short)
    kind, handle, raw_id = _find_id(path, query)
    video_id = _valid_id(raw_id, now)
    handle = _plausible_handle(handle)
    return ParsedUrl(kind=kind, video_id=video_id, handle=handle,
                     canonical_url=f"https://www.tiktok.com/@{handle or '_'}/video/{video_id}")


def _short_link(host: str, path: str) -> str | None:
    if host in SHORT_HOSTS and (m := _SHORT_ROOT.fullmatch(path)):
        return f"https://{host}/{m[1]}/"
    if host in WEB_HOSTS and (m := _SHORT_T.fullmatch(path)):
        return f"https://www.tiktok.com/t/{m[1]}/"
    return None


def _find_id(path: str, query: str) -> tuple[str, str | None, str]:
    """(kind, handle as written, id text); raises when the URL names no video."""
    params = parse_qs(query)
    from_query = (params.get("item_id") or params.get("shareId") or [None])[0]
    if m := _POST.fullmatch(path):
        handle, kind, tail = m[1], m[2].lower(), m[3]
        if _DECIMAL.fullmatch(tail):
            return kind, handle, tail
        mangled = _ITEM_ID_IN_PATH.search(tail)
        if mangled or from_query:
            return kind, handle, mangled[1] if mangled else from_query
        raise InvalidUrl.coded("bad_id")
    for pattern in _ID_PATHS:
        if m := pattern.fullmatch(path):
            return "video", None, m[1]
    if _STATIC_EMBED.fullmatch(path) and params.get("id"):
        return "video", None, params["id"][0]
    if from_query:  # /foryou?...&item_id=<id>, /trending?shareId=<id>
        return "video", None, from_query
    if any(p.fullmatch(path) for p in _PROFILES):
        raise InvalidUrl.coded("profile_not_video")
    raise InvalidUrl.coded("no_video")


def _valid_id(text: str, now: datetime | None) -> str:
    if not _DECIMAL.fullmatch(text):
        raise InvalidUrl.coded("bad_id")
    value = int(text)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    created = value >> 32
    if value >= 1 << 64 or created < _EARLIEST_ID_SECOND:
        raise InvalidUrl.coded("bad_id")
    if created > now.timestamp() + _CLOCK_SKEW_SECONDS:
        raise InvalidUrl.coded("bad_id")
    return str(value)


def _plausible_handle(raw: str | None) -> str | None:
    # "" and "_" are placeholders (yt-dlp writes "@_"), not handles; anything with other
    # characters cannot be a TikTok username and is not repeated back to anyone.
    if raw is None or raw in ("", "_") or not _HANDLE.fullmatch(raw):
        return None
    return raw

