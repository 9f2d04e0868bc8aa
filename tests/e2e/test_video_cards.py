"""A creator's video cards on a 360 px phone: cover and caption, served by ViewPay itself, and a
views number that updates (and lights up) without a reload."""
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login

CAPTION = ("Resep es kopi susu gula aren ala kafe, modal 10 ribu aja! Cocok buat jualan di depan "
           "rumah atau stok seminggu #kopisusu #resepminuman #fyp")


def test_cards_show_cover_and_caption_and_live_views(app, sandbox, live_server, browser_page):
    from jobs.refresh import refresh_submission
    from webapp.submissions import services

    with app.app_context():
        tt_user = factories.tiktok_user(sandbox, "sari.dance")
        sari, admin = factories.creator(), factories.admin()
        factories.prove(sari, tt_user["user_id"])
        ids = {}
        for name, extra in (("plain", {"cover_mode": "missing"}), ("shown", {"desc": CAPTION})):
            vid = factories.tiktok_video(sandbox, tt_user["user_id"], views=1000, **extra)
            sub_id = services.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}").id
            services.verify(sub_id)
            services.approve(sub_id, admin.id)
            ids[name] = (sub_id, vid)

    page = browser_page
    images = []
    page.on("request", lambda r: images.append(r.url) if r.resource_type == "image" else None)
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    page.evaluate("window.__notReloaded = true")

    sub_id, vid = ids["shown"]
    card = page.locator(f"#sub-{sub_id}")
    expect(card.locator(".vc-caption")).to_have_text(CAPTION)
    cover = card.locator("img.vc-img")
    expect(cover).to_be_visible()
    assert cover.evaluate("img => img.complete && img.naturalWidth") > 0  # it really loaded
    origin = urlsplit(live_server).netloc
    assert images and all(urlsplit(url).netloc == origin for url in images)  # never TikTok's CDN
    # Two lines at most, however long the caption: the card stays compact.
    line = float(card.locator(".vc-caption").evaluate("el => getComputedStyle(el).lineHeight")[:-2])
    assert card.locator(".vc-caption").bounding_box()["height"] <= 2 * line + 1
    expect(page.locator(f"#sub-{ids['plain'][0]} .vc-placeholder")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits the phone
    assert page.get_attribute("#live", "aria-live") == "polite"

    factories.set_views(sandbox, vid, 25_000)
    assert refresh_submission(sub_id) == "ok"
    views = card.locator(".views")
    expect(views).to_have_text("25.000", timeout=10_000)
    expect(views).to_have_class(re.compile(r"\bchanged\b"))  # live.js marks what moved
    assert page.evaluate("window.__notReloaded") is True  # same document: no reload
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(live_server + f"/submissions/{sub_id}")  # the video's own page fits too
    expect(page.locator("svg.chart")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_relative_times_keep_up_in_the_browser_without_a_new_render(app, sandbox, live_server,
                                                                  browser_page):
    """ "diperbarui 10 menit yang lalu · berikutnya dalam sekitar 50 menit" words itself from
    the card's timestamps as time passes (static/reltime.js): the fragment's ETag does not
    change with the minute, so the polls get only 304s and nothing is swapped."""
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from webapp.earnings.models import LedgerEntry
    from webapp.extensions import db
    from webapp.submissions.models import Submission
    from webapp.timeutil import utcnow

    with app.app_context():
        video = factories.approved_video(sandbox, views=0)  # no money: a quiet ledger
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0
        now = utcnow()
        db.session.execute(update(Submission).where(Submission.id == video["sub_id"]).values(
            last_view_update=now - timedelta(minutes=10), updated_at=now - timedelta(minutes=10),
            next_refresh_at=now + timedelta(minutes=50)))
        db.session.commit()

    page = browser_page
    page.clock.install()
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    assert page.get_attribute("html", "lang") == "id"
    page.evaluate("window.__swaps = 0; document.addEventListener('htmx:afterSwap', "
                  "() => window.__swaps++)")
    fresh = page.locator(f"#sub-{video['sub_id']} .vc-fresh")
    expect(fresh).to_have_text("diperbarui 10 menit yang lalu · berikutnya dalam sekitar 50 menit")

    polled = []
    page.on("response", lambda r: polled.append(r.status) if "/dashboard/live" in r.url else None)
    page.clock.fast_forward("20:00")
    expect(fresh).to_have_text("diperbarui 30 menit yang lalu · berikutnya dalam sekitar 30 menit")
    page.clock.fast_forward("30:00")
    expect(fresh).to_have_text("diperbarui 1 jam yang lalu · segera diperbarui lagi")
    page.wait_for_timeout(300)
    assert polled and set(polled) == {304}, polled  # it asked, and nothing had changed
    assert page.evaluate("window.__swaps") == 0
