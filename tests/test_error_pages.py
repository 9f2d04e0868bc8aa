"""Every error a person can meet is our page (the layout, a viewport, their language) or, for
htmx, a fragment app.js shows as a message; never Werkzeug's unstyled English page."""
import re

import pytest
from flask import Response, abort
from flask_login import fresh_login_required

from tests import factories
from tests.conftest import _make_app, csrf_token

WERKZEUG = "<!doctype html>\n<html lang=en>\n<title>"


def assert_our_page(response, code: int, *words: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code, html
    assert WERKZEUG not in html
    assert '<meta name="viewport"' in html and 'class="top"' in html  # the layout
    assert 'id="error"' in html and f"Kesalahan {code}" in html  # Indonesian by default
    for word in words:
        assert word in html
    return html


def assert_our_fragment(response, code: int) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code, html
    assert 'id="error"' in html and "<html" not in html and WERKZEUG not in html
    assert re.search(r"<h1>[^<]+</h1>", html)  # app.js shows this heading
    return html


@pytest.fixture
def extra_routes(app):
    """Routes that fail the ways a library or a hurried view can (added before any request)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_t/unauthorized")
    def unauthorized():
        abort(401)  # e.g. Flask-Login without a handler; no words of its own

    @app.get("/_t/gone")
    def gone():
        abort(410)

    @app.get("/_t/abort-response")
    def abort_response():
        abort(Response(status=403))  # a ready-made answer never reaches error handlers

    @app.get("/_t/werkzeug-page")
    def werkzeug_page():
        from werkzeug.exceptions import NotImplemented as NotImplementedError_

        return NotImplementedError_().get_response()  # Werkzeug's page, returned as is

    @app.get("/_t/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/_t/fresh")
    @fresh_login_required
    def fresh():
        return "fresh"

    return app


@pytest.fixture
def sari(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    return act


def test_the_codes_people_meet_are_our_pages(app, client, sari):
    assert_our_page(client.get("/no-such-page"), 404, "Halaman tidak ditemukan")
    assert_our_page(client.get("/admin/"), 403, "Bukan untuk akunmu")  # a creator
    assert_our_page(client.get("/dashboard?q=a%00b"), 400)  # a NUL byte
    # 405 on a blueprint's POST-only route, keeping Allow.
    response = client.get("/logout")
    assert_our_page(response, 405, "Tidak bisa dengan cara itu")
    assert "POST" in response.headers["Allow"]
    response = client.get("/account/tiktok/bio-check")
    assert_our_page(response, 405)


def test_htmx_gets_fragments_for_the_same_codes(client, sari):
    headers = {"HX-Request": "true"}
    assert_our_fragment(client.get("/no-such-page", headers=headers), 404)
    assert_our_fragment(client.get("/admin/", headers=headers), 403)
    assert_our_fragment(client.get("/logout", headers=headers), 405)
    assert_our_fragment(client.post("/account/tiktok/bio-code", headers=headers), 400)  # CSRF


def test_an_expired_form_is_our_page_in_both_languages(client):
    html = assert_our_page(client.post("/login", data={"email": "a@example.com"}), 400)
    assert "Formulir ini sudah kedaluwarsa" in html
    client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/login"})
    html = client.post("/login", data={"email": "a@example.com"}).get_data(as_text=True)
    assert "This form has expired" in html and "Error 400" in html


def test_too_large_a_body_is_our_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/login", data={"email": "x" * 20_000, "csrf_token": "x"})
    assert_our_page(response, 413, "Terlalu besar")
    response = client.post("/login", data={"email": "x" * 20_000},
                           headers={"HX-Request": "true"})
    assert_our_fragment(response, 413)


def test_codes_without_words_of_their_own_borrow_the_closest(extra_routes, client):
    assert_our_page(client.get("/_t/unauthorized"), 401, "Bukan untuk akunmu")
    assert_our_page(client.get("/_t/gone"), 410, "Halaman tidak ditemukan")


def test_answers_that_skip_the_error_handlers_are_replaced(extra_routes, client):
    assert_our_page(client.get("/_t/abort-response"), 403, "Bukan untuk akunmu")
    html = assert_our_page(client.get("/_t/werkzeug-page"), 501)
    assert "Not Implemented" not in html
    fragment = client.get("/_t/abort-response", headers={"HX-Request": "true"})
    assert_our_fragment(fragment, 403)


def test_login_manager_answers_are_redirects_or_our_page(extra_routes, client):
    """Login required: a page redirects to the login, htmx gets HX-Redirect (its empty 401 is
    left alone). A fresh login required of a login resumed by remember-me is Flask-Login's own
    401 (no handler for it): our page."""
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get("/dashboard", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    assert response.get_data() == b""
    with extra_routes.app_context():
        factories.creator()
    client.post("/login", data={"email": "sari@example.com", "password": "password123",
                                "remember": "y", "csrf_token": csrf_token(client)})
    assert client.get("/_t/fresh").get_data(as_text=True) == "fresh"
    client.delete_cookie("session")  # the browser closed; the remember-me cookie brings her back
    assert_our_page(client.get("/_t/fresh"), 401)


def test_the_rate_limiter_s_429_is_our_page(app, _instance, sandbox):
    limited = _make_app(_instance, sandbox, app.config["SQLALCHEMY_DATABASE_URI"],
                        RATELIMIT_ENABLED=True)
    client = limited.test_client()
    token = csrf_token(client)
    for _ in range(10):  # /signup allows 10 a minute (each a failed form: cheap)
        assert client.post("/signup", data={"csrf_token": token}).status_code == 422
    response = client.post("/signup", data={"csrf_token": token})
    html = assert_our_page(response, 429, "Terlalu banyak percobaan")
    assert int(response.headers["Retry-After"]) > 0
    assert "Tunggu" in html or "Wait" in html  # how long, in words
    fragment = client.post("/signup", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert_our_fragment(fragment, 429)


def test_a_crash_is_our_page_and_fragment(extra_routes, client):
    assert_our_page(client.get("/_t/boom"), 500, "Terjadi kesalahan di sistem kami")
    assert_our_fragment(client.get("/_t/boom", headers={"HX-Request": "true"}), 500)


def test_the_favicon_is_there(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
