"""Security headers on every answer, error pages in the layout, 413 for large bodies, and a real
browser that reports no Content-Security-Policy violation on the pages people use."""
import re
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import csrf_token
from tests.e2e.conftest import browser_page, live_server, login  # noqa: F401 - fixtures

TEMPLATES = Path(__file__).parent.parent / "webapp" / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+\s*=|hx-on|\sstyle\s*=|javascript:",
                    re.IGNORECASE)


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";")
            if part.strip()}


@pytest.mark.parametrize("path", ["/login", "/static/app.css", "/no-such-page", "/"])
def test_every_answer_has_the_headers(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in development


def test_forms_may_go_to_tiktok_for_the_oauth_redirect(app, client, sandbox):
    form_action = _csp(client.get("/login"))["form-action"].split()
    assert form_action == ["'self'", sandbox.base_url]  # the configured TIKTOK_WEB_BASE origin


def test_hsts_only_behind_https(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_htmx_is_configured_for_the_policy(client):
    html = client.get("/login").get_data(as_text=True)
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_script_handler_or_style(template):
    """The policy would block them: behaviour lives in static files, styles in app.css."""
    assert not INLINE.findall(template.read_text()), template


def test_not_found_is_a_small_page_in_the_layout(client):
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<meta name="viewport"' in html and 'class="top"' in html and 'id="error"' in html


def test_htmx_gets_a_fragment(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and 'id="error"' in html and "<html" not in html


def test_method_not_allowed_keeps_allow(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert 'id="error"' in response.get_data(as_text=True)


def test_api_paths_get_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.get_json() == {"error": {
        "code": "not_found", "message": "No such API endpoint."}}


def test_an_expired_form_says_so_in_indonesian(client):
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "Formulir ini sudah kedaluwarsa" in response.get_data(as_text=True)


def test_too_large_a_body_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    token = csrf_token(client)
    response = client.post("/login", data={"email": "x" * 20_000, "password": "p",
                                           "csrf_token": token})
    assert response.status_code == 413 and 'id="error"' in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers
    assert client.post("/api/anything", data="x" * 20_000).status_code in (404, 413)


def test_max_content_length_is_a_setting():
    from webapp.config import Config

    assert Config.MAX_CONTENT_LENGTH == 1_000_000


@pytest.fixture
def crashing_app(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does

    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_a_crash_is_a_small_page_with_the_headers(crashing_app):
    response = crashing_app.test_client().get("/_boom")
    assert response.status_code == 500
    assert 'id="error"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_crash_while_rendering_the_error_gets_the_plain_page(crashing_app, monkeypatch):
    from webapp import errors

    def broken(*args, **kwargs):
        raise RuntimeError("the database is down too")

    monkeypatch.setattr(errors, "render_template", broken)
    response = crashing_app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.get_data(as_text=True)


PAGES = {
    "sari@example.com": ["/dashboard", "/earnings/", "/earnings/bank", "/earnings/ledger",
                         "/account/tiktok", "/submissions/{sub_id}", "/no-such-page"],
    "admin@example.com": ["/admin/", "/admin/videos", "/admin/analytics", "/admin/flags",
                          "/admin/audit", "/admin/money/payouts", "/admin/money/rates",
                          "/admin/money/ledger", "/admin/money/videos/{sub_id}",
                          "/admin/videos/proposals"],
}


@pytest.mark.parametrize("email", sorted(PAGES))
def test_a_browser_reports_no_policy_violation(app, sandbox, live_server, browser_page, email):
    with app.app_context():
        sub_id = factories.approved_video(sandbox, views=5000)["sub_id"]
    page = browser_page
    problems = []
    page.on("console", lambda msg: problems.append(msg.text)
            if "Content Security Policy" in msg.text or msg.type == "error" and "htmx" in msg.text
            else None)
    login(page, live_server, email)
    for path in PAGES[email]:
        page.goto(live_server + path.format(sub_id=sub_id))
        assert page.evaluate("typeof htmx") == "object", path  # the vendored script ran
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    if email == "sari@example.com":  # htmx polls and swaps under the policy
        page.goto(live_server + "/dashboard")
        with page.expect_response(lambda r: "/dashboard/live" in r.url, timeout=10_000):
            pass
    assert problems == []
