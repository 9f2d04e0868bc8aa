"""Manual entry that stays true: who, why and a note on every entry, decreases confirmed, and
entries above the four-eyes thresholds credited only after a second admin approves them."""
import json
from html import unescape
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import csrf_token
from webapp.audit.models import AuditEvent
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tiktok.stats import VideoStats
from webapp.tracking import manual, services
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import DISMISSED, OK, PROPOSED, ViewSnapshot

RATE = Decimal("0.00002489")


@pytest.fixture
def video(app, sandbox):
    with app.app_context():
        return factories.approved_video(sandbox, views=10_000)


def _snapshots(sub_id):
    return db.session.scalar(select(func.count()).select_from(ViewSnapshot)
                             .where(ViewSnapshot.submission_id == sub_id))


def _entries(creator_id):
    return db.session.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.creator_id == creator_id))


def _audit(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_entry_below_the_thresholds_is_credited_once_and_audited(ctx, video):
    snap = manual.enter_views(video["sub_id"], video["admin_id"], 12_000, "creator_evidence",
                              "screen recording from the creator",
                              evidence_url="https://drive.example.com/rec.mp4")
    assert (snap.state, snap.source, snap.entered_by_id) == (OK, "manual", video["admin_id"])
    assert (snap.reason_code, snap.evidence_url) == ("creator_evidence",
                                                     "https://drive.example.com/rec.mp4")
    assert earnings.balance(video["creator_id"]) == RATE * 12_000
    entries = _entries(video["creator_id"])
    assert earnings.credit_snapshot(video["sub_id"], snap.id) is None  # a replay books nothing
    assert _entries(video["creator_id"]) == entries
    [event] = _audit("manual_views")
    detail = json.loads(event.detail)
    assert (event.actor_id, event.creator_id, event.submission_id) == (
        video["admin_id"], video["creator_id"], video["sub_id"])
    assert (detail["views_before"], detail["views_after"], detail["reason_code"], detail["note"]) \
        == (10_000, 12_000, "creator_evidence", "screen recording from the creator")
    assert verify_ledger() == []


@pytest.mark.parametrize("change", [
    {"reason_code": "because"}, {"note": "  "}, {"note": "x" * 301},
    {"evidence_url": "javascript:alert(1)"}, {"evidence_url": "ftp://example.com/a"},
    {"evidence_url": "https://"}, {"views": -1},
])
def test_an_incomplete_entry_stores_nothing(ctx, video, change):
    entry = {"views": 12_000, "reason_code": "other", "note": "why", **change}
    with pytest.raises(InvalidViews):
        manual.enter_views(video["sub_id"], video["admin_id"], **entry)
    assert _snapshots(video["sub_id"]) == 1
    assert earnings.balance(video["creator_id"]) == RATE * 10_000


def test_any_decrease_needs_a_confirmation_and_stores_nothing_without_it(ctx, video):
    with pytest.raises(manual.NeedsConfirmation) as refused:
        manual.enter_views(video["sub_id"], video["admin_id"], 9_999, "correction", "typo")
    assert refused.value.views_before == 10_000 and refused.value.thresholds == []
    assert _snapshots(video["sub_id"]) == 1 and _audit("manual_views") == []
    assert earnings.balance(video["creator_id"]) == RATE * 10_000
    manual.enter_views(video["sub_id"], video["admin_id"], 9_999, "correction", "typo",
                       confirm_decrease=True)
    assert earnings.balance(video["creator_id"]) == RATE * 9_999
    assert verify_ledger() == []


@pytest.mark.parametrize("views, setting, codes", [
    (30_000, {}, []),                                   # exactly 3x: one admin is enough
    (30_001, {}, ["jump"]),
    (20_000, {"FOUR_EYES_VIEWS": 20_000}, ["views"]),
    (15_000, {"FOUR_EYES_AMOUNT": Decimal("0.12")}, ["amount"]),  # 5.000 x rate = Rp0,124
    (10_000_000, {}, ["jump", "views"]),
])
def test_which_thresholds_an_entry_exceeds(app, ctx, video, views, setting, codes):
    app.config.update(setting)
    sub = db.session.get(Submission, video["sub_id"])
    assert [t["code"] for t in manual.four_eyes_thresholds(sub, views)] == codes


def test_a_decrease_above_a_threshold_asks_both_questions_at_once(app, ctx, video):
    app.config["FOUR_EYES_VIEWS"] = 5_000
    with pytest.raises(manual.NeedsConfirmation) as refused:
        manual.enter_views(video["sub_id"], video["admin_id"], 9_000, "correction", "typo")
    assert [t["code"] for t in refused.value.thresholds] == ["views"]


def _english(act):
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client), "next": "/"})


