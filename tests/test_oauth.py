"""Login Kit v2 end to end: ViewPay's routes and services against the sandbox over HTTP."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests import factories
from tests.conftest import csrf_token
from webapp.auth import connections, crypto, tokens
from webapp.auth import services as auth
from webapp.auth.models import TikTokConnection
from webapp.extensions import db
from webapp.timeutil import utcnow

KEY, SECRET = "sandbox-client-key", "sandbox-client-secret"


def enable_oauth(app):
    # As at start-up: with a client key, the redirect URI comes from settings, never the Host.
    app.config.update(TIKTOK_CLIENT_KEY=KEY, TIKTOK_CLIENT_SECRET=SECRET,
                      TIKTOK_REDIRECT_URI="http://localhost/account/tiktok/callback")


def sandbox_log(sandbox, path):
    return requests.get(sandbox.base_url + "/_sandbox/requests", params={"path": path},
                        timeout=5).json()["requests"]


def start(act):
    """Press "Connect TikTok": returns the authorize URL ViewPay sent the browser to."""
    response = act.client.post("/account/tiktok/connect",
                               data={"csrf_token": csrf_token(act.client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def consent(authorize_url, **sandbox):
    """Play the creator on TikTok's consent page; returns ViewPay's callback path+query."""
    extra = "".join(f"&sandbox_{k}={v}" for k, v in sandbox.items())
    answer = requests.get(authorize_url + extra, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def connect(act, who="sari.dance", **sandbox):
    """The whole journey; returns the final page's text."""
    callback = consent(start(act), user=who, auto=sandbox.pop("auto", 1), **sandbox)
    return act.client.get(callback, follow_redirects=True).get_data(as_text=True)


def stored(user_id):
    db.session.expire_all()
    return db.session.scalar(select(TikTokConnection).where(TikTokConnection.user_id == user_id))


@pytest.fixture
def sari(app, sandbox, act):
    enable_oauth(app)
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        user = factories.creator()
        auth.set_locale(user, "en")
        user_id = user.id
    act.login("sari@example.com")
    return user_id, tt


def test_connect_stores_encrypted_tokens_and_the_verified_username(app, act, sandbox, sari):
    user_id, _ = sari
    authorize = start(act)
    parts = urlsplit(authorize)
    query = parse_qs(parts.query)
    assert parts.path == "/v2/auth/authorize/" and authorize.startswith(sandbox.base_url)
    assert query["client_key"] == [KEY] and query["response_type"] == ["code"]
    assert query["scope"] == ["user.info.basic,user.info.profile,video.list"]  # commas
    assert query["redirect_uri"] == ["http://localhost/account/tiktok/callback"]
    assert len(query["state"][0]) >= 32

    page = act.client.get(consent(authorize, user="sari.dance", auto=1), follow_redirects=True)
    assert "Connected: TikTok account @sari.dance" in page.get_data(as_text=True)
    with app.app_context():
        conn = stored(user_id)
        assert conn.status == "active" and conn.username == "sari.dance" and conn.open_id
        assert "act." not in conn.access_token and "rft." not in conn.refresh_token
        assert crypto.decrypt(conn.access_token).startswith("act.")
        assert crypto.decrypt(conn.refresh_token).startswith("rft.")
        left = conn.access_expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        assert timedelta(hours=23) < left <= timedelta(hours=24)
    (exchange,) = sandbox_log(sandbox, "/v2/oauth/token/")
    assert exchange["form"]["grant_type"] == "authorization_code"
    assert exchange["form"]["client_secret"] == "***"  # sent (in the body), masked by the log
    (info,) = sandbox_log(sandbox, "/v2/user/info/")
    assert "username" in info["args"]["fields"].split(",")
    assert "Connected as @sari.dance" in act.client.get("/account/tiktok").get_data(as_text=True)


@pytest.mark.parametrize("state", ["forged", ""])
def test_a_callback_whose_state_does_not_match_is_refused(app, act, sandbox, sari, state):
    user_id, _ = sari
    callback = consent(start(act), user="sari.dance", auto=1)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    page = act.client.get(f"/account/tiktok/callback?code={code}&state={state}",
                          follow_redirects=True).get_data(as_text=True)
    assert "did not start here" in page
    assert not sandbox_log(sandbox, "/v2/oauth/token/")  # the code was never even exchanged
    with app.app_context():
        assert stored(user_id) is None


def test_a_state_is_used_once(app, act, sandbox, sari):
    user_id, _ = sari
    callback = consent(start(act), user="sari.dance", auto=1)
    act.client.get(callback)
    with app.app_context():
        connections.disconnect(user_id)
    replay = act.client.get(callback, follow_redirects=True).get_data(as_text=True)
    assert "did not start here" in replay


def test_deny_on_tiktok_says_so_and_stores_nothing(app, act, sandbox, sari):
    user_id, _ = sari
    page = connect(act, auto="deny")
    assert "You did not allow ViewPay on TikTok" in page
    with app.app_context():
        assert stored(user_id) is None


