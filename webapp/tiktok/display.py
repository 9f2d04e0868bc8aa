"""Login Kit (OAuth v2) and Display API v2: requests as plain data, answers as values.

Builders return (method, url, kwargs) with requests-style kwargs (params/data/json/headers);
the HTTP client sends them and hands (status, text) back to the parsers. No network here.

No PKCE on web: TikTok documents `code_verifier` for mobile/desktop only and its hex-vs-base64url
challenge encoding for web is UNCONFIRMED (CONTRACTS §1.1); `state` is our CSRF guard.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from webapp.tiktok.errors import AuthError, Garbled, NotOwned, RateLimited, Upstream
from webapp.tiktok.stats import TikTokUser, VideoStats

WEB_BASE = "https://www.tiktok.com"
API_BASE = "https://open.tiktokapis.com"
MAX_QUERY_IDS = 20
MAX_LIST_COUNT = 20
MAX_BODY_CHARS = 2_000_000
INT64_MAX = 2**63 - 1
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "video.list")
USER_FIELDS = ("open_id", "union_id", "username", "display_name", "avatar_url")
VIDEO_FIELDS = ("id", "create_time", "share_url", "view_count", "like_count", "comment_count",
                "share_count")
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_DIGITS = re.compile(r"[0-9]{1,19}")
_SHARE_HANDLE = re.compile(r"https://(?:www\.|m\.)?tiktok\.com/@([\w.-]+)/", re.ASCII)
_OAUTH_SERVER_ERRORS = frozenset({"server_error", "temporarily_unavailable"})  # names UNCONFIRMED
# v2 error code -> needs_refresh: a fresh access token fixes the first, only a reconnect the others
_AUTH_CODES = {"access_token_invalid": True, "scope_not_authorized": False,
               "scope_permission_missed": False}


class InvalidParams(Garbled, ValueError):
    """TikTok says our request was malformed: a bug on our side, retrying will not help."""

    retryable = False


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    open_id: str
    scope: tuple[str, ...]  # what the user granted; may be less than we asked for
    expires_in: int
    refresh_expires_in: int
    token_type: str = "Bearer"


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


def authorize_url(client_key: str, redirect_uri: str, state: str, scopes=DEFAULT_SCOPES, *,
                  web_base: str = WEB_BASE) -> str:
    if not state:
        raise ValueError("state is required (CSRF guard)")
    query = urlencode({"client_key": client_key, "scope": ",".join(scopes),
                       "redirect_uri": redirect_uri, "state": state, "response_type": "code"},
                      safe=",")  # TikTok wants a comma list, not spaces
    return f"{web_base}/v2/auth/authorize/?{query}"


def token_request(client_key, client_secret, code, redirect_uri, *, api_base=API_BASE):
    return _form(api_base, "/v2/oauth/token/", client_key, client_secret, code=code,
                 grant_type="authorization_code", redirect_uri=redirect_uri)


def refresh_request(client_key, client_secret, refresh_token, *, api_base=API_BASE):
    return _form(api_base, "/v2/oauth/token/", client_key, client_secret,
                 grant_type="refresh_token", refresh_token=refresh_token)


def revoke_request(client_key, client_secret, token, *, api_base=API_BASE):
    return _form(api_base, "/v2/oauth/revoke/", client_key, client_secret, token=token)


def _form(api_base, path, client_key, client_secret, **fields):
    # The secret travels in the form body; TikTok takes no HTTP Basic auth.
    data = {"client_key": client_key, "client_secret": client_secret, **fields}
    return "POST", f"{api_base}{path}", {"headers": dict(_FORM), "data": data}


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


def parse_token(text: str, status: int, *, retry_after: float | None = None) -> Token:
    body = _oauth_body(text, status, retry_after)
    if "data" in body and "message" in body:
        raise Garbled("v1-style {data, message} token answer; v2 answers flat")
    scope = _str(body.get("scope"), "scope", required=True)
    return Token(access_token=_str(body.get("access_token"), "access_token", required=True),
                 refresh_token=_str(body.get("refresh_token"), "refresh_token", required=True),
                 open_id=_str(body.get("open_id"), "open_id", required=True),
                 scope=tuple(s for s in re.split(r"[,\s]+", scope) if s),
                 expires_in=_int(body.get("expires_in"), "expires_in", required=True),
                 refresh_expires_in=_int(body.get("refresh_expires_in"), "refresh_expires_in",
                                         required=True),
                 token_type=_str(body.get("token_type"), "token_type") or "Bearer")


def parse_revoke(text: str, status: int, *, retry_after: float | None = None) -> None:
    if text.strip():  # success is an empty body or {}
        _oauth_body(text, status, retry_after)
    elif status >= 400:
        _raise_for_http(status, retry_after)
        raise AuthError(f"revoke HTTP {status}", status_code=status)


def _oauth_body(text: str, status: int, retry_after: float | None) -> dict:
    body = _load(text, status, retry_after)
    error = body.get("error")
    # Branch on the body, not the status: TikTok's error statuses are UNCONFIRMED.
    if isinstance(error, dict) and error.get("code") not in (None, "ok"):
        _api_error(error, status, retry_after)
    elif error and not isinstance(error, dict):
        _oauth_error(body, status)
    _raise_for_http(status, retry_after)
    return body


def _oauth_error(body: dict, status: int):
    category, log_id = body["error"], body.get("log_id")
    if not isinstance(category, str):
        raise Garbled("OAuth error is not a string")
    message = f"{category}: {body.get('error_description') or ''} (log_id {log_id})"
    if category in _OAUTH_SERVER_ERRORS:
        raise Upstream(message, status_code=status)
    raise _auth_error(message, status, oauth_error=category, log_id=log_id)


def parse_user_info(text: str, status: int, *, retry_after: float | None = None) -> DisplayUser:
    user = _obj(_data(text, status, retry_after).get("user"), "data.user")
    return DisplayUser(open_id=_str(user.get("open_id"), "open_id", required=True),
                       **{k: _str(user.get(k), k) for k in USER_FIELDS if k != "open_id"})


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
                     cursor=_int(data.get("cursor"), "cursor"), has_more=has_more)


def _videos(data: dict, *, require_views: bool) -> list[VideoStats]:
    videos = data.get("videos")
    if videos is None:
        return []  # whether TikTok omits the list when nothing matches is UNCONFIRMED
    if not isinstance(videos, list):
        raise Garbled("data.videos is not a list")
    return [_video(_obj(v, "video"), require_views) for v in videos]


def _video(obj: dict, require_views: bool) -> VideoStats:
    video_id = obj.get("id")  # TikTok documents a string; numbers are tolerated, kept exact
    if isinstance(video_id, int) and not isinstance(video_id, bool):
        video_id = str(video_id)
    if not isinstance(video_id, str) or not _DIGITS.fullmatch(video_id):
        raise Garbled(f"video id {str(video_id)[:30]!r} is not a decimal id")
    views = _int(obj.get("view_count"), "view_count", required=require_views)
    share_url = _str(obj.get("share_url"), "share_url")
    match = _SHARE_HANDLE.match(share_url or "")
    return VideoStats(video_id=video_id, source="display", views=views,
                      likes=_int(obj.get("like_count"), "like_count"),
                      comments=_int(obj.get("comment_count"), "comment_count"),
                      shares=_int(obj.get("share_count"), "share_count"), exact=True,
                      create_time=_int(obj.get("create_time"), "create_time"),
                      author_handle=match.group(1) if match else None,
                      description=_str(obj.get("video_description") or obj.get("title"),
                                       "video_description"))


def _data(text: str, status: int, retry_after: float | None) -> dict:
    _raise_for_http(status, retry_after, auth=False)  # 429/5xx win whatever the body says
    body = _load(text, status, retry_after)
    error = body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        _raise_for_http(status, retry_after)
        raise Garbled(f"HTTP {status}: answer has no v2 error object")
    if error["code"] != "ok":
        _api_error(error, status, retry_after)
    return _obj(body.get("data"), "data")


def _api_error(error: dict, status: int, retry_after: float | None):
    code, log_id = error.get("code"), error.get("log_id")
    message = f"{code}: {error.get('message') or ''} (log_id {log_id})"
    if code == "rate_limit_exceeded":
        raise RateLimited(message, retry_after=retry_after, status_code=status)
    if code == "internal_error":
        raise Upstream(message, status_code=status)
    if code == "invalid_params":
        raise InvalidParams(f"TikTok rejected our request: {message}", status_code=status)
    if code in _AUTH_CODES or status == 401:  # an unknown code on a 401 is still about the token
        raise _auth_error(message, status, api_code=code, log_id=log_id,
                          needs_refresh=_AUTH_CODES.get(code, False))
    raise Garbled(f"unknown Display API error {message}", status_code=status)


def _auth_error(message, status, *, oauth_error=None, api_code=None, log_id=None,
                needs_refresh=False) -> AuthError:
    err = AuthError(message, status_code=status)
    err.oauth_error, err.api_code, err.log_id = oauth_error, api_code, log_id
    err.needs_refresh = needs_refresh
    return err


def _raise_for_http(status: int, retry_after: float | None, *, auth: bool = True) -> None:
    if status == 429:
        raise RateLimited("HTTP 429", retry_after=retry_after)
    if status >= 500:
        raise Upstream(f"HTTP {status}", status_code=status)
    if auth and status == 401:
        raise _auth_error("HTTP 401 without an error body", status)


def _load(text: str, status: int, retry_after: float | None) -> dict:
    if len(text) > MAX_BODY_CHARS:
        raise Upstream(f"answer too large ({len(text)} chars)")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        _raise_for_http(status, retry_after)
        raise Garbled(f"HTTP {status}: answer is not a JSON object")
    return body


def _obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Garbled(f"{where} is {type(value).__name__}, expected an object")
    return value


def _str(value, where: str, *, required: bool = False) -> str | None:
    if (value is None and required) or (value is not None and not isinstance(value, str)):
        raise Garbled(f"{where} missing or not a string")
    if required and not value:
        raise Garbled(f"{where} is empty")
    return value


def _int(value, where: str, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise Garbled(f"{where}: {str(value)[:30]!r} is not a non-negative int64")
    return value