def _propose(app, act, video, views="50.000"):
    act.login("admin@example.com")
    _english(act)
    url = f"/admin/videos/{video['sub_id']}/views"
    entry = {"views": views, "reason_code": "fetch_blocked", "note": "page blocked",
             "evidence_url": "https://example.com/screenshot.png"}
    first = act.hx_post(url, entry)
    assert first.status_code == 422
    html = unescape(first.get_data(as_text=True))
    assert "This entry needs a second admin's approval before it counts." in html
    assert "50,000 views is more than 3× the current 10,000." in html
    assert 'name="four_eyes_ack"' in html
    with app.app_context():
        assert _snapshots(video["sub_id"]) == 1
    saved = act.hx_post(url, {**entry, "four_eyes_ack": "y"})
    assert saved.status_code == 200
    assert "Sent for a second admin's approval." in unescape(saved.get_data(as_text=True))
    with app.app_context():
        snap = db.session.scalar(select(ViewSnapshot).order_by(ViewSnapshot.id.desc()))
        assert (snap.state, snap.views) == (PROPOSED, 50_000)
        assert db.session.get(Submission, video["sub_id"]).current_views == 10_000
        assert earnings.balance(video["creator_id"]) == RATE * 10_000
        assert len(_audit("manual_views_proposed")) == 1 and _audit("manual_views") == []
    act.logout()
    return snap.id


def test_four_eyes_second_admin_approves_and_it_is_credited_exactly_once(app, act, video):
    with app.app_context():
        budi = factories.admin(email="budi@example.com").id
    snap_id = _propose(app, act, video)
    act.login("admin@example.com")
    assert "awaiting a second admin: 1" in act.client.get("/admin/videos").get_data(as_text=True)
    listed = act.client.get("/admin/videos/proposals").get_data(as_text=True)
    assert "50,000" in listed and "page blocked" in listed and "screenshot.png" in listed
    own = act.hx_post(f"/admin/videos/proposals/{snap_id}/approve")
    assert own.status_code == 409
    assert "You entered this count: another admin must approve it." in own.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ViewSnapshot, snap_id).state == PROPOSED
    act.logout()

    act.login("budi@example.com")
    _english(act)
    approved = act.hx_post(f"/admin/videos/proposals/{snap_id}/approve")
    assert approved.status_code == 200, approved.get_data(as_text=True)
    assert "Approved by budi@example.com" in approved.get_data(as_text=True)
    with app.app_context():
        snap = db.session.get(ViewSnapshot, snap_id)
        assert (snap.state, snap.reviewed_by_id) == (OK, budi) and snap.reviewed_at is not None
        assert db.session.get(Submission, video["sub_id"]).current_views == 50_000
        assert earnings.balance(video["creator_id"]) == RATE * 50_000
        entries = _entries(video["creator_id"])
        [event] = _audit("manual_views_approved")
        assert event.actor_id == budi and event.creator_id == video["creator_id"]
        assert verify_ledger() == []
    again = act.hx_post(f"/admin/videos/proposals/{snap_id}/approve")
    assert again.status_code == 409
    assert "This entry was already decided." in again.get_data(as_text=True)
    with app.app_context():
        assert earnings.balance(video["creator_id"]) == RATE * 50_000
        assert _entries(video["creator_id"]) == entries
        assert manual.count_proposals() == 0
        assert verify_ledger() == []


def test_four_eyes_rejected_entry_credits_nothing(app, act, video):
    with app.app_context():
        factories.admin(email="budi@example.com")
    snap_id = _propose(app, act, video)
    act.login("budi@example.com")
    _english(act)
    url = f"/admin/videos/proposals/{snap_id}/reject"
    assert act.hx_post(url, {"reason": " "}).status_code == 422
    rejected = act.hx_post(url, {"reason": "the screenshot shows 5.000, not 50.000"})
    assert rejected.status_code == 200 and "Rejected by budi@example.com" in rejected.get_data(
        as_text=True)
    assert act.hx_post(f"/admin/videos/proposals/{snap_id}/approve").status_code == 409
    with app.app_context():
        assert db.session.get(ViewSnapshot, snap_id).state == DISMISSED
        assert db.session.get(Submission, video["sub_id"]).current_views == 10_000
        assert earnings.balance(video["creator_id"]) == RATE * 10_000
        [event] = _audit("manual_views_rejected")
        assert "the screenshot shows 5.000" in event.detail
        assert verify_ledger() == []


def test_a_proposal_overtaken_by_a_newer_count_cannot_be_approved(ctx, video):
    budi = factories.admin(email="budi@example.com").id
    snap = manual.enter_views(video["sub_id"], video["admin_id"], 50_000, "other", "seen",
                              four_eyes_ack=True)
    services.record_snapshot(video["sub_id"], VideoStats(video_id=video["vid"], source="page",
                                                         views=11_000))
    with pytest.raises(manual.ReviewRefused) as refused:
        manual.approve(snap.id, budi)
    assert refused.value.code == "outdated"
    assert db.session.get(ViewSnapshot, snap.id).state == PROPOSED
    assert verify_ledger() == []


def test_only_an_admin_decides(ctx, video):
    snap = manual.enter_views(video["sub_id"], video["admin_id"], 50_000, "other", "seen",
                              four_eyes_ack=True)
    with pytest.raises(manual.ReviewRefused) as refused:
        manual.approve(snap.id, video["creator_id"])
    assert refused.value.code == "not_admin"


def test_the_proposals_page_is_admin_only(act, video):
    act.login("sari@example.com")
    assert act.client.get("/admin/videos/proposals").status_code == 403
    assert act.hx_post("/admin/videos/proposals/1/approve").status_code == 403
