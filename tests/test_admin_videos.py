"""Manual view entry: validated, audited, and credited through the same path as a fetch.

(Four-eyes, decreases and the views parser: tests/test_manual_entry.py, tests/test_views_input.py.)"""
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from webapp.audit.models import AuditEvent
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


@pytest.fixture
def approved(app, sandbox):
    with app.app_context():
        return factories.approved_video(sandbox, views=10_000)


def test_admin_enters_views_and_they_are_credited_and_audited(app, act, approved):
    act.login("admin@example.com")
    form = act.hx_get(f"/admin/videos/{approved['sub_id']}/views")
    assert form.status_code == 200 and 'name="views"' in form.get_data(as_text=True)
    response = act.hx_post(f"/admin/videos/{approved['sub_id']}/views",
                           {"views": "12.000", "reason_code": "fetch_blocked",
                            "note": "TikTok page blocked today"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "12.000" in response.get_data(as_text=True)
    with app.app_context():
        snap = db.session.scalar(select(ViewSnapshot).order_by(ViewSnapshot.id.desc()))
        assert (snap.views, snap.source, snap.entered_by_id) == (12_000, "manual", 2)
        assert (snap.reason_code, snap.note) == ("fetch_blocked", "TikTok page blocked today")
        assert earnings.balance(approved["creator_id"]) == RATE * 12_000
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "manual_views"))
        assert event.actor_id == 2 and "TikTok page blocked today" in event.detail


@pytest.mark.parametrize("views", ["-5", "abc", "", "1.5", "99999999999999"])
def test_bad_counts_get_422_and_change_nothing(app, act, approved, views):
    act.login("admin@example.com")
    response = act.hx_post(f"/admin/videos/{approved['sub_id']}/views",
                           {"views": views, "reason_code": "other", "note": "manual"})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert earnings.balance(approved["creator_id"]) == RATE * 10_000


def test_a_big_drop_needs_explicit_confirmation(app, act, approved):
    act.login("admin@example.com")
    url = f"/admin/videos/{approved['sub_id']}/views"
    entry = {"views": "100", "reason_code": "correction", "note": "fake views removed"}
    assert act.hx_post(url, entry).status_code == 422
    with app.app_context():
        assert earnings.balance(approved["creator_id"]) == RATE * 10_000
    confirmed = act.hx_post(url, {**entry, "confirm_decrease": "y"})
    assert confirmed.status_code == 200
    with app.app_context():
        assert earnings.balance(approved["creator_id"]) == RATE * 100


def test_tracked_videos_page_is_admin_only(act, approved):
    act.login("sari@example.com")
    assert act.client.get("/admin/videos").status_code == 403
    assert act.hx_post(f"/admin/videos/{approved['sub_id']}/views", {"views": "1", "reason_code": "other", "note": "x"}).status_code == 403
    act.logout()
    act.login("admin@example.com")
    html = act.client.get("/admin/videos?sort=failing").get_data(as_text=True)
    assert approved["vid"] in html
