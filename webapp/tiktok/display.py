"""Display API v2: requests as plain data, answers as values (no network here).

Builders return (method, url, kwargs) with requests-style kwargs (params/json/headers); the HTTP
client sends them and hands (status, text) back to the parsers. Login Kit, which gives the
access token these requests carry, is webapp.tiktok.oauth.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from webapp.tiktok.answers import API_BASE, api_error, integer, load, obj, raise_for_http, string
from webapp.tiktok.errors import Garbled, NotOwned
from webapp.tiktok.stats import TikTokUser, VideoStats
from webapp.tiktok.stats import Token  # noqa: F401  (webapp.auth imports Token from here)

MAX_QUERY_IDS = 20
MAX_LIST_COUNT = 20
USER_FIELDS = ("open_id", "union_id", "username", "display_name", "avatar_url")
VIDEO_FIELDS = ("id", "create_time", "share_url", "view_count", "like_count", "comment_count",
                "share_count", "video_description", "cover_image_url")
_DIGITS = re.compile(r"[0-9]{1,19}")
_SHARE_HANDLE = re.compile(r"https://(?:www\.|m\.)?tiktok\.com/@([\w.-]+)/", re.ASCII)


@dataclass(frozen=True)
class DisplayUser:
    open_id: str  # per-app id, not TikTok's numeric user id
    union_id: str | None = None
    username: str | None = None  # the @handle; needs user.info.profile
    display_name: str | None = None
    avatar_url: str | None = None

    def as_tiktok_user(self) -> TikTokUser:
        return TikTokUser(user_id=None, handle=self.username, nickname=self.display_name)


@dataclass(frozen=True)
class VideoList:
    videos: tuple[VideoStats, ...]
    cursor: int | None  # ms timestamp; pass back to get older posts
    has_more: bool


def user_info_request(access_token, fields=USER_FIELDS, *, api_base=API_BASE):
    return "GET", f"{api_base}/v2/user/info/", {
        "headers": _bearer(access_token), "params": {"fields": ",".join(fields)}}


def video_query_request(access_token, video_ids, fields=VIDEO_FIELDS, *, api_base=API_BASE):
    ids = [_request_id(v) for v in video_ids]
    if not ids or len(ids) > MAX_QUERY_IDS:
        raise ValueError(f"video/query takes 1..{MAX_QUERY_IDS} ids, got {len(ids)}; use chunked()")
    return "POST", f"{api_base}/v2/video/query/", {
        "headers": _bearer(access_token, json_body=True), "params": {"fields": ",".join(fields)},
        "json": {"filters": {"video_ids": ids}}}


def video_list_request(access_token, cursor=None, max_count=MAX_LIST_COUNT, fields=VIDEO_FIELDS,
                       *, api_base=API_BASE):
    if not 1 <= max_count <= MAX_LIST_COUNT:
        raise ValueError(f"max_count must be 1..{MAX_LIST_COUNT}")
    body = {"max_count": max_count} | ({} if cursor is None else {"cursor": int(cursor)})
    return "POST", f"{api_base}/v2/video/list/", {
        "headers": _bearer(access_token, json_body=True), "params": {"fields": ",".join(fields)},
        "json": body}


def chunked(ids, size: int = MAX_QUERY_IDS) -> list[list[str]]:
    ids = [str(v) for v in ids]
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _bearer(access_token: str, *, json_body: bool = False) -> dict:
    if not access_token:
        raise ValueError("access token is required")
    headers = {"Authorization": f"Bearer {access_token}"}
    return headers | ({"Content-Type": "application/json"} if json_body else {})


def _request_id(value) -> str:
    value = str(value)
    if not _DIGITS.fullmatch(value):
        raise ValueError(f"not a TikTok video id: {value[:30]!r}")
    return value  # strings always: ids exceed 2**53 and JSON numbers would lose digits


def parse_user_info(text: str, status: int, *, retry_after: float | None = None) -> DisplayUser:
    user = obj(_data(text, status, retry_after).get("user"), "data.user")
    return DisplayUser(open_id=string(user.get("open_id"), "open_id", required=True),
                       **{k: string(user.get(k), k) for k in USER_FIELDS if k != "open_id"})


def parse_video_query(text: str, status: int, requested_ids, *,
                      retry_after: float | None = None) -> dict[str, VideoStats | NotOwned]:
    wanted = [_request_id(v) for v in requested_ids]
    found = {s.video_id: s for s in _videos(_data(text, status, retry_after), require_views=True)}
    # A missing id is "not owned, deleted or private": TikTok does not say which (UNCONFIRMED).
    return {vid: found.get(vid) or NotOwned(f"video {vid} not in the Display API answer: not "
                                            "owned by the connected user, or not available")
            for vid in wanted}


def parse_video_list(text: str, status: int, *, retry_after: float | None = None) -> VideoList:
    data = _data(text, status, retry_after)
    has_more = data.get("has_more", False)
    if not isinstance(has_more, bool):
        raise Garbled("data.has_more is not a bool")
    return VideoList(videos=tuple(_videos(data, require_views=False)),
                     cursor=integer(data.get("cursor"), "cursor"), has_more=has_more)


def _videos(data: dict, *, require_views: bool) -> list[VideoStats]:
    videos = data.get("videos")
    if videos is None:
        return []  # whether TikTok omits the list when nothing matches is UNCONFIRMED
    if not isinstance(videos, list):
        raise Garbled("data.videos is not a list")
    return [_video(obj(v, "video"), require_views) for v in videos]


def _video(item: dict, require_views: bool) -> VideoStats:
    video_id = item.get("id")  # TikTok documents a string; numbers are tolerated, kept exact
    if isinstance(video_id, int) and not isinstance(video_id, bool):
        video_id = str(video_id)
    if not isinstance(video_id, str) or not _DIGITS.fullmatch(video_id):
        raise Garbled(f"video id {str(video_id)[:30]!r} is not a decimal id")
    views = integer(item.get("view_count"), "view_count", required=require_views)
    share_url = string(item.get("share_url"), "share_url")
    match = _SHARE_HANDLE.match(share_url or "")
    return VideoStats(video_id=video_id, source="display", views=views,
                      likes=integer(item.get("like_count"), "like_count"),
                      comments=integer(item.get("comment_count"), "comment_count"),
                      shares=integer(item.get("share_count"), "share_count"), exact=True,
                      create_time=integer(item.get("create_time"), "create_time"),
                      author_handle=match.group(1) if match else None,
                      description=string(item.get("video_description") or item.get("title"),
                                         "video_description"),
                      cover_url=cover if isinstance(cover := item.get("cover_image_url"), str)
                      and cover else None)  # decoration: an odd one is left out


def _data(text: str, status: int, retry_after: float | None) -> dict:
    raise_for_http(status, retry_after, auth=False)  # 429/5xx win whatever the body says
    body = load(text, status, retry_after)
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        raise_for_http(status, retry_after)
        raise Garbled(f"HTTP {status}: answer has no v2 error object")
    if error["code"] != "ok":
        api_error(error, status, retry_after)
    return obj(body.get("data"), "data")
