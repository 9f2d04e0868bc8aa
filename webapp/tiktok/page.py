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

import re
from dataclasses import asdict
from urllib.parse import urlsplit

from webapp.tiktok.errors import Blocked, Garbled, RateLimited, Upstream
from webapp.tiktok.pagedata import (check_status, count, dig, handle_of, id_of, obj, read_data,
                                    status_code, string)
from webapp.tiktok.stats import TikTokUser, VideoStats

# Same as the HTTP client's body cap; html.parser costs ~1 µs/char on hostile input, so this
# bounds the work to a few seconds at worst (real pages are 0.3-1 MB and stop early).
MAX_PAGE_CHARS = 3_000_000
MAX_SAVED_CHARS = 20_000_000  # a local file for the CLI; browsers' "save as" inflates pages
_LOGIN_PATH = re.compile(r"/login(?:/|$)")
_POST_PATH = re.compile(r"/(?:photo|video)/[0-9]+/?$")
_COUNTS = (("views", "playCount"), ("likes", "diggCount"),
           ("comments", "commentCount"), ("shares", "shareCount"))


class PhotoPage(Garbled):
    """A /photo/ page reached the parser: refetch the same id as `video_url`."""

    def __init__(self, canonical_url: str):
        super().__init__(f"photo page ({canonical_url}): fetch the /video/ URL")
        self.canonical_url = canonical_url
        self.video_url = canonical_url.replace("/photo/", "/video/", 1)


def parse_video_page(text: str, video_id: str, *, status: int = 200,
                     location: str | None = None) -> VideoStats:
    _check_http(status, location)
    layout, root = read_data(text, MAX_PAGE_CHARS)
    return _video(layout, root, str(video_id))


def parse_profile_page(text: str, *, status: int = 200, location: str | None = None) -> TikTokUser:
    _check_http(status, location)
    layout, root = read_data(text, MAX_PAGE_CHARS)
    return _profile(layout, root)


def parse_saved_page(text: str) -> dict:
    layout, root = read_data(text, MAX_SAVED_CHARS)
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


def _video(layout: str, root: dict, video_id: str | None) -> VideoStats:
    if layout == "universal":
        if "webapp.video-detail" not in root:
            _not_a_video_page(root)
        detail = obj(root["webapp.video-detail"], "webapp.video-detail")
        check_status(detail)
        item = dig(detail, "itemInfo", "itemStruct")
    elif layout == "sigi":
        check_status(obj(root.get("VideoPage", {}), "VideoPage"))
        item = _sigi_item(obj(root.get("ItemModule", {}), "ItemModule"), video_id)
    else:
        props = obj(dig(root, "props", "pageProps") or {}, "props.pageProps")
        check_status(props)
        item = dig(props, "itemInfo", "itemStruct")
    if item is None:
        raise Garbled("statusCode 0 but no itemStruct")
    return _stats(obj(item, "itemStruct"), video_id)


def _not_a_video_page(scope: dict):
    if "webapp.user-detail" in scope:
        raise Garbled("a profile page, not a video page")
    canonical = dig(scope, "seo.abtest", "canonical")
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
    item_id = id_of(item.get("id"), "itemStruct.id")
    if item_id is None or (video_id is not None and item_id != video_id):
        raise Garbled(f"page item id {item_id!r} is not the requested {video_id!r}")
    if item.get("isContentClassified") and not item.get("video"):
        raise Blocked("age-gated post: needs a logged-in session")
    counts, exact = _counts(item)
    author_id, handle = _owner(item)
    return VideoStats(video_id=item_id, source="page", author_id=author_id, author_handle=handle,
                      exact=exact, create_time=count(item.get("createTime"), "createTime"),
                      description=string(item.get("desc"), "desc"), cover_url=_cover(item),
                      **counts)


def _counts(item: dict) -> tuple[dict, bool]:
    # statsV2 (strings) is exact; stats (ints) is rounded for display, e.g. 1600000 for 1585253.
    v2 = obj(item.get("statsV2") or {}, "statsV2")
    exact = "playCount" in v2
    src, name = (v2, "statsV2") if exact else (obj(item.get("stats") or {}, "stats"), "stats")
    counts = {field: count(src.get(key), f"{name}.{key}") for field, key in _COUNTS}
    if counts["views"] is None:
        raise Garbled("no playCount in statsV2 or stats")
    return counts, exact


def _cover(item: dict) -> str | None:
    """originCover (the uncropped frame), else cover, else a photo post's first image.

    Decoration only: a cover that is missing or oddly shaped is left out, never worth failing
    the counts over."""
    video = item.get("video") if isinstance(item.get("video"), dict) else {}
    candidates = [video.get("originCover"), video.get("cover")]
    try:
        images = dig(item, "imagePost", "images")
        if isinstance(images, list) and images:
            urls = dig(images[0], "imageURL", "urlList")
            candidates += urls[:1] if isinstance(urls, list) else []
    except Garbled:
        pass
    return next((url for url in candidates if isinstance(url, str) and url), None)


def _owner(item: dict) -> tuple[str | None, str | None]:
    # SIGI items hold `author` as the handle string plus a top-level `authorId`.
    fallback_id = id_of(item.get("authorId"), "authorId")
    for key in ("author", "authorInfo"):
        if isinstance(item.get(key), dict):
            author = item[key]
            return (id_of(author.get("id"), f"{key}.id") or fallback_id,
                    handle_of(author.get("uniqueId"), f"{key}.uniqueId"))
    return fallback_id, handle_of(item.get("author"), "author")


def _profile(layout: str, root: dict) -> TikTokUser:
    if layout != "universal" or "webapp.user-detail" not in root:
        raise Garbled("no webapp.user-detail in the page data")
    detail = obj(root["webapp.user-detail"], "webapp.user-detail")
    user, code = dig(detail, "userInfo", "user"), status_code(detail)
    if code and not (code == 10222 and user):  # private accounts still show who they are
        check_status(detail)
    if not user:
        raise Garbled("statusCode 0 but no userInfo.user")
    return _user(user, private=code == 10222)


def _user(user, *, private: bool) -> TikTokUser:
    user = obj(user, "userInfo.user")
    user_id = id_of(user.get("id"), "user.id")
    handle = handle_of(user.get("uniqueId"), "user.uniqueId")
    if user_id is None and handle is None:
        raise Garbled("user has neither id nor uniqueId")
    flag = user.get("privateAccount", False)
    if not isinstance(flag, bool):
        raise Garbled("user.privateAccount is not a bool")
    return TikTokUser(user_id=user_id, handle=handle, sec_uid=string(user.get("secUid"), "secUid"),
                      nickname=string(user.get("nickname"), "nickname"),
                      signature=string(user.get("signature"), "signature"), private=private or flag)
