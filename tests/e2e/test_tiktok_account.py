"""A creator connects TikTok on the (sandbox) consent page and proves the account by bio code,
in a real browser on a phone-sized screen."""
import requests

from tests import factories
from tests.e2e.conftest import login


def sari_on_her_account_page(app, sandbox, live_server, page):
    """Sari (English UI) logged in, on /account/tiktok; returns her sandbox TikTok user."""
    from webapp.auth import services as auth

    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance", nickname="Sari Dewi")
        auth.set_locale(factories.creator(), "en")
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    page.goto(live_server + "/account/tiktok")
    return tt, page


def test_connect_on_tiktok_proves_the_account(app, sandbox, live_server, browser_page, tmp_path):
    app.config.update(TIKTOK_CLIENT_KEY="sandbox-client-key",
                      TIKTOK_CLIENT_SECRET="sandbox-client-secret",
                      TIKTOK_REDIRECT_URI=live_server + "/account/tiktok/callback")
    tt, page = sari_on_her_account_page(app, sandbox, live_server, browser_page)

    page.click("#tiktok-connection button.primary")  # Connect TikTok
    page.wait_for_url(sandbox.base_url + "/v2/auth/authorize/**")
    assert "@sari.dance" in page.text_content("form")
    page.click("button[value=allow]")
    page.wait_for_url(live_server + "/account/tiktok")
    assert "Connected as @sari.dance" in page.text_content("#tiktok-connection")
    # Logging in with TikTok proves the account: no bio code needed any more.
    assert "is yours" in page.text_content("#tiktok-bio .ok")
    page.screenshot(path=str(tmp_path / "connected.png"), full_page=True)


def test_prove_the_account_by_bio_code(app, sandbox, live_server, browser_page, tmp_path):
    """Without Login Kit: a code in the bio, read from the public profile."""
    tt, page = sari_on_her_account_page(app, sandbox, live_server, browser_page)
    page.click("#tiktok-bio button.primary")  # Get my code (htmx swaps the block in place)
    page.wait_for_selector("#bio-code")
    code = page.text_content("#bio-code").strip()
    requests.patch(f"{sandbox.base_url}/_sandbox/users/{tt['user_id']}",
                   json={"signature": f"Dance covers {code}"}, timeout=5).raise_for_status()
    page.click("#tiktok-bio button.primary")  # Check my bio
    page.wait_for_selector("#tiktok-bio .ok")
    assert "is yours" in page.text_content("#tiktok-bio")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "verified.png"), full_page=True)
