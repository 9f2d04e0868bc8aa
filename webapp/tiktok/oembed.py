"""TikTok oEmbed: proof a video is public now and who posted it. It never gives counts.

A 400 means "deleted, private or invalid" (CONTRACTS §4) but TikTok does not say which, so it
is reported as NotFound with that wording; it is not proof of deletion on its own.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from webapp.tiktok.errors import Blocked, Garbled, NotFound, RateLimited, Upstream
from webapp.tiktok.hosts import WEB_HOSTS
from webapp.tiktok.stats import VideoStats

OEMBED_URL = "https://www.tiktok.com/oembed"
MAX_BODY_CHARS = 1_000_000  # real answers are ~2 KB
_HANDLE_PATH = re.compile(r"/@([\w.-]+)/?", re.ASCII)
_HTML_VIDEO_ID = re.compile(r'data-video-id="([0-9]+)"')


def oembed_request_url(canonical_video_url: str) -> tuple[str, dict]:
    return OEMBED_URL, {"url": canonical_video_url}


def parse_oembed(text: str, video_id: str, *, status: int,
                 retry_after: float | None = None) -> VideoStats:
    video_id = str(video_id)
    _check_status(status, retry_after)
    data = _json_object(text)
    if "code" in data and "type" not in data and "embed_type" not in data:
        _body_error(data, retry_after)  # an error body that came with HTTP 200
    _check_is_video(data)
    _check_id(data, video_id)
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise Garbled("oEmbed title is not a string")
    thumbnail = data.get("thumbnail_url")  # decoration: an odd one is left out, not an error
    return VideoStats(video_id=video_id, source="oembed", author_handle=_handle(data),
                      description=title,
                      cover_url=thumbnail if isinstance(thumbnail, str) and thumbnail else None)


def _check_status(status: int, retry_after: float | None) -> None:
    if 200 <= status < 300:
        return
    if status == 400:
        raise NotFound("not available (deleted, private or invalid): oEmbed 400, "
                       "not proof of deletion", status_code=400)
    if status == 404:
        raise NotFound("oEmbed 404", status_code=404)
    if status == 429:
        raise RateLimited("oEmbed 429", retry_after=retry_after)
    if status in (401, 403):
        raise Blocked(f"oEmbed HTTP {status}", status_code=status)
    raise Upstream(f"oEmbed HTTP {status}", status_code=status)


def _body_error(data: dict, retry_after: float | None) -> None:
    # {"code":400,"message":"Something went wrong"} is TikTok's error body; honour its code.
    code = data.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and code >= 300:
        _check_status(code, retry_after)
    raise Garbled(f"oEmbed error body with code {code!r}: {str(data.get('message'))[:80]}")


def _json_object(text: str) -> dict:
    if len(text) > MAX_BODY_CHARS:
        raise Upstream(f"oEmbed body too large ({len(text)} chars)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Garbled("oEmbed answer is not JSON") from None
    if not isinstance(data, dict):
        raise Garbled("oEmbed answer is not a JSON object")
    return data


def _check_is_video(data: dict) -> None:
    # Profile URLs answer type "rich", embed_type "profile"; old (2021) answers lack embed_type.
    kind, embed_type = data.get("type"), data.get("embed_type")
    if kind not in (None, "video") or embed_type not in (None, "video"):
        raise Garbled(f"oEmbed answer is not a video (type={kind!r}, embed_type={embed_type!r})")


def _check_id(data: dict, video_id: str) -> None:
    product_id = data.get("embed_product_id")
    if product_id is not None and str(product_id) != video_id:
        raise Garbled(f"oEmbed embed_product_id {product_id!r} is not the requested {video_id}")
    html = data.get("html")
    match = _HTML_VIDEO_ID.search(html) if isinstance(html, str) else None
    if match and match.group(1) != video_id:  # the only id in old answers
        raise Garbled(f"oEmbed html embeds video {match.group(1)}, not {video_id}")


def _handle(data: dict) -> str:
    unique_id = data.get("author_unique_id")
    if unique_id is not None and not isinstance(unique_id, str):
        raise Garbled("oEmbed author_unique_id is not a string")
    handle = (unique_id or "").lstrip("@") or _handle_from_url(data.get("author_url"))
    if not handle:
        # The owner's handle is half of what oEmbed is for; an answer without one is broken.
        raise Garbled("oEmbed answer names no author")
    return handle


def _handle_from_url(url) -> str | None:
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    match = _HANDLE_PATH.fullmatch(parts.path)
    return match.group(1) if match and parts.hostname in WEB_HOSTS else None
