"""Parsers for TikTok's public video and profile pages: text in, value or typed error out.

The page is scraped, not an API, so every surprise becomes a typed error instead of a guess.
Errors from a page `statusCode` carry it in `.status_code` (TikTok's code, not the HTTP status)
and the raw `statusMsg` in `.status_msg`.

Photo posts: `/@u/photo/<id>` pages carry no `webapp.video-detail`. Fetchers must request
`/video/<id>` for every post (gallery-dl does the same rewrite). A post page without
video-detail raises `PhotoPage` (a Garbled, with `.video_url` to refetch), never NotFound:
the post may well exist.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

from webapp.tiktok.errors import (Blocked, Garbled, NotFound, Private, RateLimited,
                                  RegionBlocked, TikTokError, Unavailable, Upstream)
from webapp.tiktok.stats import TikTokUser, VideoStats

# Same as the HTTP client's body cap; html.parser costs ~1 µs/char on hostile input, so this
# bounds the work to a few seconds at worst (real pages are 0.3-1 MB and stop early).
MAX_PAGE_CHARS = 3_000_000
MAX_SAVED_CHARS = 20_000_000  # a local file for the CLI; browsers' "save as" inflates pages
INT64_MAX = 2**63 - 1

UNIVERSAL = "__UNIVERSAL_DATA_FOR_REHYDRATION__"
_BLOB_IDS = (UNIVERSAL, "SIGI_STATE", "sigi-persisted-data", "__NEXT_DATA__")
_WAF_IDS = frozenset({"cs", "wci"})  # yt-dlp's challenge solver reads these elements
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() accepts '²' and '٣'
_LOGIN_PATH = re.compile(r"/login(?:/|$)")
_POST_PATH = re.compile(r"/(?:photo|video)/[0-9]+/?$")
_COUNTS = (("views", "playCount"), ("likes", "diggCount"),
           ("comments", "commentCount"), ("shares", "shareCount"))

# statusCode -> (error, why); 10204 is refined by statusMsg in _status_error. "Deleted", "doesn't
# exist", privacy and IP blocks all share 10204 (yt-dlp reads it as an IP block), so one sighting
# proves nothing: the tracking layer counts repeated sightings before it believes a deletion.
_STATUS = {
    10204: (Unavailable, "not available (maybe deleted or private; unconfirmed on one sighting)"),
    10216: (Private, "private post"),
    10217: (NotFound, "deleted (10217 is UNCONFIRMED: seen in one third-party test only)"),
    10221: (NotFound, "user not found"),
    10222: (Private, "private account"),
    10231: (RegionBlocked, "region-locked"),
}


class PhotoPage(Garbled):
    """A /photo/ page reached the parser: refetch the same id as `video_url`."""

    def __init__(self, canonical_url: str):
        super().__init__(f"photo page ({canonical_url}): fetch the /video/ URL")
        self.canonical_url = canonical_url
        self.video_url = canonical_url.replace("/photo/", "/video/", 1)


def parse_video_page(text: str, video_id: str, *, status: int = 200,
                     location: str | None = None) -> VideoStats:
    _check_http(status, location)
    layout, root = _read(text, MAX_PAGE_CHARS)
    return _video(layout, root, str(video_id))


def parse_profile_page(text: str, *, status: int = 200, location: str | None = None) -> TikTokUser:
    _check_http(status, location)
    layout, root = _read(text, MAX_PAGE_CHARS)
    return _profile(layout, root)


def parse_saved_page(text: str) -> dict:
    layout, root = _read(text, MAX_SAVED_CHARS)
    if layout == "universal" and "webapp.video-detail" not in root and "webapp.user-detail" in root:
        return {"kind": "profile", **asdict(_profile(layout, root))}
    stats = _video(layout, root, None)  # the id comes from the blob itself
    return {"kind": "video", **asdict(stats), "fetched_at": stats.fetched_at.isoformat()}


def _check_http(status: int, location: str | None) -> None:
    if location and _LOGIN_PATH.match(urlsplit(location).path):
        raise Blocked(f"redirected to login ({location})", status_code=status)
    if 300 <= status < 400:
        raise Blocked(f"HTTP {status} redirect to {location or 'nowhere'}", status_code=status)
    if status == 429:
        raise RateLimited("page HTTP 429")
    if status >= 500:
        raise Upstream(f"page HTTP {status}", status_code=status)
    # 403/404 and friends fall through: with no blob they end as Blocked, never NotFound.


class _Done(Exception):
    pass


class _BlobFinder(HTMLParser):
    # html.parser reads <script> bodies as raw text and skips comments and attribute values,
    # so the id appearing inside JS, a comment or an attribute is never taken for the tag.
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.blobs: dict[str, str] = {}
        self.waf = False
        self.open_blob: str | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        el_id = dict(attrs).get("id")
        self.waf = self.waf or el_id in _WAF_IDS
        if tag == "script" and el_id in _BLOB_IDS and el_id not in self.blobs:
            self.open_blob, self._parts = el_id, []

    def handle_data(self, data):
        if self.open_blob:
            self._parts.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.open_blob:
            self.blobs[self.open_blob] = "".join(self._parts)
            self.open_blob = None
            if UNIVERSAL in self.blobs:
                raise _Done  # the current layout wins; the rest of the page is irrelevant


def _read(text: str, limit: int) -> tuple[str, dict]:
    """Return (layout, root): "universal" -> __DEFAULT_SCOPE__, "sigi"/"next" -> the blob."""
    if not isinstance(text, str):
        raise Garbled("page body is not text")
    if len(text) > limit:
        raise Upstream(f"page too large ({len(text)} chars)")
    if text.lstrip().startswith("{"):
        return _layout(_json_object(text, "saved JSON"))
    finder = _BlobFinder()
    try:
        finder.feed(text)
    except _Done:
        pass
    if finder.open_blob:
        raise Garbled(f"{finder.open_blob} script is cut off (truncated page?)")
    for blob_id in _BLOB_IDS:
        if blob_id in finder.blobs:
            return _layout(_json_object(finder.blobs[blob_id], blob_id))
    if finder.waf or "_wafchallengeid" in text:
        raise Blocked("WAF challenge page")
    raise Blocked("no data blob in the page")


def _layout(blob: dict) -> tuple[str, dict]:
    if "__DEFAULT_SCOPE__" in blob:
        return "universal", _obj(blob["__DEFAULT_SCOPE__"], "__DEFAULT_SCOPE__")
    if "webapp.video-detail" in blob or "webapp.user-detail" in blob:
        return "universal", blob  # a saved __DEFAULT_SCOPE__ on its own
    if "ItemModule" in blob or "VideoPage" in blob:
        return "sigi", blob
    if "props" in blob:
        return "next", blob
    raise Garbled("unknown page data layout")


MAX_JSON_DEPTH = 200  # TikTok's blobs nest ~15 deep; far deeper is hostile or broken
_BRACKETS = re.compile(r"[\[\]{}]")


def _too_deep(raw: str) -> bool:
    # json.loads on very deep nesting raises RecursionError from C code, which is costly to
    # unwind and report; a linear scan refuses such input before decoding (strings included
    # in the count only make the check stricter).
    depth = 0
    for match in _BRACKETS.finditer(raw):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _json_object(raw: str, where: str) -> dict:
    if _too_deep(raw):
        raise Garbled(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Garbled(f"{where}: invalid JSON ({str(exc)[:80]})") from None
    return _obj(data, where)


def _video(layout: str, root: dict, video_id: str | None) -> VideoStats:
    if layout == "universal":
        if "webapp.video-detail" not in root:
            _not_a_video_page(root)
        detail = _obj(root["webapp.video-detail"], "webapp.video-detail")
        _check_status(detail)
        item = _dig(detail, "itemInfo", "itemStruct")
    elif layout == "sigi":
        _check_status(_obj(root.get("VideoPage", {}), "VideoPage"))
        item = _sigi_item(_obj(root.get("ItemModule", {}), "ItemModule"), video_id)
    else:
        props = _obj(_dig(root, "props", "pageProps") or {}, "props.pageProps")
        _check_status(props)
        item = _dig(props, "itemInfo", "itemStruct")
    if item is None:
        raise Garbled("statusCode 0 but no itemStruct")
    return _stats(_obj(item, "itemStruct"), video_id)


def _not_a_video_page(scope: dict):
    if "webapp.user-detail" in scope:
        raise Garbled("a profile page, not a video page")
    canonical = _dig(scope, "seo.abtest", "canonical")
    if isinstance(canonical, str) and _POST_PATH.search(urlsplit(canonical).path):
        raise PhotoPage(canonical)  # a post page without video-detail: the /photo/ rendering
    raise Garbled("no webapp.video-detail in the page data")


def _sigi_item(items: dict, video_id: str | None):
    if video_id is not None:
        return items.get(video_id)
    if len(items) > 1:
        raise Garbled("SIGI_STATE holds several items; which one is the page's is unknown")
    return next(iter(items.values()), None)


def _stats(item: dict, video_id: str | None) -> VideoStats:
    item_id = _id(item.get("id"), "itemStruct.id")
    if item_id is None or (video_id is not None and item_id != video_id):
        raise Garbled(f"page item id {item_id!r} is not the requested {video_id!r}")
    if item.get("isContentClassified") and not item.get("video"):
        raise Blocked("age-gated post: needs a logged-in session")
    counts, exact = _counts(item)
    author_id, handle = _owner(item)
    return VideoStats(video_id=item_id, source="page", author_id=author_id, author_handle=handle,
                      exact=exact, create_time=_count(item.get("createTime"), "createTime"),
                      description=_str(item.get("desc"), "desc"), **counts)


def _counts(item: dict) -> tuple[dict, bool]:
    # statsV2 (strings) is exact; stats (ints) is rounded for display, e.g. 1600000 for 1585253.
    v2 = _obj(item.get("statsV2") or {}, "statsV2")
    exact = "playCount" in v2
    src, name = (v2, "statsV2") if exact else (_obj(item.get("stats") or {}, "stats"), "stats")
    counts = {field: _count(src.get(key), f"{name}.{key}") for field, key in _COUNTS}
    if counts["views"] is None:
        raise Garbled("no playCount in statsV2 or stats")
    return counts, exact


def _owner(item: dict) -> tuple[str | None, str | None]:
    # SIGI items hold `author` as the handle string plus a top-level `authorId`.
    fallback_id = _id(item.get("authorId"), "authorId")
    for key in ("author", "authorInfo"):
        if isinstance(item.get(key), dict):
            author = item[key]
            return (_id(author.get("id"), f"{key}.id") or fallback_id,
                    _handle(author.get("uniqueId"), f"{key}.uniqueId"))
    return fallback_id, _handle(item.get("author"), "author")


def _profile(layout: str, root: dict) -> TikTokUser:
    if layout != "universal" or "webapp.user-detail" not in root:
        raise Garbled("no webapp.user-detail in the page data")
    detail = _obj(root["webapp.user-detail"], "webapp.user-detail")
    user, code = _dig(detail, "userInfo", "user"), _status_code(detail)
    if code and not (code == 10222 and user):  # private accounts still show who they are
        _check_status(detail)
    if not user:
        raise Garbled("statusCode 0 but no userInfo.user")
    return _user(user, private=code == 10222)


def _user(user, *, private: bool) -> TikTokUser:
    user = _obj(user, "userInfo.user")
    user_id, handle = _id(user.get("id"), "user.id"), _handle(user.get("uniqueId"), "user.uniqueId")
    if user_id is None and handle is None:
        raise Garbled("user has neither id nor uniqueId")
    flag = user.get("privateAccount", False)
    if not isinstance(flag, bool):
        raise Garbled("user.privateAccount is not a bool")
    return TikTokUser(user_id=user_id, handle=handle, sec_uid=_str(user.get("secUid"), "secUid"),
                      nickname=_str(user.get("nickname"), "nickname"),
                      signature=_str(user.get("signature"), "signature"), private=private or flag)


def _status_code(detail: dict) -> int:
    code = detail.get("statusCode", 0)
    if isinstance(code, str) and _DIGITS.fullmatch(code):
        code = int(code)
    if code is None:
        return 0
    if isinstance(code, bool) or not isinstance(code, int):
        raise Garbled(f"statusCode has type {type(code).__name__}")
    return code


def _check_status(detail: dict) -> None:
    code = _status_code(detail)
    if code:
        msg = detail.get("statusMsg")
        raise _status_error(code, msg if isinstance(msg, str) else "")


def _status_error(code: int, msg: str) -> TikTokError:
    cls, why = _STATUS.get(code, (Unavailable, "not available now"))
    if code == 10204 and "cross_border_violation" in msg:
        cls, why = RegionBlocked, "withheld in the requesting region"
    elif code == 10204 and "status_reviewing" in msg:
        why = "under review"
    err = cls(f"{why}: statusCode {code}" + (f" ({msg})" if msg else ""), status_code=code)
    err.status_msg = msg
    return err


def _obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Garbled(f"{where} is {type(value).__name__}, expected an object")
    return value


def _dig(obj: dict, *keys):
    where = "page data"
    for key in keys:
        if obj is None:
            return None
        obj, where = _obj(obj, where).get(key), key
    return obj


def _count(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise Garbled(f"{where}: {str(value)[:30]!r} is not a non-negative int64")
    return value


def _id(value, where: str) -> str | None:
    if value is None or value == "":
        return None
    _count(value, where)  # digits only; a string id is kept verbatim (no "007" -> "7")
    return value if isinstance(value, str) else str(value)


def _str(value, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Garbled(f"{where} is {type(value).__name__}, expected a string")
    return value


def _handle(value, where: str) -> str | None:
    return (_str(value, where) or "").lstrip("@") or None
