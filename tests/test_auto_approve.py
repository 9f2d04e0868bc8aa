"""Optional auto-approval: verified videos of proven creators with no open flag, after a delay."""
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests import factories
from webapp.audit.models import AuditEvent
from webapp.auth import bio
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow
from webapp.tracking import flags, scheduling

T0 = utcnow().replace(microsecond=0) - timedelta(days=2)


@pytest.fixture
def videos(app, ctx, sandbox):
    """Four verified videos: proven creator's p_old, p_flagged, p_recent; unproven's u_old."""
    app.config["AUTO_APPROVE_HOURS"] = 24.0
    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    sari = factories.creator()
    code = bio.issue_code(sari.id).code
    requests.patch(sandbox.base_url + f"/_sandbox/users/{sari_tt['user_id']}",
                   json={"signature": code}, timeout=5).raise_for_status()
    bio.check_bio(sari.id)
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    budi = factories.creator("budi@example.com", "budi_masak")
    subs = {}
    for name, creator, tt, verified in [
            ("p_old", sari, sari_tt, T0), ("p_flagged", sari, sari_tt, T0),
            ("p_recent", sari, sari_tt, T0 + timedelta(hours=20)),
            ("u_old", budi, budi_tt, T0)]:
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=1000)
        sub = services.submit(creator.id, f"https://www.tiktok.com/@{tt['handle']}/video/{vid}")
        assert services.verify(sub.id) == "pending_review"
        assert db.session.get(Submission, sub.id).verified_at is not None
        db.session.get(Submission, sub.id).verified_at = verified
        subs[name] = sub.id
    db.session.commit()
    flags.raise_flag(subs["p_flagged"], sari.id, "spike", None, {"why": "test"})
    return subs


def status(sub_id):
    db.session.expire_all()
    return db.session.get(Submission, sub_id).status


def test_only_eligible_videos_are_approved_and_audited_as_the_system(videos):
    assert services.auto_approve_due(now=T0 + timedelta(hours=23)) == []
    assert services.auto_approve_due(now=T0 + timedelta(hours=25)) == [videos["p_old"]]
    sub = db.session.get(Submission, videos["p_old"])
    assert sub.status == "approved" and sub.reviewed_by_id is None and sub.rate is not None
    for name in ("p_flagged", "p_recent", "u_old"):
        assert status(videos[name]) == "pending_review", name
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auto_approve"))
    assert event.actor_id is None and event.submission_id == videos["p_old"]
    assert event.creator_id == sub.creator_id
    assert services.auto_approve_due(now=T0 + timedelta(hours=25)) == []  # once

    assert services.auto_approve_due(now=T0 + timedelta(hours=45)) == [videos["p_recent"]]


def test_nothing_happens_when_the_setting_is_zero(app, videos):
    app.config["AUTO_APPROVE_HOURS"] = 0.0
    assert services.auto_approve_due(now=T0 + timedelta(days=30)) == []
    scheduling.enqueue_due_refreshes()
    assert status(videos["p_old"]) == "pending_review"


def test_the_periodic_scan_auto_approves_first(videos):
    scheduling.enqueue_due_refreshes()  # T0 is two days ago: past the 24 hours
    assert status(videos["p_old"]) == "approved" and status(videos["p_recent"]) == "approved"
    assert status(videos["p_flagged"]) == "pending_review"
    assert status(videos["u_old"]) == "pending_review"


def test_an_admin_decision_first_wins(videos):
    admin = factories.admin()
    services.reject(videos["p_old"], admin.id, "Not a real video")
    assert services.auto_approve_due(now=T0 + timedelta(hours=25)) == []
    assert status(videos["p_old"]) == "rejected"


def test_an_auto_approved_row_says_so(app, act, videos):
    from webapp.auth import services as auth

    services.auto_approve_due(now=T0 + timedelta(hours=25))
    auth.set_locale(factories.admin(), "en")
    act.login("admin@example.com")
    row = act.client.get(f"/admin/submissions/{videos['p_old']}/row").get_data(as_text=True)
    assert "Approved automatically" in row
