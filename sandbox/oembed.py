"""www.tiktok.com/oembed: existence, owner handle and caption (never counts), CONTRACTS §4."""
import html
import re
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request

from . import items
from .state import current

bp = Blueprint("oembed", __name__)

_TIKTOK_HOSTS = {"tiktok.com", "www.tiktok.com", "m.tiktok.com"}
_POST = re.compile(r"/@([\w.-]*)/(?:video|photo)/(\d+)/?")
_PROFILE = re.compile(r"/@([\w.-]+)/?")


def _fail():
    return jsonify({"message": "Something went wrong", "code": 400}), 400


@bp.get("/oembed")
def oembed():
    """200 with TikTok's keys for public (and region-withheld) posts and profiles; else 400."""
    parts = urlsplit(request.args.get("url", ""))
    # The sandbox's own host is accepted too, so a URL already mapped to the sandbox still works.
    hosts = _TIKTOK_HOSTS | {request.host.rsplit(":", 1)[0]}
    if parts.scheme not in ("http", "https") or parts.hostname not in hosts:
        return _fail()
    post, profile = _POST.fullmatch(parts.path), _PROFILE.fullmatch(parts.path)
    state = current()
    if post:
        found = state.video(post.group(2))
        if not found or not items.is_public(*found):
            return _fail()
        return jsonify(_video_embed(*found, state.now()))
    if profile:
        user = state.user_by_handle(profile.group(1))
        return jsonify(_profile_embed(user)) if user else _fail()
    return _fail()


def _embed(kind: str, title: str, user, quote: str, thumb: str, product: str, embed_type: str):
    """The keys in TikTok's order (CONTRACTS §4)."""
    return {"version": "1.0", "type": kind, "title": title,
            "author_url": f"{items.WWW}/@{user.handle}", "author_name": user.nickname,
            "width": "100%", "height": "100%", "html": quote, "thumbnail_width": 576,
            "thumbnail_height": 1024, "thumbnail_url": thumb, "provider_url": items.WWW,
            "provider_name": "TikTok", "author_unique_id": user.handle,
            "embed_product_id": product, "embed_type": embed_type}


def _video_embed(video, user, now) -> dict:
    cite = items.post_url(user.handle, video.video_id)
    quote = (f'<blockquote class="tiktok-embed" cite="{cite}" data-video-id="{video.video_id}" '
             'data-embed-from="oembed" style="max-width:605px; min-width:325px;"> <section> '
             f'<a target="_blank" title="@{user.handle}" href="{items.WWW}/@{user.handle}?refer=embed">'
             f"@{html.escape(user.handle)}</a> {html.escape(video.desc)} </section> </blockquote> "
             '<script async src="https://www.tiktok.com/embed.js"></script>')
    return _embed("video", video.desc, user, quote, items.cover_url(video.video_id, now),
                  video.video_id, "video")


def _profile_embed(user) -> dict:
    url = f"{items.WWW}/@{user.handle}"
    quote = (f'<blockquote class="tiktok-embed" cite="{url}" data-unique-id="{user.handle}" '
             'data-embed-from="oembed" data-embed-type="creator" style="max-width:780px; '
             f'min-width:288px;"> <section> <a target="_blank" href="{url}?refer=creator_embed">'
             f"@{html.escape(user.handle)}</a> </section> </blockquote> "
             '<script async src="https://www.tiktok.com/embed.js"></script>')
    thumb = f"https://p16-sign-va.tiktokcdn.com/avt/{user.user_id}~720x720.jpeg"
    return _embed("rich", f"{user.nickname}'s Creator Profile", user, quote, thumb, user.handle,
                  "profile")
