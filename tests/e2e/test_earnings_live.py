"""A creator watches the earnings page on a 360 px phone: a new credit shows without reload,
the changed numbers are highlighted, and screen readers are told politely."""
import re
from decimal import Decimal

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login


def test_a_new_credit_updates_and_highlights_the_summary(app, sandbox, live_server, browser_page):
    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=150_247)
    page = browser_page
    login(page, live_server, "sari@example.com")
    page.goto(live_server + "/earnings/")
    assert page.get_attribute("#money-summary", "aria-live") == "polite"
    assert Decimal(page.get_attribute("#earnings-balance", "data-live-value")) == Decimal(
        "3.73964783")
    page.wait_for_timeout(1500)  # a poll answered 304: nothing swapped, nothing highlighted
    expect(page.locator("#money-summary .changed")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    factories.set_views(sandbox, video["vid"], 1_000_000)
    assert refresh_submission(video["sub_id"]) == "ok"  # the worker's job: fetch, then credit

    balance = page.locator("#earnings-balance")
    expect(balance).to_have_attribute("data-live-value", "24.89000000", timeout=10_000)
    expect(balance).to_have_class(re.compile(r"\bchanged\b"))
    expect(page.locator("#earned-today")).to_have_class(re.compile(r"\bchanged\b"))
    expect(page.locator("#held")).not_to_have_class(re.compile(r"\bchanged\b"))  # unchanged
    expect(balance).not_to_have_class(re.compile(r"\bchanged\b"), timeout=5_000)  # ~2 s flash
    assert page.evaluate("window.__notReloaded") is True  # same document: no reload
    assert page.get_attribute("#money-summary", "aria-live") == "polite"  # the region stayed
    assert page.locator("#earn-chart svg[role=img]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
