"""A video's cover image, downloaded from TikTok's CDN: bytes in hand, or a typed refusal.

Cover links (page `video.originCover`, oEmbed `thumbnail_url`, Display API `cover_image_url`)
are signed and expire within hours, and a browser showing them would tell TikTok who is looking,
so ViewPay downloads each once and serves its own copy. The link comes from TikTok's answer,
i.e. from outside: it must be https on a CDN edge host (never a redirect to anywhere), the
answer a real JPEG, PNG or WebP (checked by its first bytes, whatever the header claims; never
SVG, which can carry script) and small.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.tiktok.errors import Garbled, InvalidUrl, NotFound, UnsafeUrl, Upstream
from webapp.tiktok.hosts import CDN_HOSTS, split_tiktok_url
from webapp.tiktok.http import TikTokHttp

MAX_COVER_BYTES = 300_000  # TikTok's covers are 20-120 KB
# Content type -> how such a file starts.
_MAGIC = {
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
_ACCEPT = "image/webp,image/jpeg,image/png;q=0.9"


@dataclass(frozen=True)
class Cover:
    content_type: str
    data: bytes


def check_cover_url(url: str) -> str:
    """The URL, if it is an https link on TikTok's image CDN; else UnsafeUrl."""
    try:
        parts = split_tiktok_url(url, hosts=CDN_HOSTS)
    except InvalidUrl as exc:
        raise UnsafeUrl(f"The cover link was refused: {exc.message}", code=exc.code) from None
    if parts.scheme != "https":
        raise UnsafeUrl("The cover link must use https.", code="scheme")
    return url


def fetch_cover(http: TikTokHttp, url: str, *, max_bytes: int = MAX_COVER_BYTES) -> Cover:
    """Download one cover; raises UnsafeUrl, NotFound (expired or gone), Garbled (not an
    image we accept) or Upstream (too large, too slow, CDN trouble)."""
    response = http.request("GET", check_cover_url(url), headers={"Accept": _ACCEPT},
                            max_bytes=max_bytes)
    if 300 <= response.status < 400:
        # The CDN has no reason to send us elsewhere; following would leave the allow-list.
        raise UnsafeUrl("The cover link redirects; it was not followed.", code="redirect")
    if response.status in (403, 404, 410):
        raise NotFound(f"cover HTTP {response.status} (expired link?)",
                       status_code=response.status)
    if response.status != 200:
        raise Upstream(f"cover HTTP {response.status}", status_code=response.status)
    return Cover(_content_type(response.headers.get("Content-Type"), response.content),
                 response.content)


def _content_type(header: str | None, data: bytes) -> str:
    declared = (header or "").split(";", 1)[0].strip().lower()
    if declared not in _MAGIC:
        raise Garbled(f"cover is {declared or 'untyped'}, not a JPEG, PNG or WebP image")
    if not _MAGIC[declared](data):
        raise Garbled(f"cover says {declared} but its bytes are not one")
    return declared
