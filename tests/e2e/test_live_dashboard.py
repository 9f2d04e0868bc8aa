"""A creator watches earnings rise without reloading, on a 360 px wide phone screen."""
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login


def test_new_earnings_appear_without_reload(app, sandbox, live_server, browser_page):
    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=150_247)
    sub_id, vid = video["sub_id"], video["vid"]

    page = browser_page
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    assert page.text_content("#balance").strip() == "Rp3,74"
    page.evaluate("window.__notReloaded = true")

    factories.set_views(sandbox, vid, 1_000_000)
    assert refresh_submission(sub_id) == "ok"

    # A locator wait, not wait_for_function: the page's CSP forbids the eval that one needs.
    expect(page.locator("#balance")).to_have_text("Rp24,89", timeout=10_000)
    assert page.evaluate("window.__notReloaded") is True  # same document: no reload happened
    assert page.text_content(f"#sub-{sub_id} .views").strip() == "1.000.000"
    # Fits a phone: nothing wider than the 360 px viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Decimal(page.get_attribute("#balance", "data-exact")) == Decimal("24.89000000")


def test_checking_turns_into_verified_without_reload(app, sandbox, live_server, browser_page):
    from tests.conftest import run_worker

    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        factories.creator()
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    page = browser_page
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    page.fill("#url", f"https://www.tiktok.com/@sari.dance/video/{vid}")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector(".status-checking")
    run_worker(app)
    page.wait_for_selector(".status-pending_review", timeout=10_000)
    assert page.input_value("#url") == ""
