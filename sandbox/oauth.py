"""Login Kit v2: the authorize consent page, the token endpoint and revoke (CONTRACTS §1).

Tests skip the consent page with `sandbox_user=<id or handle>&sandbox_auto=1` (or `=deny`), and may
grant fewer scopes with `sandbox_scopes=a,b` (TikTok lets users untick scopes).
"""
import secrets
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from .items import log_id
from .state import current
from .tokens import OAuthError

bp = Blueprint("oauth", __name__)

_HIDDEN = ("client_key", "scope", "redirect_uri", "state", "response_type", "code_challenge",
           "code_challenge_method")


def _back(params, **extra) -> Response:
    """Redirect to the client's redirect_uri with code/scopes/state or error/error_description."""
    uri = params["redirect_uri"]
    query = urlencode({**extra, "state": params.get("state", "")})
    return redirect(f"{uri}{'&' if '?' in uri else '?'}{query}", 302)


def _problem(params) -> str | None:
    """What TikTok would show its own error page for (it never redirects to an unknown client)."""
    knobs = current().knobs()
    if params.get("client_key") != knobs["client_key"]:
        return "client_key is not a registered app"
    uri = params.get("redirect_uri", "")
    if not uri or (knobs["redirect_uris"] is not None and uri not in knobs["redirect_uris"]):
        return "redirect_uri is missing or not registered"
    if params.get("response_type") != "code":
        return "response_type must be code"
    return None


def _grant(params, user_id: str, scopes: list[str]) -> Response:
    code = current().tokens.issue_code(user_id, params["client_key"], params["redirect_uri"],
                                       scopes, params.get("code_challenge") or None)
    return _back(params, code=code, scopes=",".join(scopes))


def _deny(params) -> Response:
    return _back(params, error="access_denied",
                 error_description="The user denied the authorization request.")


@bp.get("/v2/auth/authorize/", strict_slashes=False)
def authorize():
    """The consent page (or, for tests, an immediate decision)."""
    params, state = request.args, current()
    problem = _problem(params)
    if problem:
        return Response(f"<h1>Something went wrong</h1><p>{escape(problem)}</p>", 400,
                        mimetype="text/html")
    asked = [s for s in params.get("scope", "").split(",") if s]
    if not asked:
        return _back(params, error="invalid_scope", error_description="scope is required")
    auto = params.get("sandbox_auto")
    if auto == "deny":
        return _deny(params)
    if auto:
        user = state.resolve_user(params.get("sandbox_user", ""))
        if user is None:
            return Response("unknown sandbox_user", 400, mimetype="text/plain")
        wanted = params.get("sandbox_scopes")
        scopes = [s for s in asked if s in wanted.split(",")] if wanted else asked
        return _grant(params, user.user_id, scopes)
    return _consent_page(params, asked, state)


@bp.post("/v2/auth/authorize/", strict_slashes=False)
def decide():
    """The consent form's Allow / Deny."""
    params = request.form
    problem = _problem(params)
    if problem:
        return Response(escape(problem), 400, mimetype="text/plain")
    if params.get("decision") != "allow":
        return _deny(params)
    user = current().user(params.get("user_id", ""))
    if user is None:
        return Response("pick an account", 400, mimetype="text/plain")
    asked = [s for s in params.get("scope", "").split(",") if s]
    scopes = [s for s in asked if s == "user.info.basic" or params.get(f"grant_{s}")]
    return _grant(params, user.user_id, scopes)


def _consent_page(params, asked, state) -> Response:
    """Pick a sandbox account, untick optional scopes, Allow or Deny (POSTs back to authorize)."""
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(params[k])}">'
                     for k in _HIDDEN if k in params)
    users = "".join(
        f'<label><input type="radio" name="user_id" value="{escape(u.user_id)}"'
        f'{" checked" if i == 0 else ""}> @{escape(u.handle)} ({escape(u.nickname)})</label><br>'
        for i, u in enumerate(state.all_users())) or "<p>No sandbox users yet.</p>"
    scopes = "".join(
        f'<label><input type="checkbox" name="grant_{escape(s)}" value="1" checked'
        f'{" disabled" if s == "user.info.basic" else ""}> {escape(s)}</label><br>' for s in asked)
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<title>Log in | TikTok (sandbox)</title></head><body>"
            f"<h1>TikTok sandbox: authorize app</h1><p>App <code>{escape(params['client_key'])}</code>"
            f' wants access.</p><form method="post" action="/v2/auth/authorize/">{hidden}'
            f"<h2>Log in as</h2>{users}<h2>Permissions</h2>{scopes}"
            '<button type="submit" name="decision" value="allow">Allow</button> '
            '<button type="submit" name="decision" value="deny">Deny</button></form></body></html>')
    return Response(page, mimetype="text/html")


def _oauth_error(error: str, description: str):
    return jsonify({"error": error, "error_description": description, "log_id": log_id()}), 400


def _client_ok(form) -> bool:
    knobs = current().knobs()
    return (form.get("client_key") == knobs["client_key"]
            and form.get("client_secret") == knobs["client_secret"])


@bp.post("/v2/oauth/token/", strict_slashes=False)
def token():
    """authorization_code, refresh_token (rotating) and client_credentials grants; flat JSON."""
    form, tokens = request.form, current().tokens
    if request.mimetype != "application/x-www-form-urlencoded":
        return _oauth_error("invalid_request", "The request parameters are malformed.")
    if not _client_ok(form):
        return _oauth_error("invalid_client", "Client key or secret is invalid.")
    grant = form.get("grant_type", "")
    try:
        if grant == "authorization_code":
            if not form.get("code") or not form.get("redirect_uri"):
                return _oauth_error("invalid_request", "code and redirect_uri are required.")
            return jsonify(tokens.redeem_code(form["code"], form["client_key"],
                                              form["redirect_uri"], form.get("code_verifier")))
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                return _oauth_error("invalid_request", "refresh_token is required.")
            return jsonify(tokens.use_refresh(form["refresh_token"], form["client_key"]))
    except OAuthError as exc:
        return _oauth_error(exc.error, exc.description)
    if grant == "client_credentials":
        return jsonify({"access_token": "clt." + secrets.token_urlsafe(40), "expires_in": 7200,
                        "token_type": "Bearer"})
    if not grant:
        return _oauth_error("invalid_request", "grant_type is required.")
    return _oauth_error("unsupported_grant_type", f"grant_type {grant} is not supported.")


@bp.post("/v2/oauth/revoke/", strict_slashes=False)
def revoke():
    """Kills the user's access and refresh tokens for this app; answers `{}`."""
    form = request.form
    if not _client_ok(form):
        return _oauth_error("invalid_client", "Client key or secret is invalid.")
    if not form.get("token"):
        return _oauth_error("invalid_request", "token is required.")
    current().tokens.revoke(form["token"], form["client_key"])
    return jsonify({})
