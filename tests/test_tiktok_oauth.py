"""Login Kit's request builders and answer parsers (no network)."""
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from webapp.tiktok.errors import AuthError, Garbled, RateLimited, TikTokError, Upstream
from webapp.tiktok.oauth import (authorize_url, parse_revoke, parse_token, refresh_request,
                                 revoke_request, token_request)
from webapp.tiktok.stats import Token

FIXTURES = Path(__file__).parent / "fixtures" / "tiktok"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- request builders -------------------------------------------------------------------------

def test_authorize_url_uses_commas_and_no_pkce():
    url = authorize_url("awbx37vxswqcvsf6", "https://viewpay.example/auth/tiktok/callback", "s7a7e")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "www.tiktok.com")
    assert parts.path == "/v2/auth/authorize/"
    assert "scope=user.info.basic,user.info.profile,video.list" in parts.query
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {"client_key": "awbx37vxswqcvsf6", "response_type": "code", "state": "s7a7e",
                     "scope": "user.info.basic,user.info.profile,video.list",
                     "redirect_uri": "https://viewpay.example/auth/tiktok/callback"}
    with pytest.raises(ValueError):
        authorize_url("k", "https://x.example/cb", "")
    assert authorize_url("k", "https://x/cb", "s", web_base="http://sandbox:5001").startswith(
        "http://sandbox:5001/v2/auth/authorize/?")


@pytest.mark.parametrize("built, path, data", [
    (token_request("ck", "cs", "code+1", "https://x/cb"), "/v2/oauth/token/",
     {"client_key": "ck", "client_secret": "cs", "code": "code+1",
      "grant_type": "authorization_code", "redirect_uri": "https://x/cb"}),
    (refresh_request("ck", "cs", "rft.1"), "/v2/oauth/token/",
     {"client_key": "ck", "client_secret": "cs", "grant_type": "refresh_token",
      "refresh_token": "rft.1"}),
    (revoke_request("ck", "cs", "act.1"), "/v2/oauth/revoke/",
     {"client_key": "ck", "client_secret": "cs", "token": "act.1"}),
])
def test_oauth_requests_are_form_posts_with_the_secret_in_the_body(built, path, data):
    method, url, kwargs = built
    assert (method, url) == ("POST", "https://open.tiktokapis.com" + path)
    assert kwargs["data"] == data
    assert kwargs["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}


# --- OAuth answers ----------------------------------------------------------------------------

def test_token_success_is_flat():
    token = parse_token(fixture("token.json"), 200)
    assert isinstance(token, Token) and token.access_token.startswith("act.")
    assert token.refresh_token.startswith("rft.") and token.open_id.startswith("723f24d7")
    assert token.scope == ("user.info.basic", "video.list", "user.info.profile")
    assert (token.expires_in, token.refresh_expires_in) == (86400, 31536000)
    assert token.token_type == "Bearer"
    assert "act." not in repr(token) and "rft." not in repr(token)  # never in logs


@pytest.mark.parametrize("status", [200, 400, 401])
def test_invalid_grant_branches_on_the_body_not_the_status(status):
    with pytest.raises(AuthError) as info:
        parse_token(fixture("token_error_invalid_grant.json"), status)
    assert info.value.oauth_error == "invalid_grant" and "expired" in info.value.message
    assert info.value.needs_refresh is False


@pytest.mark.parametrize("category", ["invalid_request", "access_denied", "invalid_client",
                                      "invalid_scope", "unauthorized_client"])
def test_other_oauth_errors_keep_their_category(category):
    body = json.dumps({"error": category, "error_description": "x", "log_id": "L1"})
    with pytest.raises(AuthError) as info:
        parse_token(body, 400)
    assert info.value.oauth_error == category and info.value.log_id == "L1"


@pytest.mark.parametrize("text, status, error", [
    ('{"error": "server_error", "error_description": "busy"}', 200, Upstream),
    (fixture("token_v1_legacy.json"), 200, Garbled),
    ('{"access_token": "act.1", "open_id": "o"}', 200, Garbled),
    (fixture("token.json").replace("86400", '"86400"'), 200, Garbled),
    (fixture("token.json").replace("86400", "-1"), 200, Garbled),
    (fixture("token.json").replace('"723f24d7-e717-40f8-a2b6-cb8464cd23b4"', '""'), 200, Garbled),
    ("<html>upstream connect error</html>", 503, Upstream),
    ("", 429, RateLimited),
    ("", 401, AuthError),
    ("not json", 200, Garbled),
    ('{"error": 5}', 400, Garbled),
])
def test_token_failures(text, status, error):
    with pytest.raises(TikTokError) as info:
        parse_token(text, status)
    assert type(info.value) is error


def test_refresh_answer_may_rotate_the_refresh_token():
    body = json.loads(fixture("token.json"))
    body |= {"refresh_token": "rft.rotated", "scope": "user.info.basic"}
    token = parse_token(json.dumps(body), 200)
    assert token.refresh_token == "rft.rotated" and token.scope == ("user.info.basic",)


def test_revoke():
    assert parse_revoke("", 200) is None and parse_revoke("{}", 200) is None
    with pytest.raises(AuthError):
        parse_revoke('{"error": "invalid_request", "error_description": "bad token"}', 400)
