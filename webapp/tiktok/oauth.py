"""Login Kit (OAuth v2): requests as plain data, answers as values, and LoginKit to send them.

Builders return (method, url, kwargs) with requests-style kwargs; parsers take (text, status).
LoginKit sends them through TikTokHttp and stores nothing: it returns Token / DisplayUser values
and raises AuthError (with `.oauth_error`, e.g. "invalid_grant") or the transport errors.

No PKCE on web: TikTok documents `code_verifier` for mobile/desktop only and its hex-vs-base64url
challenge encoding for web is UNCONFIRMED (CONTRACTS §1.1); `state` is our CSRF guard.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from webapp.tiktok import display
from webapp.tiktok.answers import (API_BASE, api_error, auth_error, integer, load, raise_for_http,
                                   string)
from webapp.tiktok.errors import AuthError, Garbled, Upstream
from webapp.tiktok.http import TikTokHttp
from webapp.tiktok.stats import Token

WEB_BASE = "https://www.tiktok.com"
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "video.list")
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_OAUTH_SERVER_ERRORS = frozenset({"server_error", "temporarily_unavailable"})  # names UNCONFIRMED


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


def parse_token(text: str, status: int, *, retry_after: float | None = None) -> Token:
    body = _oauth_body(text, status, retry_after)
    if "data" in body and "message" in body:
        raise Garbled("v1-style {data, message} token answer; v2 answers flat")
    scope = string(body.get("scope"), "scope", required=True)
    return Token(access_token=string(body.get("access_token"), "access_token", required=True),
                 refresh_token=string(body.get("refresh_token"), "refresh_token", required=True),
                 open_id=string(body.get("open_id"), "open_id", required=True),
                 scope=tuple(s for s in re.split(r"[,\s]+", scope) if s),
                 expires_in=integer(body.get("expires_in"), "expires_in", required=True),
                 refresh_expires_in=integer(body.get("refresh_expires_in"),
                                            "refresh_expires_in", required=True),
                 token_type=string(body.get("token_type"), "token_type") or "Bearer")


def parse_revoke(text: str, status: int, *, retry_after: float | None = None) -> None:
    if text.strip():  # success is an empty body or {}
        _oauth_body(text, status, retry_after)
    elif status >= 400:
        raise_for_http(status, retry_after)
        raise AuthError(f"revoke HTTP {status}", status_code=status)


def _oauth_body(text: str, status: int, retry_after: float | None) -> dict:
    body = load(text, status, retry_after)
    error = body.get("error")
    # Branch on the body, not the status: TikTok's error statuses are UNCONFIRMED.
    if isinstance(error, dict) and error.get("code") not in (None, "ok"):
        api_error(error, status, retry_after)
    elif error and not isinstance(error, dict):
        _oauth_error(body, status)
    raise_for_http(status, retry_after)
    return body


def _oauth_error(body: dict, status: int):
    category, log_id = body["error"], body.get("log_id")
    if not isinstance(category, str):
        raise Garbled("OAuth error is not a string")
    message = f"{category}: {body.get('error_description') or ''} (log_id {log_id})"
    if category in _OAUTH_SERVER_ERRORS:
        raise Upstream(message, status_code=status)
    raise auth_error(message, status, oauth_error=category, log_id=log_id)


@dataclass(frozen=True)
class OAuthApp:
    client_key: str
    client_secret: str = ""
    redirect_uri: str = ""
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    web_base: str = WEB_BASE  # where the browser is sent to authorize


class LoginKit:
    def __init__(self, http: TikTokHttp, app: OAuthApp):
        self.http = http
        self.app = app

    def authorize_url(self, state: str) -> str:
        a = self.app
        return authorize_url(a.client_key, a.redirect_uri, state, a.scopes, web_base=a.web_base)

    def exchange_code(self, code: str) -> Token:
        a = self.app
        return self._token(token_request(a.client_key, a.client_secret, code, a.redirect_uri))

    def refresh(self, refresh_token: str) -> Token:
        a = self.app
        return self._token(refresh_request(a.client_key, a.client_secret, refresh_token))

    def revoke(self, access_token: str) -> None:
        a = self.app
        method, url, kwargs = revoke_request(a.client_key, a.client_secret, access_token)
        response = self.http.request(method, url, **kwargs)
        parse_revoke(response.text, response.status)

    def user_info(self, access_token: str) -> display.DisplayUser:
        method, url, kwargs = display.user_info_request(access_token)
        response = self.http.request(method, url, **kwargs)
        return display.parse_user_info(response.text, response.status)

    def _token(self, built) -> Token:
        method, url, kwargs = built
        response = self.http.request(method, url, **kwargs)
        return parse_token(response.text, response.status)
