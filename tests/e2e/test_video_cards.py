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
