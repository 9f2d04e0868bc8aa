"""The second demo review's admin layout and htmx findings, measured in a real browser at 1280 px:
rows stay inside their white card, handles and emails never break mid-word, warning badges are
small pills; the flag buttons are disabled while their request runs; a refused bulk reject
leaves the browser on the queue's address."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.e2e.conftest import browser_page, live_server, login  # noqa: F401  (fixtures)
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow
from webapp.tracking import flags
from webapp.tracking.models import IDENTITY, Flag

CAPTION = "Tutorial gerakan viral minggu ini 🔥 #fyp #dancechallenge #tutorialdance"


def _world(sandbox) -> dict:
    """A proven creator with an old video (flagged: posted long before the proof), two
    unproven creators (flagged videos, and videos waiting with the full warning)."""
    sari, tt_sari = factories.proven_creator(sandbox)
    admin = factories.admin()
    made = {"admin_id": admin.id}
    for n, views in enumerate((1_585_264, 150_247)):
        vid = factories.tiktok_video(sandbox, tt_sari["user_id"], views=views, desc=CAPTION)
        sub = submissions.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
        submissions.verify(sub.id)
        submissions.approve(sub.id, admin.id)
        made[f"sari{n}"] = sub.id
    now = utcnow()
    flags.add_flag(made["sari1"], sari.id, IDENTITY, None, {
        "proven": True, "posted_at": (now - timedelta(days=400)).isoformat(),
        "proven_at": now.isoformat()})
    db.session.commit()
    for email, handle in (("rina@example.com", "rina.travel"),
                          ("budi@example.com", "budi_masak")):
        owner = factories.creator(email, handle)
        tt = factories.tiktok_user(sandbox, handle)
        for n, action in enumerate(("approve", "wait")):
            vid = factories.tiktok_video(sandbox, tt["user_id"], views=23_462, desc=CAPTION)
            sub = submissions.submit(owner.id, f"https://www.tiktok.com/@{handle}/video/{vid}")
            submissions.verify(sub.id)
            if action == "approve":
                submissions.approve(sub.id, admin.id, acknowledged_unproven=True)
            made[f"{handle}{n}"] = sub.id
    return made


LAYOUT = """(rowSelector) => {
  const card = document.querySelector('section.card').getBoundingClientRect();
  const out = {rows: 0, outside: [], broken: [], badges: []};
  const lines = (el) => {
    const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  for (const row of document.querySelectorAll(rowSelector)) {
    out.rows += 1;
    for (const el of row.querySelectorAll('button, a, td')) {
      const box = el.getBoundingClientRect();
      if (box.width && (box.right > card.right + 0.5 || box.left < card.left - 0.5))
        out.outside.push([row.id, el.tagName, el.textContent.trim().slice(0, 40), box.right, card.right]);
    }
    for (const el of row.querySelectorAll('.aq-creator > a, .aq-creator > .aq-email')) {
      if (lines(el) > 1) out.broken.push([row.id, el.textContent.trim()]);
    }
    for (const el of row.querySelectorAll('.badge')) {
      const style = getComputedStyle(el);
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
      // What is painted: a link's 44 px tap area is a transparent border around its pill.
      const clear = (style.borderTopColor === 'rgba(0, 0, 0, 0)' &&
                     style.backgroundClip === 'padding-box') || !parseFloat(style.borderTopWidth);
      const box = el.getBoundingClientRect();
      const border = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
      const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
      // Painted height less the pill's own padding: its lines of text, if nothing else.
      out.badges.push([el.textContent.trim(), (clear ? box.height - border : box.height) - padding,
                       line, lines(el)]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("path, rows", [("/admin/videos", "tr.av-row"),
                                        ("/admin/?status=all", "tr.aq-row")])
def test_rows_fit_their_card_at_1280_px(app, sandbox, live_server, browser_page, path,  # noqa: F811
                                        rows):
    with app.app_context():
        _world(sandbox)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "admin@example.com")
    page.goto(live_server + path)
    seen = page.evaluate(LAYOUT, rows)
    assert seen["rows"] >= 4, seen
    assert seen["outside"] == [], seen["outside"]
    assert seen["broken"] == [], seen["broken"]
    assert seen["badges"], seen
    for text, height, line, lines in seen["badges"]:
        assert lines <= 2 and height <= 2 * line + 2, (text, height, line, lines)


def test_a_flag_decision_disables_both_buttons_and_posts_once(app, sandbox, live_server,  # noqa: F811
                                                             browser_page):
    with app.app_context():
        made = factories.approved_video(sandbox, views=100_000, proven=False)
        flag_id = flags.for_submission(made["sub_id"])[0].id  # identity: the creator is unproven
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    console, posts = [], []
    page.on("console", lambda message: console.append(message.text))
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/flags")
    page.evaluate("""(id) => document.addEventListener('htmx:xhr:loadstart', () => {
        window.seenDisabled = [...document.querySelectorAll(`#flag-${id} .decide button`)]
          .map(b => b.disabled); })""", flag_id)
    page.fill(f"#reason-{flag_id}", "Checked the video by hand")
    page.dblclick(f"#flag-{flag_id} button.primary")
    page.wait_for_selector(f"#flag-{flag_id}.flag-cleared")
    assert page.evaluate("window.seenDisabled") == [True, True]
    assert [url for url in posts if "/admin/flags/" in url] == [
        f"{live_server}/admin/flags/{flag_id}/clear"]
    assert not [text for text in console if "returned no matches" in text], console
    with app.app_context():
        assert db.session.get(Flag, flag_id).status == "cleared"


def test_a_refused_bulk_reject_keeps_the_queue_address_and_the_ticks(app, sandbox, live_server,  # noqa: F811
                                                                     browser_page):
    with app.app_context():
        made = _world(sandbox)
    waiting = [made["rina.travel1"], made["budi_masak1"]]
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "admin@example.com")
    page.goto(live_server + "/admin/")
    for sub_id in waiting:
        page.check(f'input[name="ids"][value="{sub_id}"]')
    page.click(".aq-bulk-reject summary")
    page.click("#aq-reject")
    page.wait_for_selector("#bulk .error")
    assert page.url == live_server + "/admin/"  # a reload asks for the queue, posts nothing
    assert page.text_content("#aq-count") == "2"
    assert all(page.is_checked(f'input[name="ids"][value="{i}"]') for i in waiting)
    page.fill("#bulk textarea", "Repost dari akun lain")
    with page.expect_navigation():
        page.click("#aq-reject")
    assert page.url == live_server + "/admin/"
    with app.app_context():
        assert {db.session.get(Submission, i).status for i in waiting} == {"rejected"}
