"""A forgotten password on a 360 px phone, in Indonesian: "forgot" on the login page, the mail
read where the demo keeps it (the admins' outbox), a new password, and a login with it. Every
page on the way fits the screen with 44 px tap targets; the creator's header shows the bell."""
from playwright.sync_api import expect

from tests import factories
from tests.conftest import run_worker
from tests.e2e.conftest import login

NEW = "kopi-tubruk-77"
# Everything a finger can tap (a checkbox counts by its label) that is under 44 px tall.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => (el.matches('input[type=checkbox]') && el.closest('label')) || el)
  .map(el => ({what: el.outerHTML.slice(0, 90), height: el.getBoundingClientRect().height}))
  .filter(t => t.height < 44)"""


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url


def test_forgotten_password_to_a_new_login(app, sandbox, live_server, browser_page):
    app.config["PUBLIC_URL"] = live_server  # links in mail point at this server
    with app.app_context():
        factories.creator()
        factories.admin()
    page = browser_page

    page.goto(live_server + "/login")
    assert page.get_attribute("html", "lang") == "id"
    page.click("a[href='/password/forgot']")
    page.wait_for_url(live_server + "/password/forgot")
    fits(page)
    page.fill("#email", "sari@example.com ")
    page.click("#forgot button[type=submit]")
    expect(page.locator("#forgot [role=status]")).to_contain_text("sari@example.com")
    fits(page)
    run_worker(app)  # the job writes the mail into the outbox (no MAIL_URL: the demo's way)

    # The demo's mail: an admin reads it in the outbox, linked from Operations.
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/operations")
    page.click("#outbox-link a")
    page.wait_for_url(live_server + "/admin/outbox")
    mail = page.locator(".nt-mail").first
    mail.locator("summary").click()
    link = mail.locator(".nt-mail-links a[href*='/password/reset/']")
    expect(link).to_be_visible()
    fits(page)
    reset_url = link.get_attribute("href")
    assert reset_url.startswith(live_server + "/password/reset/")
    page.click("form[action='/logout'] button")

    page.goto(reset_url)
    assert page.get_attribute("html", "lang") == "id"
    fits(page)
    page.fill("#new_password", NEW)
    page.fill("#confirm", NEW)
    page.click("#reset button[type=submit]")
    page.wait_for_url(live_server + "/login")
    expect(page.locator("#flash .alert-msg")).to_be_visible()
    login(page, live_server, "sari@example.com", NEW, lands_on="/dashboard")

    # The creator's header: the bell, 44 px, and the page still fits.
    bell = page.locator("#nt-bell")
    expect(bell).to_be_visible()
    fits(page)
    bell.click()
    page.wait_for_url(live_server + "/notifications")
    fits(page)

    # The link worked once.
    page.goto(reset_url)
    expect(page.locator("#reset a[href='/password/forgot']")).to_be_visible()
