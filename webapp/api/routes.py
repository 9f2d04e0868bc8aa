"""The API's endpoints: parse the request, call one service, answer JSON."""
from flask import g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from webapp.api import batches, bp, observations, videos
from webapp.api.auth import require_token
from webapp.api.errors import ApiError, api_error_response, http_error_response
from webapp.api.openapi import document

PUBLIC = ("api.openapi_json",)
NEEDING_LIMIT_DEFAULT, NEEDING_LIMIT_MAX = 50, 500

bp.register_error_handler(ApiError, api_error_response)
# Any other HTTP error raised inside the API (a body too large, say) is JSON too, whatever its
# status; errors before routing are answered by webapp.errors, which delegates to the same.
bp.register_error_handler(HTTPException, http_error_response)


@bp.before_request
def authenticate():
    """Every endpoint but the document needs a live token with the scope of its method."""
    if request.endpoint not in PUBLIC:
        g.token = require_token()


def _json_object() -> dict:
    data = request.get_json(force=True, silent=True)  # a body over the limit is still a 413
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_json", "The body must be a JSON object.")
    return data


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ApiError(422, "invalid_request", f"{name} is true or false.")
    return value in ("true", "1")


@bp.get("/tiktok/video/<video_id>")
def video(video_id: str):
    """One tracked video: views, creator, status, earnings; ?refresh=true fetches it now."""
    sub = videos.find(video_id)
    if _flag("refresh"):
        videos.refresh(sub)
    return jsonify(videos.describe(sub))


@bp.post("/tiktok/batch-views")
def batch_views():
    """Queue a lookup of up to 1.000 video URLs; poll /api/jobs/<job_id> for the results."""
    answer = batches.start(_json_object().get("video_urls"))
    return jsonify(answer), 202, {"Location": url_for("api.job", job_id=answer["job_id"])}


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    """A batch job's progress and results."""
    return jsonify(batches.status(job_id))


@bp.post("/observations")
def observation():
    """A count an admin saw in their browser (the extension), entered as a manual count."""
    return jsonify(observations.record(g.token, _json_object())), 201


@bp.get("/videos/needing-observation")
def needing_observation():
    """Approved videos whose automatic fetch is failing or blocked, oldest update first."""
    raw = request.args.get("limit", str(NEEDING_LIMIT_DEFAULT))
    limit = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0
    if not 1 <= limit <= NEEDING_LIMIT_MAX:
        raise ApiError(422, "invalid_request",
                       f"limit is a whole number from 1 to {NEEDING_LIMIT_MAX}.")
    return jsonify(videos=videos.needing_observation(limit))


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of every endpoint (public: it holds no data)."""
    return jsonify(document())
