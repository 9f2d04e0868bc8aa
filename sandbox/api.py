"""open.tiktokapis.com Display API v2: user info, video query, video list (CONTRACTS §2).

Answers carry only the `fields=` asked for, inside `{"data": ..., "error": {"code": "ok", ...}}`.
"""
from flask import Blueprint, jsonify, request

from . import items
from .model import open_id_for, union_id_for
from .state import current

bp = Blueprint("api", __name__)

USER_FIELDS = {
    **dict.fromkeys(("open_id", "union_id", "avatar_url", "avatar_url_100", "avatar_large_url",
                     "display_name"), "user.info.basic"),
    **dict.fromkeys(("bio_description", "profile_deep_link", "profile_web_link", "is_verified",
                     "username"), "user.info.profile"),
    **dict.fromkeys(("follower_count", "following_count", "likes_count", "video_count"),
                    "user.info.stats"),
}
VIDEO_FIELDS = ("id", "create_time", "cover_image_url", "share_url", "video_description",
                "duration", "height", "width", "title", "embed_html", "embed_link", "like_count",
                "comment_count", "share_count", "view_count", "is_aigc")
MAX_IDS = MAX_COUNT = 20


class ApiError(Exception):
    STATUS = {"access_token_invalid": 401, "scope_not_authorized": 401, "invalid_params": 400,
              "rate_limit_exceeded": 429, "internal_error": 500}

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def error_response(code: str, message: str):
    body = {"data": {}, "error": {"code": code, "message": message, "log_id": items.log_id()}}
    return jsonify(body), ApiError.STATUS[code]


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.code, exc.message)


def _ok(data: dict):
    return jsonify({"data": data, "error": {"code": "ok", "message": "", "log_id": items.log_id()}})


def _grant(scope: str | None = None) -> dict:
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.startswith("Bearer ") else ""
    grant = current().tokens.check_access(bearer) if bearer else None
    if grant is None:
        raise ApiError("access_token_invalid",
                       "The access token is invalid or not found in the request.")
    if scope and scope not in grant["scopes"]:
        raise ApiError("scope_not_authorized",
                       "The user did not authorize the scope required for completing this request.")
    return grant


def _fields(allowed) -> list[str]:
    wanted = [f for f in request.args.get("fields", "").split(",") if f]
    bad = [f for f in wanted if f not in allowed]
    if not wanted or bad:
        raise ApiError("invalid_params", f"Invalid fields: {','.join(bad) or '(none given)'}")
    return wanted


@bp.get("/v2/user/info/", strict_slashes=False)
def user_info():
    """The token's user, limited to requested fields, each gated by its scope."""
    grant = _grant()
    fields = _fields(USER_FIELDS)
    if any(USER_FIELDS[f] not in grant["scopes"] for f in fields):
        raise ApiError("scope_not_authorized",
                       "The user did not authorize the scope required for the requested fields.")
    state = current()
    user = state.user(grant["user_id"])
    if user is None:
        raise ApiError("access_token_invalid", "The user of this token no longer exists.")
    mine = state.videos_of(user.user_id)
    public = [v for v in mine if items.is_public(v, user)]
    avatar = f"https://p16-sign-va.tiktokcdn.com/avt/{user.user_id}~"
    full = {
        "open_id": open_id_for(grant["client_key"], user.user_id),
        "union_id": union_id_for(user.user_id),
        "avatar_url": avatar + "168x168.jpeg", "avatar_url_100": avatar + "100x100.jpeg",
        "avatar_large_url": avatar + "1080x1080.jpeg", "display_name": user.nickname,
        "bio_description": user.signature,
        "profile_deep_link": f"{items.WWW}/@{user.handle}?_d=sandbox",
        "profile_web_link": f"{items.WWW}/@{user.handle}", "is_verified": user.verified,
        "username": user.handle, "follower_count": user.follower_count,
        "following_count": user.following_count,
        "likes_count": user.heart_count or sum(v.counts(state.now())["likes"] for v in public),
        "video_count": len(public),
    }
    return _ok({"user": {f: full[f] for f in fields}})


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ApiError("invalid_params", "The request body must be a JSON object.")
    return body


def _public_videos(grant) -> tuple[list, object]:
    state = current()
    user = state.user(grant["user_id"])
    if user is None:
        raise ApiError("access_token_invalid", "The user of this token no longer exists.")
    return [v for v in state.videos_of(user.user_id) if items.is_public(v, user)], user


def _objects(videos, user, grant, fields) -> list[dict]:
    now = current().now()
    return [{f: obj[f] for f in fields}
            for obj in (items.video_object(v, user, now, grant["client_key"]) for v in videos)]


@bp.post("/v2/video/query/", strict_slashes=False)
def video_query():
    """Up to 20 ids; only the token user's public videos come back, the rest silently go missing."""
    grant = _grant("video.list")
    fields = _fields(VIDEO_FIELDS)
    ids = (_body().get("filters") or {}).get("video_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, (str, int)) for i in ids):
        raise ApiError("invalid_params", "filters.video_ids must be a non-empty list of ids.")
    if len(ids) > MAX_IDS:
        raise ApiError("invalid_params", f"At most {MAX_IDS} video_ids per request.")
    wanted = [str(i) for i in ids]
    videos, user = _public_videos(grant)
    by_id = {v.video_id: v for v in videos}
    found = [by_id[i] for i in dict.fromkeys(wanted) if i in by_id]
    return _ok({"videos": _objects(found, user, grant, fields), "cursor": 0, "has_more": False})


@bp.post("/v2/video/list/", strict_slashes=False)
def video_list():
    """The token user's public videos, newest first; cursor is a ms timestamp (posted before it)."""
    grant = _grant("video.list")
    fields = _fields(VIDEO_FIELDS)
    body = _body()
    cursor, max_count = body.get("cursor"), body.get("max_count", 10)
    if (cursor is not None and (not isinstance(cursor, int) or isinstance(cursor, bool))
            or not isinstance(max_count, int) or not 1 <= max_count <= MAX_COUNT):
        raise ApiError("invalid_params", f"cursor must be an int and max_count 1..{MAX_COUNT}.")
    videos, user = _public_videos(grant)
    videos.sort(key=lambda v: (v.create_time, int(v.video_id)), reverse=True)
    if cursor:
        videos = [v for v in videos if v.create_time * 1000 < cursor]
    page = videos[:max_count]
    next_cursor = page[-1].create_time * 1000 if page else (cursor or 0)
    return _ok({"videos": _objects(page, user, grant, fields), "cursor": next_cursor,
                "has_more": len(videos) > len(page)})
