"""A creator withdraws on a 360 px phone; an admin approves and pays; the creator sees it paid."""
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_withdrawal_from_request_to_paid(app, sandbox, live_server, browser_page):
    with app.app_context():
        factories.approved_video(sandbox, views=1_000_000_007)  # Rp 24.890,00017423 for sari
    page = browser_page
    login(page, live_server, "sari@example.com")

    page.goto(live_server + "/earnings/")
    assert page.text_content("#earnings-balance").strip() == "Rp24.890"
    assert fits_phone(page)
    page.click("#withdraw-form a[href='/earnings/bank']")  # no bank details yet
    page.select_option("#bank_code", "bri")
    page.fill("#account_number", "0021-01-001234-56-7")
    page.fill("#holder_name", "Sari Dewi")
    page.click("#bank-form button[type=submit]")
    page.wait_for_url(live_server + "/earnings/")
    assert "BRI ••••4567" in page.text_content("#withdraw-form")

    page.evaluate("window.__notReloaded = true")
    page.fill("#amount", "30.000")  # more than available: refused in place
    page.click("#withdraw-form button[type=submit]")
    page.wait_for_selector("#withdraw-form .error")
    page.fill("#amount", "20.000")
    page.click("#withdraw-form button[type=submit]")
    expect(page.locator("#available summary")).to_have_text("Rp4.890")  # no eval under CSP
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("#payouts .payout").count() == 1
    page.click("#available summary")  # the exact figure is one tap away
    assert page.text_content("#available .exact").strip() == "Rp4.890,00017423"
    assert fits_phone(page)

    page.click("form[action='/logout'] button")
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/money/payouts")
    page.click("tr[id^=payout-] button.primary")  # "Approve"
    page.wait_for_selector("tr[id^=payout-].status-approved")
    page.click("tr[id^=payout-] button.primary")  # "Mark paid" opens the reference form
    page.fill("#reference", "BRI 2611250001")
    page.click("tr[id^=payout-] button[type=submit]")
    page.wait_for_selector("tr[id^=payout-].status-paid")

    page.click("form[action='/logout'] button")
    login(page, live_server, "sari@example.com")
    page.goto(live_server + "/earnings/")
    assert page.text_content("#earnings-balance").strip() == "Rp4.890"
    assert "BRI 2611250001" in page.text_content("#payouts")
    page.goto(live_server + "/earnings/ledger")
    assert page.locator(".entry").count() == 3  # views, withdrawal held, withdrawal paid
    assert fits_phone(page)
