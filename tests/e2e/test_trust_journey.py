"""Trust before money in a real browser, in Indonesian, on a 360 px phone: a spiked video's
money is shown as under review, an admin clears the flag on the flags page, the creator sees
it pending with the day it becomes available."""
from sqlalchemy import select

from tests import factories
from tests.conftest import run_worker
from tests.e2e.conftest import login
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_spike_is_reviewed_then_released(app, sandbox, live_server, browser_page, tmp_path):
    from jobs.refresh import refresh_submission

    app.config["VALIDATION_DAYS"] = 3
    with app.app_context():
        video = factories.approved_video(sandbox, views=12_500_000)
    factories.set_views(sandbox, video["vid"], 500_000_000, likes=25_000_000)
    assert refresh_submission(video["sub_id"]) == "ok"

    page = browser_page
    login(page, live_server, "sari@example.com")
    page.goto(live_server + "/earnings/")
    assert page.text_content("#held").strip().startswith("Rp12.133,88")
    assert page.text_content("#available summary").strip() == "Rp0"
    reviews = page.text_content("#reviews")
    assert "Sedang ditinjau" in reviews or "sedang ditinjau" in reviews
    assert fits_phone(page)
    page.screenshot(path=str(tmp_path / "creator-held.png"), full_page=True)

    page.context.clear_cookies()
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/flags")
    card = page.locator("article.flag").first
    assert "12.500.000" in card.text_content() and "500.000.000" in card.text_content()
    card.locator("textarea").fill("Video viral, dicek langsung di TikTok")
    card.locator("button.primary").click()
    page.wait_for_selector("article.flag-cleared")
    page.screenshot(path=str(tmp_path / "admin-cleared.png"), full_page=True)

    page.context.clear_cookies()
    login(page, live_server, "sari@example.com")
    page.goto(live_server + "/earnings/")
    assert page.text_content("#held summary").strip() == "Rp0"
    assert page.text_content("#pending summary").strip() == "Rp12.445"
    schedule = page.text_content("#pending-schedule")
    assert "tersedia pada" in schedule
    assert fits_phone(page)
    page.screenshot(path=str(tmp_path / "creator-pending.png"), full_page=True)
