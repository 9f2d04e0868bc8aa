"""The whole loop on real parts: creator submits -> a real RQ worker verifies against the
sandbox over HTTP -> admin approves -> `jobs refresh-due` -> worker refreshes -> balance."""
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from tests.conftest import run_worker
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


def test_creator_to_balance(app, act, sandbox, runner):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        factories.creator()
        factories.admin()
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=150_247)

    act.login("sari@example.com")
    response = act.hx_post("/submissions", {"url": f"https://m.tiktok.com/@sari.dance/video/{vid}?_r=1&u_code=abc"})
    assert response.status_code == 200
    assert "status-checking" in act.hx_get("/dashboard/live").get_data(as_text=True)
    run_worker(app)
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.video_id == vid))
        assert sub.status == "pending_review" and sub.current_views == 150_247
        sub_id = sub.id
    act.logout()

    act.login("admin@example.com")
    # Sari's handle is unproven: the admin ticks "I checked the author" to approve it.
    assert act.hx_post(f"/admin/submissions/{sub_id}/approve").status_code == 409
    assert act.hx_post(f"/admin/submissions/{sub_id}/approve",
                       {"ack_unproven": "1"}).status_code == 200
    with app.app_context():
        assert earnings.balance(db.session.get(Submission, sub_id).creator_id) == Decimal("3.73964783")

    factories.set_views(sandbox, vid, 1_000_000)
    result = runner.invoke(args=["jobs", "refresh-due"])
    assert "queued 1 refresh job(s)" in result.output, result.output
    run_worker(app)
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        assert sub.current_views == 1_000_000 and sub.last_view_update is not None
        snap = db.session.scalar(select(ViewSnapshot).order_by(ViewSnapshot.id.desc()))
        assert (snap.views, snap.source, snap.exact) == (1_000_000, "page", True)
        assert earnings.balance(sub.creator_id) == RATE * 1_000_000
        # Not due again until the next interval: nothing more is queued or credited.
    assert "queued 0 refresh job(s)" in runner.invoke(args=["jobs", "refresh-due"]).output


def test_a_refresh_that_runs_twice_credits_once(app, sandbox):
    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=500)
    sub_id, creator_id, vid = video["sub_id"], video["creator_id"], video["vid"]
    factories.set_views(sandbox, vid, 800)
    assert refresh_submission(sub_id) == "ok"
    assert refresh_submission(sub_id) == "ok"
    with app.app_context():
        assert earnings.balance(creator_id) == RATE * 800
        assert len(earnings.entries_for(creator_id)) == 2  # approval (500) + one step to 800


def test_a_failed_fetch_changes_no_views_and_no_money(app, sandbox):
    import requests

    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=500)
    sub_id, creator_id, vid = video["sub_id"], video["creator_id"], video["vid"]
    for mode in ("waf", "garbled", "garbled_types", "login", "no_blob"):
        factories.set_views(sandbox, vid, 0, page_mode=mode)
        assert refresh_submission(sub_id) in ("blocked", "garbled")
    requests.post(sandbox.base_url + "/_sandbox/knobs", json={"error_rate": 1.0}, timeout=5)
    assert refresh_submission(sub_id) == "upstream"
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        assert sub.current_views == 500 and sub.refresh_failures == 6
        assert sub.last_fetch_error.startswith("upstream")
        assert earnings.balance(creator_id) == RATE * 500
