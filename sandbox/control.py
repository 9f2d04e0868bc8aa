"""The /_sandbox control API: what ViewPay's tests and demo use to arrange TikTok's world."""
from flask import Blueprint, jsonify, request

from .model import Conflict, Missing
from .state import current

bp = Blueprint("control", __name__, url_prefix="/_sandbox")


@bp.errorhandler(ValueError)
def _bad(exc):
    return jsonify({"error": str(exc)}), 400


@bp.errorhandler(Conflict)
def _conflict(exc):
    return jsonify({"error": str(exc)}), 409


@bp.errorhandler(Missing)
def _missing(exc):
    return jsonify({"error": str(exc)}), 404


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _video_view(video_id: str) -> dict:
    state = current()
    found = state.video(video_id)
    if found is None:
        raise Missing(f"video {video_id} not found")
    video, user = found
    return video.to_dict(state.now()) | {"handle": user.handle}


@bp.get("/health")
def health():
    return jsonify({"ok": True})


@bp.post("/reset")
def reset():
    """Back to an empty world with default knobs (no seed)."""
    current().reset()
    return jsonify({"ok": True})


@bp.post("/seed")
def seed():
    """Upsert a seed file's records (default: sandbox/seed.json)."""
    try:
        return jsonify(current().load_seed(_body().get("path")))
    except OSError as exc:
        raise ValueError(f"cannot read seed file: {exc}") from None


@bp.get("/users")
def users():
    return jsonify({"users": [u.to_dict() for u in current().all_users()]})


@bp.post("/users")
def add_user():
    return jsonify(current().add_user(_body()).to_dict()), 201


@bp.get("/users/<user_id>")
def get_user(user_id):
    user = current().user(user_id)
    if user is None:
        raise Missing(f"user {user_id} not found")
    return jsonify(user.to_dict())


@bp.patch("/users/<user_id>")
def patch_user(user_id):
    return jsonify(current().patch_user(user_id, _body()).to_dict())


@bp.get("/videos")
def videos():
    state = current()
    with state.lock:
        ids = list(state.videos)
    return jsonify({"videos": [_video_view(i) for i in ids]})


@bp.post("/videos")
def add_video():
    return jsonify(_video_view(current().add_video(_body()).video_id)), 201


@bp.post("/videos/batch")
def add_videos():
    """Many videos in one call ({"videos": [...]}, each as for POST /videos), for bulk loads:
    which were created, and which ids exist already (the caller draws others)."""
    items = _body().get("videos")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError("videos must be a list of JSON objects")
    created, conflicts = [], []
    for item in items:
        try:
            created.append(current().add_video(item).video_id)
        except Conflict:
            conflicts.append(item.get("video_id"))
    return jsonify({"created": created, "conflicts": conflicts}), 201


@bp.get("/videos/<video_id>")
def get_video(video_id):
    """The stored record plus the current (grown) counters."""
    return jsonify(_video_view(video_id))


@bp.patch("/videos/<video_id>")
def patch_video(video_id):
    """Any field; `views` or `growth_per_hour` re-bases the growth clock at now."""
    current().patch_video(video_id, _body())
    return jsonify(_video_view(video_id))


@bp.post("/shortlinks")
def add_shortlink():
    return jsonify(current().add_shortlink(_body()).to_dict()), 201


@bp.get("/shortlinks")
def shortlinks():
    state = current()
    with state.lock:
        return jsonify({"shortlinks": [s.to_dict() for s in state.shortlinks.values()]})


@bp.route("/knobs", methods=["GET", "POST"])
def knobs():
    """GET the knobs; POST a partial update (rate_limits merges per surface)."""
    state = current()
    return jsonify(state.set_knobs(_body()) if request.method == "POST" else state.knobs())


@bp.get("/requests")
def requests_log():
    """Recent TikTok-surface requests, oldest first; `?surface=api` or `?path=/v2/` filter."""
    entries = current().requests()
    surface, prefix = request.args.get("surface"), request.args.get("path", "")
    entries = [e for e in entries if (not surface or e["surface"] == surface)
               and e["path"].startswith(prefix)]
    return jsonify({"requests": entries})


@bp.post("/requests/clear")
def clear_requests():
    current().clear_requests()
    return jsonify({"ok": True})


@bp.post("/oauth/expire")
def expire_tokens():
    """Mark access tokens (of one open_id, or all) expired, to test refresh paths."""
    return jsonify({"expired": current().tokens.expire(_body().get("open_id"))})
