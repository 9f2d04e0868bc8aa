"""The review queue in a real browser: at 1280 px an admin reviews with the keyboard (j/k, a, r,
x, ?) and each row changes in place; on a 360 px phone the page fits and every tap target of
the queue is at least 44 px."""
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.models import Submission

SMALL_TAP_TARGETS = """() => [...document.getElementById('review-queue').querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => (el.matches('input[type=checkbox]') && el.closest('label')) || el)
  .map(el => ({what: el.outerHTML.slice(0, 90), height: el.getBoundingClientRect().height}))
  .filter(t => t.height < 44)"""


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_keyboard_review_in_place_and_the_phone_fit(app, sandbox, live_server, browser_page):
    with app.app_context():
        budi_tt = factories.tiktok_user(sandbox, "budi_masak")
        budi = factories.creator("budi@example.com", "budi_masak")
        factories.prove(budi, budi_tt["user_id"])
        factories.admin()
        ids = []
        for views in (100, 200, 300):
            vid = factories.tiktok_video(sandbox, budi_tt["user_id"], views=views)
            ids.append(services.submit(
                budi.id, f"https://www.tiktok.com/@budi_masak/video/{vid}").id)
            services.verify(ids[-1])
    first, second, third = (f"row-{i}" for i in ids)

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "admin@example.com", lands_on="/admin/")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    expect(page.locator("#aq-approve")).to_be_disabled()
    expect(page.locator("#aq-reject")).to_be_disabled()

    page.keyboard.press("j")
    assert focused_id(page) == first
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert focused_id(page) == first
    page.keyboard.press("a")  # approves the focused row, in place
    expect(page.locator(f"#{first}.status-approved")).to_be_visible()
    assert focused_id(page) == first

    page.keyboard.press("j")
    page.keyboard.press("r")  # the reason form replaces the row, the cursor in its reason
    reason = page.locator(f"#{second} textarea")
    expect(reason).to_be_focused()
    page.keyboard.type("kak, ini bukan videomu")  # letters of shortcuts, typed: no shortcut fires
    expect(page.locator(f"#{second} textarea")).to_have_value("kak, ini bukan videomu")
    page.locator(f"#{second} button[type=submit]").click()
    expect(page.locator(f"#{second}.status-rejected")).to_be_visible()

    page.keyboard.press("j")
    page.keyboard.press("x")  # ticks the focused row: the bulk buttons wake up
    expect(page.locator(f"#{third} input[name=ids]")).to_be_checked()
    expect(page.locator("#aq-approve")).to_be_enabled()
    expect(page.locator("#aq-count")).to_have_text("1")
    page.keyboard.press("x")
    expect(page.locator("#aq-approve")).to_be_disabled()
    page.keyboard.press("?")
    expect(page.locator("#aq-help")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#aq-help")).to_be_hidden()
    assert page.evaluate("window.sameDocument") is True
    with app.app_context():
        assert [db.session.get(Submission, i).status for i in ids] == [
            "approved", "rejected", "pending_review"]

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + "/admin/?status=all")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(SMALL_TAP_TARGETS) == []
    page.goto(live_server + "/admin/videos")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
