"""A message after each action: on the next page, or out of band on the htmx answer itself."""
import re

import requests

from tests import factories
from tests.conftest import csrf_token
from webapp.auth import services as auth

OOB = 'id="flash" class="flashes" aria-live="polite" hx-swap-oob="innerHTML"'


def messages(html: str) -> list[tuple[str, str, str]]:
    """(kind, role, text) of each message at the top of the page."""
    return re.findall(r'<div class="alert-msg (\w+)" role="(\w+)">\s*<p>([^<]+)</p>', html)


def english_creator(app, **extra):
    with app.app_context():
        user = factories.creator(**extra)
        auth.set_locale(user, "en")
        return user.id


def test_an_htmx_answer_carries_its_message_out_of_band(app, act, sandbox):
    english_creator(app)
    tt = factories.tiktok_user(sandbox, "sari.dance")
    act.login("sari@example.com")
    fragment = act.hx_post("/account/tiktok/bio-code").get_data(as_text=True)
    assert OOB not in fragment  # nothing was flashed
    code = re.search(r'id="bio-code">([^<]+)<', fragment).group(1)
    requests.patch(f"{sandbox.base_url}/_sandbox/users/{tt['user_id']}",
                   json={"signature": f"hi {code}"}, timeout=5).raise_for_status()
    fragment = act.hx_post("/account/tiktok/bio-check").get_data(as_text=True)
    assert 'id="tiktok-bio"' in fragment and OOB in fragment
    assert messages(fragment) == [("success", "status", "Verified: this TikTok account is yours. "
                                   "You can remove the code from your bio.")]
    assert messages(act.client.get("/account/tiktok").get_data(as_text=True)) == []  # said once


def test_an_htmx_redirect_leaves_the_message_for_the_next_page(app, act):
    english_creator(app)
    act.login("sari@example.com")
    response = act.hx_post("/account/handle", {"tiktok_handle": "sari.menari"})
    assert response.headers["HX-Redirect"] == "/account/tiktok"
    assert OOB not in response.get_data(as_text=True)
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert ("success", "status", "Saved: your TikTok handle is @sari.menari.") in messages(page)


def test_failures_are_error_messages_and_successes_say_so(app, act):
    english_creator(app)
    act.login("sari@example.com")
    token = csrf_token(act.client)
    page = act.client.post("/account/tiktok/bio-check", data={"csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    (kind, role, text), = messages(page)  # no code was ever issued
    assert (kind, role) == ("error", "alert") and "code has expired" in text
    page = act.client.post("/account/password", follow_redirects=True, data={
        "csrf_token": token, "current_password": "password123",
        "new_password": "another-pass-42", "confirm": "another-pass-42"}).get_data(as_text=True)
    assert ("success", "status",
            "Password changed. You are logged out on every other device.") in messages(page)


def test_switching_language_is_confirmed_in_the_new_language(client):
    token = csrf_token(client)
    page = client.post("/lang/en", data={"csrf_token": token, "next": "/login"},
                       follow_redirects=True).get_data(as_text=True)
    assert ("success", "status", "Language: English.") in messages(page)
    assert 'lang="en"' in page
