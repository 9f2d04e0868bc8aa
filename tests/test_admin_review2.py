"""The second demo review's admin findings, through the real routes: a row names the source of
the count it shows, a video's money page shows what reviews took back, flag cards speak the
page's language (numbers and the system's reasons), a refused bulk reject answers htmx without
leaving the queue, and audit details say something readable or nothing."""
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests import factories
from tests.test_admin_polish import admin_in, text
from webapp.admin.audit_details import detail_items
from webapp.earnings.models import REVERSAL, LedgerEntry
from webapp.extensions import db
from webapp.i18n import rupiah
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.tiktok.stats import VideoStats
from webapp.tracking import decisions, flags, manual
from webapp.tracking import services as tracking
from webapp.tracking.models import CLIFF, ENGAGEMENT, IDENTITY, PROPOSED, Flag, ViewSnapshot


def _row(html: str, sub_id: int) -> str:
    return text(re.search(rf'<tr id="video-{sub_id}".*?</tr>', html, re.S)[0])


# 1. The count a row shows is named by its own source, not by a proposal waiting behind it.
def test_a_tracked_row_names_the_source_of_its_count_not_a_pending_proposal(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=1_000)
    proposal = manual.enter_views(made["sub_id"], made["admin_id"], 10_000, "other",
                                  "creator sent a screenshot", four_eyes_ack=True)
    assert proposal.state == PROPOSED  # a jump over 3x waits for a second admin
    admin_in(act, "en")
    row = _row(act.client.get("/admin/videos").get_data(as_text=True), made["sub_id"])
    assert "1,000" in row and "from the TikTok page" in row
    assert "entered by an admin" not in row
    # The "latest count from" filter reads the same count.
    by_page = act.client.get("/admin/videos?source=page").get_data(as_text=True)
    by_hand = act.client.get("/admin/videos?source=manual").get_data(as_text=True)
    assert f'id="video-{made["sub_id"]}"' in by_page
    assert f'id="video-{made["sub_id"]}"' not in by_hand

    second = factories.admin("second@example.com")
    manual.approve(proposal.id, second.id)  # now the admin's count is the one shown
    row = _row(act.client.get("/admin/videos").get_data(as_text=True), made["sub_id"])
    assert "10,000" in row and "entered by an admin" in row


# 2. A video's money page: what it earned, what a review took back, what it keeps.
def test_the_video_money_page_shows_what_was_taken_back_and_what_is_kept(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=100_000, proven=False)
    flag = flags.for_submission(made["sub_id"])[0]  # identity: holds all it earned
    decisions.confirm(flag.id, made["admin_id"], "Not the creator's account")
    reversed_ = db.session.scalar(select(LedgerEntry.amount).where(LedgerEntry.kind == REVERSAL))
    earned = Decimal("0.00002489") * 100_000
    assert reversed_ == -earned
    admin_in(act, "id")
    html = act.client.get(f"/admin/money/videos/{made['sub_id']}").get_data(as_text=True)
    with act.app.test_request_context(), force_locale("id"):
        shown = {"earned": rupiah(earned), "taken-back": rupiah(reversed_), "net": rupiah(
            Decimal(0))}
    for key, amount in shown.items():
        cell = re.search(rf'<dd id="video-{key}">(.*?)</dd>', html, re.S)
        assert cell and amount in text(cell[1]), (key, amount, cell and cell[1])
    assert "Ditarik kembali setelah ditinjau" in text(html)
    assert "– → –" not in html  # the take-back row has no views of its own
    admin_in(act, "en")
    listing = text(act.client.get("/admin/money/videos").get_data(as_text=True))
    assert "Rp2.49 taken back after review" in listing


def test_a_video_nothing_was_taken_from_shows_only_what_it_earned(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=100_000)
    admin_in(act, "en")
    html = act.client.get(f"/admin/money/videos/{made['sub_id']}").get_data(as_text=True)
    assert 'id="video-earned"' in html and 'id="video-taken-back"' not in html


def _flag(sub_id, creator_id, kind, evidence, snapshot_id=None) -> Flag:
    flag = flags.add_flag(sub_id, creator_id, kind, snapshot_id, evidence)
    db.session.commit()
    return flag


# 3. The engagement card's ratio and minimum are in the page's digits.
@pytest.mark.parametrize("locale, ratio, minimum", [("id", "0,00003", "0,001"),
                                                    ("en", "0.00003", "0.001")])
def test_the_engagement_ratio_is_written_in_the_page_s_locale(act, ctx, sandbox, locale, ratio,
                                                             minimum):
    made = factories.approved_video(sandbox, views=400_000)
    _flag(made["sub_id"], made["creator_id"], ENGAGEMENT, {
        "views": 400_000, "likes": 12, "comments": 0, "shares": 0,
        "interactions_per_view": "0.00003", "min_ratio": "0.001"})
    admin_in(act, locale)
    card = text(act.client.get("/admin/flags?kind=engagement").get_data(as_text=True))
    assert f"({ratio} " in card and f" {minimum} " in card, card
    other = "0.00003" if locale == "id" else "0,00003"
    assert other not in card


