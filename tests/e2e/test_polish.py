"""What every page shares, on a 360 px phone in Indonesian: a slow request's button is busy (a
second tap does nothing), a message follows an action, htmx errors and a lost connection are
said, pages fit the screen and every tap target is at least 44 px tall."""
import re

import requests
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login

# Everything a finger can tap; a checkbox or radio counts by its label.
TAP_TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label'))
             || el)
  .map(el => ({what: el.outerHTML.slice(0, 90), height: el.getBoundingClientRect().height}))
  .filter(t => t.height < 44)"""


def sandbox_log_count(sandbox, path):
    return len(requests.get(sandbox.base_url + "/_sandbox/requests", params={"path": path},
                            timeout=5).json()["requests"])


def fits_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_busy_buttons_messages_and_tap_targets(app, sandbox, live_server, browser_page):
    with app.app_context():
        video = factories.approved_video(sandbox, views=150_247, proven=False)
    page = browser_page
    login(page, live_server, "sari@example.com", lands_on="/dashboard")

    # Every tap target of the dashboard (header, tabs, form, video cards) is 44 px or taller.
    assert page.evaluate(TAP_TARGETS) == []
    assert fits_phone(page)

    # An htmx error is said at the top in the page's language (here: an expired form).
    page.goto(live_server + "/account/tiktok")
    page.evaluate("""() => {
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'expired'}));
        document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = 'expired'; });
    }""")
    get_code = page.locator("#tiktok-bio button.primary")  # "Dapatkan kodeku" (htmx)
    get_code.click()  # refused: 400
    alert = page.locator("#flash .alert-msg.error")
    expect(alert).to_contain_text("Formulir ini sudah kedaluwarsa")
    assert alert.get_attribute("role") == "alert"
    expect(get_code).to_be_enabled()  # usable again

    # A lost connection is said, and goes away once a request gets through again.
    page.reload()
    page.context.set_offline(True)
    get_code.click()
    offline = page.get_attribute("body", "data-offline-text")  # the layout's words for it
    expect(page.locator("#flash .alert-msg.error")).to_have_text(re.compile(re.escape(offline)))
    page.context.set_offline(False)
    get_code.click()
    code = page.locator("#bio-code").text_content().strip()
    expect(page.locator("#flash .alert-msg")).to_have_count(0)

    # A slow request: its button is disabled with a spinner; a second tap sends nothing.
    tt_user = requests.get(sandbox.base_url + "/_sandbox/users", timeout=5).json()["users"][0]
    requests.patch(f"{sandbox.base_url}/_sandbox/users/{tt_user['user_id']}",
                   json={"signature": f"Menari tiap hari {code}"}, timeout=5).raise_for_status()
    requests.post(sandbox.base_url + "/_sandbox/knobs", json={"latency_ms": 1500},
                  timeout=5).raise_for_status()
    check = page.locator("#tiktok-bio button.primary")  # "Cek bio-ku"
    check.click()
    expect(check).to_be_disabled()
    expect(check).to_have_attribute("aria-busy", "true")
    assert page.evaluate("""() => getComputedStyle(
        document.querySelector('#tiktok-bio button.busy'), '::before').animationName""") \
        == "busy-spin"
    check.click(force=True)  # the impatient second tap
    expect(page.locator("#tiktok-bio .ok")).to_be_visible(timeout=10_000)
    assert sandbox_log_count(sandbox, f"/@{tt_user['handle']}") == 1
    requests.post(sandbox.base_url + "/_sandbox/knobs", json={"latency_ms": 0}, timeout=5)

    # The success message came with the htmx answer (out of band), and can be closed.
    message = page.locator("#flash .alert-msg.success")
    expect(message).to_be_visible()
    assert message.get_attribute("role") == "status"
    message.locator("button.close").click()
    expect(message).to_have_count(0)

    # An error page fits the phone, in the layout, with a way back.
    page.goto(live_server + f"/submissions/{video['sub_id'] + 999}")
    expect(page.locator("#error h1")).to_have_text("Halaman tidak ditemukan")
    assert page.locator('meta[name="viewport"]').count() == 1
    assert fits_phone(page) and page.evaluate(TAP_TARGETS) == []
    page.click("#error a.button")
    assert re.search(r"/(dashboard)?$", page.url)