def test_another_tiktok_account_is_not_bound(app, act, sandbox, sari):
    user_id, _ = sari
    factories.tiktok_user(sandbox, "budi_masak")
    page = connect(act, who="budi_masak")
    assert "You signed in to TikTok as @budi_masak, but this ViewPay account is for @sari.dance" \
        in page
    with app.app_context():
        assert stored(user_id) is None
    assert sandbox_log(sandbox, "/v2/oauth/revoke/")  # the unused grant is handed back


def test_unticked_scopes_are_explained_and_nothing_is_bound(app, act, sandbox, sari):
    user_id, _ = sari
    page = connect(act, scopes="user.info.basic")
    assert "Please allow ViewPay to see your profile and your videos" in page
    with app.app_context():
        assert stored(user_id) is None


def test_a_token_near_expiry_is_refreshed_and_the_refresh_token_rotates(app, act, sandbox, sari):
    user_id, _ = sari
    connect(act)
    with app.app_context():
        conn = stored(user_id)
        old_access = crypto.decrypt(conn.access_token)
        old_refresh = crypto.decrypt(conn.refresh_token)
        assert tokens.access_token(user_id) == old_access  # 24 h left: used as is
        conn.access_expires_at = utcnow() + timedelta(minutes=30)  # under the 1 h margin
        db.session.commit()
        new_access = tokens.access_token(user_id)
        conn = stored(user_id)
        assert new_access != old_access and crypto.decrypt(conn.access_token) == new_access
        assert crypto.decrypt(conn.refresh_token) != old_refresh and conn.refreshed_at
    (refresh,) = [r for r in sandbox_log(sandbox, "/v2/oauth/token/")
                  if r["form"]["grant_type"] == "refresh_token"]
    assert refresh["status"] == 200
    who = requests.get(sandbox.base_url + "/v2/user/info/", params={"fields": "username"},
                       headers={"Authorization": f"Bearer {new_access}"}, timeout=5)
    assert who.json()["data"]["user"]["username"] == "sari.dance"


def test_the_periodic_job_refreshes_tokens_expiring_before_the_next_scan(app, act, sandbox, sari):
    user_id, _ = sari
    connect(act)
    with app.app_context():
        assert tokens.refresh_expiring(3600) == 0  # 24 h left
        before = stored(user_id).refresh_token
        assert tokens.refresh_expiring(2 * 86400) == 1
        assert stored(user_id).refresh_token != before


def test_disconnect_revokes_at_tiktok_and_forgets_the_tokens(app, act, sandbox, sari):
    user_id, _ = sari
    connect(act)
    with app.app_context():
        access = crypto.decrypt(stored(user_id).access_token)
    response = act.client.post("/account/tiktok/disconnect",
                               data={"csrf_token": csrf_token(act.client)}, follow_redirects=True)
    assert "Disconnected" in response.get_data(as_text=True)
    (revoke,) = sandbox_log(sandbox, "/v2/oauth/revoke/")
    assert revoke["status"] == 200 and revoke["form"]["client_secret"] == "***"
    dead = requests.get(sandbox.base_url + "/v2/user/info/", params={"fields": "open_id"},
                        headers={"Authorization": f"Bearer {access}"}, timeout=5)
    assert dead.status_code == 401
    with app.app_context():
        assert stored(user_id) is None


def revoke_at_tiktok(sandbox, access):
    """What the creator removing ViewPay in TikTok's settings does to our grant."""
    requests.post(sandbox.base_url + "/v2/oauth/revoke/", timeout=5,
                  data={"client_key": KEY, "client_secret": SECRET, "token": access})


def test_invalid_grant_marks_the_connection_broken_and_the_creator_is_told(app, act, sandbox, sari):
    user_id, _ = sari
    connect(act)
    with app.app_context():
        conn = stored(user_id)
        revoke_at_tiktok(sandbox, crypto.decrypt(conn.access_token))
        conn.access_expires_at = utcnow() + timedelta(minutes=5)
        db.session.commit()
        assert tokens.access_token(user_id) is None  # refresh -> invalid_grant
        conn = stored(user_id)
        assert conn.status == "broken" and "invalid_grant" in conn.last_error
        assert tokens.access_token(user_id) is None  # no more calls while broken
    assert len([r for r in sandbox_log(sandbox, "/v2/oauth/token/")
                if r["form"]["grant_type"] == "refresh_token"]) == 1
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert "Your TikTok connection stopped working" in page and "Connect again" in page
    assert "Connect again" in act.client.get("/dashboard").get_data(as_text=True)
    connect(act)  # reconnecting repairs it
    with app.app_context():
        assert stored(user_id).status == "active"


def test_without_a_client_key_there_is_no_connect_button(app, act, sandbox, sari):
    app.config.update(TIKTOK_CLIENT_KEY="")
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert "Connect TikTok" not in page and "Get my code" in page
    response = act.client.post("/account/tiktok/connect",
                               data={"csrf_token": csrf_token(act.client)}, follow_redirects=True)
    assert "not available right now" in response.get_data(as_text=True)


