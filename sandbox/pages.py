"""www.tiktok.com HTML pages: video, photo and profile, with the data blob scrapers parse.

Every layout TikTok has shipped (and every way it breaks) is a per-video `page_mode`, so ViewPay's
page source can be tested against each one over a real socket.
"""
import base64
import hashlib
import html
import json
import secrets
from urllib.parse import quote

from flask import Blueprint, Response, redirect, request

from . import items
from .state import current

bp = Blueprint("pages", __name__)


def _script(script_id: str, data) -> str:
    # TikTok escapes '/' as \u002F; escaping '<' too keeps '</script>' in captions harmless.
    if not isinstance(data, str):
        data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = data.replace("/", "\\u002F").replace("<", "\\u003c")
    return f'<script id="{script_id}" type="application/json">{text}</script>'


def _html(title: str, body: str) -> Response:
    page = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)} | TikTok</title></head>"
            f'<body><div id="app"></div>{body}</body></html>')
    return Response(page, mimetype="text/html")


def _universal(scope: dict) -> str:
    scope = {"webapp.app-context": {"language": "en", "region": "ID", "user": {}}} | scope
    return _script("__UNIVERSAL_DATA_FOR_REHYDRATION__", {"__DEFAULT_SCOPE__": scope})


def _waf_page() -> Response:
    """yt-dlp's challenge shape: base64 JSON in div#cs's class, cookie name in #wci; no data blob."""
    salt = secrets.token_bytes(16)
    answer = str(secrets.randbelow(100_000)).encode()
    challenge = {"v": {"a": base64.b64encode(salt).decode(),
                       "c": base64.b64encode(hashlib.sha256(salt + answer).digest()).decode()},
                 "s": secrets.token_hex(8)}
    cs = base64.b64encode(json.dumps(challenge, separators=(",", ":")).encode()).decode()
    body = (f'<div id="cs" class="{cs.rstrip("=")}"></div><p id="wci" class="_wafchallengeid"></p>'
            f'<p id="rci" class="waforiginalreid"></p><p id="rs" class="{secrets.token_hex(12)}">'
            "</p><p>Please wait...</p>")
    return _html("Please wait", body)


def _gate(mode: str) -> Response | None:
    """Modes where TikTok answers without any data: a challenge, a login wall, a bare shell."""
    if mode == "waf":
        return _waf_page()
    if mode == "login":
        original = items.WWW + request.full_path.rstrip("?")
        return redirect(f"{items.WWW}/login?redirect_url={quote(original, safe='')}", 302)
    if mode == "no_blob":
        return _html("TikTok - Make Your Day", '<div class="tiktok-web-shell"></div>')
    return None


@bp.get("/@/video/<vid>/", strict_slashes=False)
@bp.get("/@<handle>/video/<vid>/", strict_slashes=False)
def video_page(vid, handle=""):
    """The video page; the handle in the URL is ignored for lookup, like TikTok."""
    state = current()
    found = state.video(vid) if vid.isdigit() else None
    mode = found[0].page_mode if found else "universal"
    gated = _gate(mode)
    if gated is not None:
        return gated
    item, (code, msg) = None, items.MISSING_STATUS
    if found:
        video, user = found
        code, msg = items.PAGE_STATUS[items.effective_status(video, user)]
        if code == 0:
            item = items.item_struct(video, user, state.now(), with_v2=mode != "stats_only")
    return _html(item["desc"] if item else "TikTok", _video_blob(mode, vid, item, code, msg))


def _video_blob(mode, vid, item, code, msg) -> str:
    detail = {"statusCode": code, "statusMsg": msg}
    if item:
        detail["itemInfo"] = {"itemStruct": item}
    if mode == "sigi":
        author = item["author"] if item else None
        return _script("SIGI_STATE", {
            "ItemModule": {vid: item} if item else {},
            "UserModule": {"users": {author["uniqueId"]: author} if author else {}},
            "VideoPage": {"statusCode": code, "statusMsg": msg}})
    if mode == "next_data":
        return _script("__NEXT_DATA__", {
            "props": {"pageProps": {"statusCode": code, "statusMsg": msg,
                                    **({"itemInfo": {"itemStruct": item}} if item else {})}},
            "page": "/@[uniqueId]/video/[id]", "query": {"id": vid}, "buildId": "sandbox"})
    if mode == "garbled":
        text = json.dumps({"__DEFAULT_SCOPE__": {"webapp.video-detail": detail}})
        return _script("__UNIVERSAL_DATA_FOR_REHYDRATION__", text[: len(text) // 2])
    if mode == "garbled_types":
        if item:
            item["statsV2"]["playCount"], item["stats"]["playCount"] = "abc", "1.6M"
            item["createTime"] = "soon"
        else:
            detail["statusCode"] = "x"
    canonical = items.post_url(item["author"]["uniqueId"] if item else "", vid)
    return _universal({"webapp.video-detail": detail,
                       "seo.abtest": {"canonical": canonical, "pageId": vid, "vidList": []}})


@bp.get("/@/photo/<vid>/", strict_slashes=False)
@bp.get("/@<handle>/photo/<vid>/", strict_slashes=False)
def photo_page(vid, handle=""):
    """Photo pages carry no webapp.video-detail; scrapers follow seo.abtest.canonical to /video/."""
    found = current().video(vid) if vid.isdigit() else None
    gated = _gate(found[0].page_mode if found else "universal")
    if gated is not None:
        return gated
    owner = found[1].handle if found else handle
    canonical = items.post_url(owner, vid)
    return _html("TikTok", _universal({"seo.abtest": {"canonical": canonical, "pageId": vid}}))


@bp.get("/@<handle>/", strict_slashes=False)
def profile_page(handle):
    """The profile page: webapp.user-detail with the bio (`signature`); unknown handle -> 10221."""
    state = current()
    user = state.user_by_handle(handle)
    if user is None:
        detail = {"statusCode": 10221, "statusMsg": "user not exist"}
    else:
        detail = items.user_detail(user, state.videos_of(user.user_id), state.now())
    canonical = f"{items.WWW}/@{user.handle if user else handle}"
    scope = {"webapp.user-detail": detail, "seo.abtest": {"canonical": canonical}}
    return _html(user.nickname if user else "TikTok", _universal(scope))
