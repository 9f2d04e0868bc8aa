"""A creator on a 360 px phone, in Indonesian: a long status badge wraps inside the page, an
amount opened to its exact figure stays open when the summary updates itself, the dashboard
shows only the latest outcome of a submit, and the money menu fits one line."""
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_long_status_badge_wraps_and_a_short_one_stays_on_one_line(app, sandbox, live_server,
                                                                      browser_page):
    from webapp.submissions import services

    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        sari, admin = factories.creator(), factories.admin()
        factories.prove(sari, tt["user_id"])
        ids = {}
        for name in ("waiting", "approved"):
            vid = factories.tiktok_video(sandbox, tt["user_id"], views=843,
                                         desc="Nasi goreng 15 menit #resep")
            url = f"https://www.tiktok.com/@sari.dance/video/{vid}"
            ids[name] = services.submit(sari.id, url).id
            services.verify(ids[name])
        services.approve(ids["approved"], admin.id)
    page = browser_page
    login(page, live_server, "sari@example.com")

    page.goto(f"{live_server}/submissions/{ids['waiting']}")
    badge = page.locator(".vc-detail .badge")
    expect(badge).to_have_text("Terverifikasi, menunggu ditinjau")
    assert page.evaluate(FITS)
    box = badge.bounding_box()
    assert box["x"] + box["width"] <= 360

    page.goto(f"{live_server}/submissions/{ids['approved']}")
    badge = page.locator(".vc-detail .badge")
    expect(badge).to_have_text("Disetujui")
    assert page.evaluate(FITS)
    # One line: its height is one line of its text plus its padding, not two.
    one_line = badge.evaluate("""b => {
      const s = getComputedStyle(b);
      return b.getBoundingClientRect().height
        < 1.9 * parseFloat(s.lineHeight === 'normal' ? parseFloat(s.fontSize) * 1.2 : s.lineHeight);
    }""")
    assert one_line


def test_an_opened_amount_stays_open_when_the_summary_updates(app, sandbox, live_server,
                                                              browser_page):
    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=150_247)
    page = browser_page
    login(page, live_server, "sari@example.com")
    page.goto(live_server + "/earnings/")
    expect(page.locator("#money-summary")).to_contain_text("Ketuk jumlahnya")
    available = page.locator("#available details.money")
    available.locator("summary").click()
    expect(available).to_have_attribute("open", "")
    expect(available.locator(".exact")).to_be_visible()

    factories.set_views(sandbox, video["vid"], 1_000_000)
    assert refresh_submission(video["sub_id"]) == "ok"  # a credit: the next poll swaps

    expect(page.locator("#earnings-balance")).to_have_attribute(
        "data-live-value", "24.89000000", timeout=10_000)
    page.wait_for_timeout(300)  # past htmx's settle
    available = page.locator("#available details.money")  # a new element, after the swap
    assert available.evaluate("d => d.open") is True
    expect(available.locator(".exact")).to_be_visible()
    assert page.locator("#pending details.money").evaluate("d => d.open") is False  # untouched
    # Closed by the person, it stays closed through the next update.
    available.locator("summary").click()
    factories.set_views(sandbox, video["vid"], 2_000_000)
    assert refresh_submission(video["sub_id"]) == "ok"
    expect(page.locator("#earnings-balance")).not_to_have_attribute(
        "data-live-value", "24.89000000", timeout=10_000)
    page.wait_for_timeout(300)
    assert page.locator("#available details.money").evaluate("d => d.open") is False


def test_after_a_success_the_next_error_replaces_the_green_message(app, sandbox, live_server,
                                                                     browser_page):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        factories.creator()
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    page = browser_page
    login(page, live_server, "sari@example.com", lands_on="/dashboard")
    url = f"https://www.tiktok.com/@sari.dance/video/{vid}"

    page.fill("#url", url)
    page.click("#submit-form button[type=submit]")
    expect(page.locator("#flash .alert-msg.success")).to_contain_text("Terkirim")
    expect(page.locator("#url")).to_have_value("")

    page.fill("#url", url)
    page.click("#submit-form button[type=submit]")
    expect(page.locator("#submit-form .error")).to_have_text("Video ini sudah pernah dikirim.")
    expect(page.locator("#flash .alert-msg")).to_have_count(0)


def test_the_money_menu_fits_one_line_without_my_videos(app, sandbox, live_server, browser_page):
    with app.app_context():
        factories.approved_video(sandbox, views=150_247)
    page = browser_page
    login(page, live_server, "sari@example.com")
    for path in ("/earnings/", "/earnings/ledger", "/earnings/bank"):
        page.goto(live_server + path)
        links = page.locator("nav.subnav a")
        expect(links).to_have_text(["Pendapatan", "Mutasi saldo", "Data rekening"])
        tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(3))}
        assert len(tops) == 1, f"{path}: the menu wraps ({tops})"
        nav = page.locator("nav.subnav").bounding_box()
        assert nav["x"] + nav["width"] <= 360
        assert page.evaluate(FITS), path