def test_account_page_needs_login_and_is_for_creators(app, client, sandbox):
    assert client.get("/account/tiktok").status_code == 302
    with app.app_context():
        factories.admin()
    from tests.conftest import Actions

    Actions(app, client).login("admin@example.com")
    assert client.get("/account/tiktok").status_code == 404


def connect_creator(app, sandbox, user_id, handle):
    """Connect a creator without a browser (service level): consent at the sandbox, then the
    same `connections.connect` the callback route calls. Needs an app context."""
    from webapp.tiktok.client import login_kit

    enable_oauth(app)
    app.config["TIKTOK_REDIRECT_URI"] = "https://viewpay.example/account/tiktok/callback"
    answer = requests.get(login_kit().authorize_url("s") + f"&sandbox_user={handle}"
                          "&sandbox_auto=1", allow_redirects=False, timeout=5)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return connections.connect(user_id, code)


def test_one_tiktok_account_connects_to_one_viewpay_account(app, act, sandbox, sari):
    user_id, tt = sari
    connect(act)
    act.logout()
    # The TikTok account renames itself to the twin's handle: its id stays with the first.
    requests.patch(sandbox.base_url + f"/_sandbox/users/{tt['user_id']}",
                   json={"handle": "sari.renamed"}, timeout=5).raise_for_status()
    with app.app_context():
        auth.set_locale(factories.creator("twin@example.com", "sari.renamed"), "en")
    act.login("twin@example.com")
    page = connect(act, who="sari.renamed")
    assert "already linked to another ViewPay account" in page
    with app.app_context():
        assert stored(user_id).status == "active"  # the first creator's grant was not revoked
        assert crypto.decrypt(stored(user_id).access_token)
    assert sandbox_log(sandbox, "/v2/oauth/revoke/") == []


def test_two_workers_refreshing_at_once_rotate_the_token_once(app, act, sandbox, sari):
    import threading

    user_id, _ = sari
    connect(act)
    with app.app_context():
        conn_id = stored(user_id).id
    got = []

    def worker():
        with app.app_context():
            got.append(tokens.refresh(conn_id, within=timedelta(days=2)))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    grants = [r for r in sandbox_log(sandbox, "/v2/oauth/token/")
              if r["form"]["grant_type"] == "refresh_token"]
    assert len(grants) == 1  # the second worker found the fresh token instead of a dead one
    with app.app_context():
        conn = stored(user_id)
        assert conn.status == "active" and got == [crypto.decrypt(conn.access_token)] * 2


def _connect_with_host(act, host):
    """Press "Connect TikTok" in a request whose Host header an attacker chose."""
    client = act.client
    token = csrf_token(client)
    client.set_cookie("session", client.get_cookie("session").value, domain=host)
    return client.post("/account/tiktok/connect", data={"csrf_token": token},
                       headers={"Host": host})


def test_a_forged_host_never_becomes_the_redirect_uri(app, act, sandbox, sari):
    response = _connect_with_host(act, "evil.example")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["redirect_uri"] == ["http://localhost/account/tiktok/callback"]


def test_without_a_configured_redirect_uri_nothing_goes_to_tiktok(app, act, sandbox, sari):
    app.config.update(TIKTOK_REDIRECT_URI="", SERVER_NAME=None)  # as if start-up was skipped
    response = _connect_with_host(act, "evil.example")
    assert "evil.example" not in response.headers.get("Location", "")
    assert not response.headers.get("Location", "").startswith(sandbox.base_url)
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert "Connect TikTok" not in page


def test_start_up_refuses_login_kit_without_a_redirect_uri_from_settings(app):
    from flask import Flask

    from webapp.auth import redirect_uri

    def settings(**config):
        fake = Flask("settings")
        fake.config.update({"TIKTOK_CLIENT_KEY": KEY, "SERVER_NAME": None, **config})
        redirect_uri.check_settings(fake)
        return fake.config["TIKTOK_REDIRECT_URI"]

    with pytest.raises(RuntimeError, match="TIKTOK_REDIRECT_URI"):
        settings(TIKTOK_REDIRECT_URI="")
    with pytest.raises(RuntimeError, match="absolute"):
        settings(TIKTOK_REDIRECT_URI="/account/tiktok/callback")
    assert settings(TIKTOK_REDIRECT_URI="https://viewpay.example/cb") == \
        "https://viewpay.example/cb"
    assert settings(TIKTOK_REDIRECT_URI="", SERVER_NAME="viewpay.example",
                    PREFERRED_URL_SCHEME="https") == \
        "https://viewpay.example/account/tiktok/callback"
    without_key = Flask("no_key")
    without_key.config.update(TIKTOK_CLIENT_KEY="", TIKTOK_REDIRECT_URI="")
    redirect_uri.check_settings(without_key)  # no Login Kit: nothing to check
