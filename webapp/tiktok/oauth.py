"""Login Kit v2 over the wire: the display.py request builders sent through TikTokHttp.

Returns Token / DisplayUser values and raises AuthError (with `.oauth_error`, e.g.
"invalid_grant") or the transport errors; it stores nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.tiktok import display
from webapp.tiktok.http import TikTokHttp


@dataclass(frozen=True)
class OAuthApp:
    client_key: str
    client_secret: str = ""
    redirect_uri: str = ""
    scopes: tuple[str, ...] = display.DEFAULT_SCOPES
    web_base: str = display.WEB_BASE  # where the browser is sent to authorize


class LoginKit:
    def __init__(self, http: TikTokHttp, app: OAuthApp):
        self.http = http
        self.app = app

    def authorize_url(self, state: str) -> str:
        a = self.app
        return display.authorize_url(a.client_key, a.redirect_uri, state, a.scopes,
                                     web_base=a.web_base)

    def exchange_code(self, code: str) -> display.Token:
        a = self.app
        return self._token(display.token_request(a.client_key, a.client_secret, code,
                                                 a.redirect_uri))

    def refresh(self, refresh_token: str) -> display.Token:
        a = self.app
        return self._token(display.refresh_request(a.client_key, a.client_secret, refresh_token))

    def revoke(self, access_token: str) -> None:
        a = self.app
        method, url, kwargs = display.revoke_request(a.client_key, a.client_secret, access_token)
        response = self.http.request(method, url, **kwargs)
        display.parse_revoke(response.text, response.status)

    def user_info(self, access_token: str) -> display.DisplayUser:
        method, url, kwargs = display.user_info_request(access_token)
        response = self.http.request(method, url, **kwargs)
        return display.parse_user_info(response.text, response.status)

    def _token(self, built) -> display.Token:
        method, url, kwargs = built
        response = self.http.request(method, url, **kwargs)
        return display.parse_token(response.text, response.status)
