"""Sessions that end: logout, log out everywhere and a new password end logins on the server,
whatever cookies a browser (or a thief) still holds. Each request gets its own app context, as
in production: no context is held open across requests here."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.conftest import csrf_token
from webapp.auth.login import REMEMBER_COOKIE
from webapp.auth.models import UserSession
from webapp.extensions import db
from webapp.timeutil import utcnow

PASSWORD = "password123"  # the factories' password (set without the sign-up checks)
NEW_PASSWORD = "kopi-tubruk-77"


@pytest.fixture
def sari(app):
    with app.app_context():
        return factories.creator().id


def login(client, email="sari@example.com", password=PASSWORD, remember=False):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def logged_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def browser_with(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def rows(app, user_id):
    with app.app_context():
        return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)))


def test_a_copied_session_cookie_works_until_logout_and_never_after(app, sari):
    client = app.test_client()
    login(client)
    copied = cookie(client, "session")
    assert logged_in(browser_with(app, session=copied))  # what a thief's copy is worth now

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert not logged_in(client)
    assert not logged_in(browser_with(app, session=copied))
    assert rows(app, sari) == []


def test_without_remember_me_no_cookie_outlives_the_browser_session(app, sari):
    client = app.test_client()
    response = login(client)
    set_cookies = " ".join(response.headers.getlist("Set-Cookie"))
    assert REMEMBER_COOKIE not in set_cookies and "remember_token" not in set_cookies
    assert cookie(client, REMEMBER_COOKIE) is None


def test_remember_me_brings_a_closed_browser_back_and_rotates_its_token(app, sari):
    client = app.test_client()
    response = login(client, remember=True)
    first = cookie(client, REMEMBER_COOKIE)
    assert first and len(first) >= 40
    header = next(h for h in response.headers.getlist("Set-Cookie") if REMEMBER_COOKIE in h)
    assert "HttpOnly" in header and "Max-Age=2592000" in header  # 30 days
    (row,) = rows(app, sari)
    assert first not in (row.remember_hash, row.session_hash)  # stored hashed only

    reopened = browser_with(app, **{REMEMBER_COOKIE: first})  # the session cookie is gone
    assert logged_in(reopened)
    second = cookie(reopened, REMEMBER_COOKIE)
    assert second and second != first
    assert logged_in(reopened)  # now on its new session, the same token
    assert cookie(reopened, REMEMBER_COOKIE) == second

    assert not logged_in(browser_with(app, **{REMEMBER_COOKIE: first}))  # used once
    assert logged_in(browser_with(app, **{REMEMBER_COOKIE: second}))


def test_the_remember_me_cookie_alone_is_worthless_after_logout(app, sari):
    client = app.test_client()
    login(client, remember=True)
    token = cookie(client, REMEMBER_COOKIE)
    copied_session = cookie(client, "session")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert cookie(client, REMEMBER_COOKIE) is None  # the browser is told to forget it
    assert not logged_in(browser_with(app, **{REMEMBER_COOKIE: token}))
    assert not logged_in(browser_with(app, session=copied_session, **{REMEMBER_COOKIE: token}))


def test_the_old_user_id_hmac_cookie_logs_nobody_in(app, sari):
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        legacy = encode_cookie(str(sari))  # what Flask-Login's remember-me cookie used to hold
    assert not logged_in(browser_with(app, remember_token=legacy))


def test_log_out_everywhere_ends_every_other_browser_and_this_one(app, sari):
    phone, laptop, remembered = app.test_client(), app.test_client(), app.test_client()
    login(phone)
    login(laptop)
    login(remembered, remember=True)
    token = cookie(remembered, REMEMBER_COOKIE)
    assert len(rows(app, sari)) == 3

    response = phone.post("/account/logout-everywhere", data={"csrf_token": csrf_token(phone)})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert not logged_in(phone) and not logged_in(laptop) and not logged_in(remembered)
    assert not logged_in(browser_with(app, **{REMEMBER_COOKIE: token}))
    assert rows(app, sari) == []


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new,
        "csrf_token": csrf_token(client)})


def test_a_new_password_ends_every_other_login_and_keeps_this_one(app, sari):
    mine, other = app.test_client(), app.test_client()
    login(mine)
    login(other, remember=True)
    other_token = cookie(other, REMEMBER_COOKIE)

    response = change_password(mine)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert logged_in(mine)
    assert not logged_in(other)
    assert not logged_in(browser_with(app, **{REMEMBER_COOKIE: other_token}))
    assert len(rows(app, sari)) == 1

    fresh = app.test_client()
    assert fresh.post("/login", data={"email": "sari@example.com", "password": PASSWORD,
                                      "csrf_token": csrf_token(fresh)}).status_code == 422
    login(fresh, password=NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(app, sari):
    mine, other = app.test_client(), app.test_client()
    login(mine)
    login(other)
    mine.post("/lang/en", data={"csrf_token": csrf_token(mine)})
    response = change_password(mine, current="not-my-password")
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert logged_in(other) and len(rows(app, sari)) == 2


def test_the_csrf_token_rotates_at_login(app, sari):
    client = app.test_client()
    before = csrf_token(client)
    client.post("/lang/en", data={"csrf_token": before})  # the anonymous token works
    login(client)
    after = csrf_token(client)
    assert after != before
    # The anonymous session's token is worthless once logged in: the CSRF secret was replaced.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert logged_in(client)
    assert "lang=\"en\"" in client.get("/dashboard").get_data(as_text=True)  # kept across login


def test_an_expired_login_loads_nobody(app, sari):
    client = app.test_client()
    login(client)
    with app.app_context():
        db.session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not logged_in(client)


def test_admins_have_the_password_page_too(app):
    with app.app_context():
        factories.admin()
    client = app.test_client()
    login(client, email="admin@example.com")
    page = client.get("/account/password")
    assert page.status_code == 200
    assert re.search(r'name="current_password"', page.get_data(as_text=True))
    assert client.get("/account/tiktok").status_code == 404  # still creators only


def test_the_account_page_offers_password_change_and_log_out_everywhere(app, sari):
    client = app.test_client()
    login(client)
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    page = client.get("/account/tiktok").get_data(as_text=True)
    assert 'action="/account/logout-everywhere"' in page and 'href="/account/password"' in page


def test_a_remembered_session_cookie_still_expires_and_still_needs_the_key(app, sari):
    """A cookie verified once is remembered by the process (extensions.SessionCookies): its
    age is still checked on every request, and a new key still refuses it."""
    import time

    client = app.test_client()
    login(client)
    assert logged_in(client) and logged_in(client)  # verified, then remembered
    app.permanent_session_lifetime = timedelta(seconds=1)
    time.sleep(2.1)
    assert not logged_in(client)  # too old: as good as no cookie
    app.permanent_session_lifetime = timedelta(days=31)
    assert logged_in(client)
    app.secret_key = "another key"
    assert not logged_in(client)


def test_a_request_changing_its_session_changes_no_other_request_with_that_cookie(app):
    """Each request gets its own copy of a remembered cookie's values: the language chosen by
    one request (its answer sets a new cookie) is not in another browser still sending the
    old cookie."""
    client = app.test_client()
    token = csrf_token(client)  # the login page: a cookie with the form's token
    client.get("/login")  # (Flask-Login adds a mark to the session: a new cookie)
    old = cookie(client, "session")
    assert '<html lang="id"' in client.get("/login").get_data(as_text=True)  # remembered now
    assert cookie(client, "session") == old
    assert client.post("/lang/en", data={"csrf_token": token}).status_code == 302
    assert cookie(client, "session") != old
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)
    replay = browser_with(app, session=old)
    assert '<html lang="id"' in replay.get("/login").get_data(as_text=True)