# 4. Decided cards give the system's reasons in words, and a rejected video's flag says so.
def test_decided_flags_read_the_system_s_reasons_in_words(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=1_234_567)
    sub_id, creator_id = made["sub_id"], made["creator_id"]
    proven = _flag(sub_id, creator_id, IDENTITY, {"proven": False})
    decisions.clear(proven.id, None, "TikTok account proven")
    snap = db.session.scalar(select(ViewSnapshot).where(ViewSnapshot.submission_id == sub_id))
    cliff = _flag(sub_id, creator_id, CLIFF, {"views_before": 2_000_000, "views_after": 10},
                  snapshot_id=snap.id)
    flags.settle_count_flags(sub_id, snap)
    owner = db.session.get(Submission, sub_id).creator
    vid = factories.tiktok_video(sandbox, factories.tiktok_user(sandbox, "other.one")["user_id"])
    waiting = submissions.submit(owner.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    submissions.verify(waiting.id)  # TikTok names another author: waits, never approved
    never = _flag(waiting.id, creator_id, IDENTITY, {"proven": False})
    submissions.reject(waiting.id, made["admin_id"], "Not her video")
    db.session.expire_all()
    stored = {f.id: (f.status, f.decision_reason) for f in db.session.scalars(select(Flag))}
    assert stored[never.id] == ("superseded", "video not approved")  # stored as it was
    assert stored[cliff.id] == ("superseded", f"settled by count 1234567 (snapshot {snap.id})")
    assert stored[proven.id] == ("cleared", "TikTok account proven")

    admin_in(act, "en")
    page = text(act.client.get("/admin/flags?status=all").get_data(as_text=True))
    for raw in ("TikTok account proven", "video not approved", "settled by count"):
        assert raw not in page
    assert "The creator proved their TikTok account." in page
    assert f"A newer count of 1,234,567 views settled it (count record #{snap.id})." in page
    assert "The video was rejected before it was ever approved" in page
    never_card = text(act.client.get(f"/admin/flags/{never.id}").get_data(as_text=True))
    assert "Closed: the video was not approved" in never_card
    assert "Settled by a newer count" not in never_card.split("Other flags")[0]
    cliff_card = text(act.client.get(f"/admin/flags/{cliff.id}").get_data(as_text=True))
    assert "Settled by a newer count" in cliff_card

    admin_in(act, "id")
    page = text(act.client.get("/admin/flags?status=all").get_data(as_text=True))
    assert "1.234.567" in page and "1,234,567" not in page


# 5. The decision buttons disable themselves and each other (tests/test_admin_review2_browser.py
#    watches it happen); no button carries a selector that finds nothing from it.
def test_no_admin_button_looks_for_buttons_inside_itself(app):
    from pathlib import Path

    root = Path(app.root_path) / "templates" / "admin"
    found = [str(path) for path in root.rglob("*.html")
             if re.search(r'<button[^>]*hx-disabled-elt="find ', path.read_text())]
    assert found == []


# 7. A refused bulk reject (htmx) swaps only the bulk form: no page at a POST address.
def test_a_refused_bulk_reject_answers_htmx_with_the_form_and_keeps_the_ticks(act, ctx,
                                                                           sandbox):
    owner = factories.creator("rina@example.com", "rina.travel")
    tt = factories.tiktok_user(sandbox, "rina.travel")
    factories.admin()
    ids = []
    for _ in range(2):
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=5_000)
        sub = submissions.submit(owner.id, f"https://www.tiktok.com/@rina.travel/video/{vid}")
        submissions.verify(sub.id)
        ids.append(sub.id)
    admin_in(act, "en")
    ticked = {"ids": [str(i) for i in ids]}
    refused = act.hx_post("/admin/submissions/reject-selected?q=rina", {**ticked, "reason": " "})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "HX-Redirect" not in refused.headers
    assert body.lstrip().startswith("<form id=\"bulk\"") and "aq-table" not in body
    assert "Say why the selected videos are rejected." in text(body)
    assert re.search(r'<strong id="aq-count">2</strong>', body)
    assert 'hx-post="/admin/submissions/reject-selected?q=rina"' in body  # filters kept
    nothing = act.hx_post("/admin/submissions/reject-selected", {"reason": "x"})
    assert nothing.status_code == 422 and "Tick at least one video first." in text(
        nothing.get_data(as_text=True))
    db.session.expire_all()
    assert {db.session.get(Submission, i).status for i in ids} == {"pending_review"}

    done = act.hx_post("/admin/submissions/reject-selected?q=rina",
                       {**ticked, "reason": "Repost"})
    assert done.status_code == 200 and done.headers["HX-Redirect"] == "/admin/?q=rina"
    db.session.expire_all()
    assert {db.session.get(Submission, i).status for i in ids} == {"rejected"}
    assert "Rejected 2 submission(s)." in text(act.client.get("/admin/?q=rina").get_data(
        as_text=True))


# 8. Audit details: an empty value is left out; a refresh says how many videos it queued.
def test_audit_details_skip_empty_values_and_count_videos_in_words(app):
    with app.test_request_context(), force_locale("en"):
        assert detail_items('{"kind": "engagement", "reason": "fake", "also": []}') == [
            ("Flag", "Views without likes or comments"), ("Reason", "fake")]
        assert detail_items('{"videos": 1}') == [("Queued for a refresh", "1 video")]
        assert detail_items('{"videos": 1200}') == [("Queued for a refresh", "1,200 videos")]
        assert detail_items('{"reason": "settled by count 1200 (snapshot 7)"}') == [
            ("Reason", "A newer count of 1,200 views settled it (count record #7).")]
        assert detail_items('{"videos": "many", "note": ""}') == [("Queued for a refresh",
                                                                   "many")]


def test_the_audit_page_shows_a_refresh_now_in_words(act, ctx, sandbox):
    made = factories.approved_video(sandbox, views=1_000)
    admin_in(act, "en")
    assert act.hx_post(f"/admin/refresh-now/video/{made['sub_id']}").status_code < 400
    page = text(act.client.get("/admin/audit").get_data(as_text=True))
    assert "Queued for a refresh: 1 video" in page
