"""The login page a visitor without a login sees is rendered once per language and URL, each
visitor's CSRF token filled in: it must be exactly the page a fresh render gives, and the token
in it must be the visitor's own."""
import re

from flask import g, render_template

from tests import factories
from tests.conftest import csrf_token
from webapp.auth.forms import LoginForm

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def tokens(html: str) -> set[str]:
    """Every CSRF token a page carries (the form's field, htmx's header, the language switch)."""
    return set(TOKEN.findall(html)) | set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))


def fresh_render(app, path: str, token: str, lang: str | None = None) -> str:
    """The login page rendered from its template now, as the view did before it kept pages."""
    with app.test_request_context(path):
        from flask import session

        if lang:
            session["lang"] = lang
        g.csrf_token = token
        return render_template("auth/login.html", form=LoginForm())


def test_the_kept_page_is_the_fresh_page_with_the_visitor_s_own_token(app):
    for path in ("/login", "/login?next=/earnings/"):
        for lang in (None, "en"):
            client = app.test_client()
            if lang:
                client.post(f"/lang/{lang}", data={"csrf_token": csrf_token(client)})
                client.get(path)  # shows "Language: English." once
            first, again = client.get(path), client.get(path)
            assert first.status_code == again.status_code == 200
            (token,) = tokens(first.get_data(as_text=True))  # the same one, three times
            assert first.get_data(as_text=True) == fresh_render(app, path, token, lang)
            assert again.get_data(as_text=True) == first.get_data(as_text=True)


def test_each_visitor_gets_a_token_of_their_own_that_logs_them_in(app):
    with app.app_context():
        factories.creator()
    sari, budi = app.test_client(), app.test_client()
    sari_page, budi_page = sari.get("/login").get_data(as_text=True), budi.get("/login").get_data(
        as_text=True)
    (sari_token,), (budi_token,) = tokens(sari_page), tokens(budi_page)
    assert sari_token != budi_token
    assert sari_page.replace(sari_token, "") == budi_page.replace(budi_token, "")
    stolen = budi.post("/login", data={"email": "sari@example.com", "password": "password123",
                                       "csrf_token": sari_token})
    assert stolen.status_code == 400  # another visitor's token is no token
    own = sari.post("/login", data={"email": "sari@example.com", "password": "password123",
                                    "csrf_token": sari_token})
    assert own.status_code == 302


def test_a_message_waiting_for_the_visitor_is_shown(app, client):
    client.get("/login")  # the plain page is kept
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Kata sandi baru tersimpan.")]
    assert "Kata sandi baru tersimpan." in client.get("/login").get_data(as_text=True)
    assert "Kata sandi baru tersimpan." not in client.get("/login").get_data(as_text=True)


def test_a_logged_in_visitor_gets_the_page_with_their_header(app, act):
    with app.app_context():
        factories.creator()
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    act.login("sari@example.com")
    page = act.client.get("/login").get_data(as_text=True)
    assert 'action="/logout"' in page and 'action="/logout"' not in anonymous
