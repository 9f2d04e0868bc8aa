"""*.tiktokcdn.com (at /_cdn): the signed, expiring cover links that pages, oEmbed and the
Display API hand out, answered with a generated picture (or, per video `cover_mode`, with one
of the ways a CDN answer can be wrong: too big, not an image, a redirect, gone)."""
import functools
import hashlib
import random
import struct
import zlib

from flask import Blueprint, Response, redirect, request

from . import items
from .state import current

bp = Blueprint("cdn", __name__)

WIDTH, HEIGHT = 144, 256  # 9:16 like TikTok's covers, small enough to generate per request


@bp.get("/_cdn/<prefix>/<name>")
def cover(prefix, name):
    """A cover: 403 once `x-expires` passed or with a bad signature, like TikTok's CDN."""
    state = current()
    key = name.split("~", 1)[0]
    expires = request.args.get("x-expires", "")
    signature = request.args.get("x-signature", "").rstrip("=")
    if (not expires.isdigit() or signature != items.cover_signature(key, int(expires))
            or int(expires) < state.now()):
        return Response("Access Denied", 403, mimetype="text/plain")
    found = state.video_by_cover_key(key)
    if found is None:
        return Response("Not Found", 404, mimetype="text/plain")
    return _answer(found[0].cover_mode, key)


def _answer(mode: str, key: str) -> Response:
    if mode == "missing":
        return Response("Not Found", 404, mimetype="text/plain")
    if mode == "redirect":
        return redirect("https://images.example.net/cover.png", 302)
    if mode == "html":
        return Response("<html><body>Please wait...</body></html>", mimetype="text/html")
    if mode == "fake":  # says JPEG, is not
        return Response("<html><body>not an image</body></html>", mimetype="image/jpeg")
    if mode == "svg":
        return Response('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                        mimetype="image/svg+xml")
    if mode == "huge":
        return Response(_noise_png(key), mimetype="image/png")
    return Response(_cover_png(key), mimetype="image/png",
                    headers={"Cache-Control": "max-age=21600"})


@functools.lru_cache(maxsize=256)
def _cover_png(key: str) -> bytes:
    """A vertical gradient in two colours taken from the key, with a pale disc in the middle."""
    digest = hashlib.sha1(key.encode()).digest()
    top, bottom = digest[0:3], digest[3:6]
    rows = []
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        base = bytes(int(a + (b - a) * t) // 2 + 40 for a, b in zip(top, bottom))
        row = bytearray(base * WIDTH)
        dy = y - HEIGHT // 2
        for x in range(WIDTH):
            if (x - WIDTH // 2) ** 2 + dy * dy < 24 * 24:
                row[3 * x:3 * x + 3] = b"\xf0\xf0\xf0"
        rows.append(bytes(row))
    return _png(WIDTH, rows)


def _noise_png(key: str) -> bytes:
    """About 480 KB that no compressor can shrink: a cover too big to accept."""
    rng = random.Random(key)
    return _png(400, [rng.randbytes(1200) for _ in range(400)])


def _png(width: int, rows: list[bytes]) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, len(rows), 8, 2, 0, 0, 0)  # 8-bit RGB
    raw = b"".join(b"\x00" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))
