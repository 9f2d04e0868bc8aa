"""The sandbox WSGI app: one Flask app playing every TikTok host ViewPay talks to.

Hosts map onto one root: www/m.tiktok.com and open.tiktokapis.com at `/`, vm.tiktok.com at
`/_vm`, vt.tiktok.com at `/_vt`, the image CDN (*.tiktokcdn.com) at `/_cdn`. `/_sandbox/*` is
the control API (not TikTok; never throttled).
"""
import time

from flask import Flask, Response, g, request

from . import api, cdn, control, oauth, oembed, pages, shortlinks
from .state import State, current

SURFACE_OF_BLUEPRINT = {"pages": "page", "oembed": "oembed", "api": "api", "oauth": "oauth",
                        "shortlinks": "shortlink", "cdn": "cdn"}
_SECRET_FIELDS = ("client_secret", "code_verifier")


def make_app(state: State | None = None, seed_path=None) -> Flask:
    app = Flask("sandbox")
    app.json.sort_keys = False  # keep TikTok's key order in answers
    state = state or State()
    if seed_path:
        state.load_seed(seed_path)
    app.extensions["sandbox_state"] = state
    for module in (pages, oembed, shortlinks, oauth, api, cdn, control):
        app.register_blueprint(module.bp)
    app.before_request(_before)
    app.after_request(_after)
    return app


def _log_entry(state: State, surface: str) -> dict:
    entry = {"time": state.now(), "method": request.method, "path": request.path,
             "query": request.query_string.decode("latin-1"), "args": request.args.to_dict(),
             "host": request.host, "surface": surface,
             "user_agent": request.headers.get("User-Agent", ""), "status": None}
    if request.is_json:
        entry["json"] = request.get_json(silent=True)
    elif request.form:
        entry["form"] = {k: ("***" if k in _SECRET_FIELDS else v) for k, v in request.form.items()}
    return entry


def _before():
    """Log, then apply the knobs in TikTok's order of trouble: slowness, failures, throttling."""
    if request.blueprint == "control":
        return None
    surface = SURFACE_OF_BLUEPRINT.get(request.blueprint, "other")
    state = current()
    g.sandbox_entry = state.record(_log_entry(state, surface))
    knobs = state.knobs()
    if knobs["latency_ms"]:
        time.sleep(float(knobs["latency_ms"]) / 1000)
    if surface == "other":
        return None
    chosen = knobs["error_surfaces"]
    if (float(knobs["error_rate"]) > 0 and (chosen is None or surface in chosen)
            and state.rng.random() < float(knobs["error_rate"])):
        return _injected_error(surface, state)
    limit = knobs["rate_limits"].get(surface)
    key = f"api:{request.path}" if surface == "api" else surface  # api limits are per endpoint
    retry_after = state.hit(key, limit, float(knobs["rate_window_seconds"]))
    if retry_after is not None:
        return _throttled(surface, retry_after)
    return None


def _injected_error(surface: str, state: State):
    if surface == "api":
        return api.error_response("internal_error", "Something went wrong. Please try again later.")
    status = state.rng.choice((500, 503))
    return Response("Service Unavailable" if status == 503 else "Internal Server Error", status,
                    mimetype="text/plain")


def _throttled(surface: str, retry_after: int):
    if surface == "api":
        resp, status = api.error_response("rate_limit_exceeded", "API rate limit was exceeded.")
        resp.status_code = status
    else:
        resp = Response("Too Many Requests", 429, mimetype="text/plain")
    resp.headers["Retry-After"] = str(retry_after)
    return resp


def _after(response):
    entry = g.get("sandbox_entry")
    if entry is not None:
        entry["status"] = response.status_code
    return response
