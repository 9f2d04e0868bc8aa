"""Connecting TikTok through Login Kit proves the account the way a bio code does: the TikTok
user id is bound, `identity_proven` is announced, and the money held only for the proof flows
on. When TikTok's profile page cannot be read just then, a job (a real RQ worker here) binds
it later."""
import requests
from rq.job import Job
from sqlalchemy import select

from tests import factories
from tests.conftest import run_worker
from tests.test_oauth import connect, consent, enable_oauth, start, stored
from webapp.audit.models import AuditEvent
from webapp.auth import services as auth
from webapp.auth.models import User
from webapp.earnings import services as earnings
from webapp.extensions import db, jobqueue
from webapp.tracking.models import Flag

VIEWS = 100_000


def unproven_creator_with_held_money(app, sandbox):
    """Sari (English UI), unproven, with an approved video whose money waits for her proof."""
    enable_oauth(app)
    with app.app_context():
        video = factories.approved_video(sandbox, views=VIEWS, proven=False)
        creator = db.session.get(User, video["creator_id"])
        auth.set_locale(creator, "en")
        flag = db.session.scalar(select(Flag).where(Flag.creator_id == creator.id))
        assert flag.kind == "identity" and flag.status == "open"
        assert earnings.totals(creator.id).held > 0
        return video, flag.id


def assert_proven_and_released(app, sandbox, video, flag_id):
    with app.app_context():
        db.session.expire_all()
        creator = db.session.get(User, video["creator_id"])
        users = requests.get(sandbox.base_url + "/_sandbox/users", timeout=5).json()["users"]
        sari = next(u for u in users if u["handle"] == "sari.dance")
        assert creator.identity_proven and creator.tiktok_user_id == sari["user_id"]
        assert creator.tiktok_verified_at is not None
        flag = db.session.get(Flag, flag_id)
        assert flag.status == "cleared"  # by the system, answering the proof
        cleared = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "flag_cleared", AuditEvent.subject_id == str(flag_id)))
        assert cleared is not None and cleared.actor_id is None
        totals = earnings.totals(creator.id)
        assert totals.held == 0 and totals.available == totals.balance > 0


def test_connecting_proves_the_account_and_releases_held_money(app, act, sandbox):
    video, flag_id = unproven_creator_with_held_money(app, sandbox)
    act.login("sari@example.com")
    page = connect(act)
    assert "Connected: TikTok account @sari.dance" in page
    assert "Verified: TikTok account @sari.dance is yours" in page  # the bio block agrees
    assert 'id="proof-pending"' not in page
    assert_proven_and_released(app, sandbox, video, flag_id)


def test_an_unreadable_profile_is_proven_later_by_a_job(app, act, sandbox):
    video, flag_id = unproven_creator_with_held_money(app, sandbox)
    act.login("sari@example.com")
    knobs = sandbox.base_url + "/_sandbox/knobs"
    requests.post(knobs, json={"error_rate": 1, "error_surfaces": ["page"]},
                  timeout=5).raise_for_status()  # TikTok's pages fail; Login Kit works
    callback = consent(start(act), user="sari.dance", auto=1)
    assert act.client.get(callback).status_code == 302  # connected: back to the account page
    with app.app_context():
        assert stored(video["creator_id"]).status == "active"
        assert not db.session.get(User, video["creator_id"]).identity_proven
        job = Job.fetch(f"prove-connection-{video['creator_id']}", connection=jobqueue.connection)
        assert job.get_status() == "queued"  # by the connection itself
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert "Connected: TikTok account @sari.dance" in page and 'id="proof-pending"' in page

    run_worker(app)  # the page still fails: the job fails and RQ schedules its retry
    with app.app_context():
        job = Job.fetch(job.id, connection=jobqueue.connection)
        assert job.get_status() == "scheduled" and job.retries_left == 5
        assert not db.session.get(User, video["creator_id"]).identity_proven
        job.delete()  # as if the retries ran out

    requests.post(knobs, json={"error_rate": 0}, timeout=5).raise_for_status()
    page = act.client.get("/account/tiktok").get_data(as_text=True)  # queues it again
    assert 'id="proof-pending"' in page
    run_worker(app)
    assert_proven_and_released(app, sandbox, video, flag_id)
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert 'id="proof-pending"' not in page and "is yours" in page
