"""An admin's "refresh now": one video or one creator's videos queued at once, through the
real queue and worker and the sandbox; a cooldown per video and per creator kept in Redis;
audited; the admin partial shows the next refresh, the button or the wait."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import run_worker
from webapp.audit.models import AuditEvent
from webapp.auth import services as auth
from webapp.extensions import db, jobqueue
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import scheduling


@pytest.fixture
def video(app, sandbox):
    """An approved video of a proven creator, refreshed a moment ago (not due for an hour),
    and a second approved video of the same creator; the queue empty."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=100)
        vid = factories.tiktok_video(sandbox, _user_id(sandbox), views=300)
        sub = submissions.submit(video["creator_id"],
                                 f"https://www.tiktok.com/@sari.dance/video/{vid}")
        submissions.verify(sub.id)
        video["other"] = submissions.approve(sub.id, video["admin_id"]).id
        db.session.execute(db.update(Submission).values(next_refresh_at=utcnow()
                                                        + timedelta(hours=1)))
        db.session.commit()
        auth.set_locale(db.session.get(Submission, video["sub_id"]).reviewed_by, "en")
        jobqueue.connection.flushdb()
    return video


def _user_id(sandbox) -> str:
    import requests

    users = requests.get(sandbox.base_url + "/_sandbox/users", timeout=5).json()["users"]
    return next(u["user_id"] for u in users if u["handle"] == "sari.dance")


def test_one_video_is_queued_at_once_audited_and_refreshed(app, sandbox, video):
    factories.set_views(sandbox, video["vid"], 2_500)
    with app.app_context():
        forced = scheduling.refresh_now(video["admin_id"], submission_id=video["sub_id"])
        assert (forced.videos, forced.jobs) == (1, 1)
        assert jobqueue.queue.job_ids == [f"refresh-now-{video['sub_id']}"]
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refresh_now"))
        assert (event.actor_id, event.subject_type, event.subject_id, event.submission_id) == (
            video["admin_id"], "submission", str(video["sub_id"]), video["sub_id"])
        assert scheduling.lease_due(10) == []  # leased to its job: the scan leaves it
    run_worker(app)
    with app.app_context():
        sub = db.session.get(Submission, video["sub_id"])
        assert sub.current_views == 2_500
        assert aware(sub.next_refresh_at) > utcnow() + timedelta(minutes=50)  # hourly again
        assert db.session.get(Submission, video["other"]).current_views == 300  # untouched


def test_a_cooldown_per_video_and_per_creator(app, video):
    with app.app_context():
        scheduling.refresh_now(video["admin_id"], submission_id=video["sub_id"])
        with pytest.raises(scheduling.CoolingDown) as info:
            scheduling.refresh_now(video["admin_id"], submission_id=video["sub_id"])
        assert 290 <= info.value.seconds_left <= 300
        forced = scheduling.refresh_now(video["admin_id"], creator_id=video["creator_id"])
        assert forced.videos == 2  # the creator's own cooldown is separate
        with pytest.raises(scheduling.CoolingDown):
            scheduling.refresh_now(video["admin_id"], creator_id=video["creator_id"])
        assert scheduling.refresh_now(video["admin_id"], submission_id=video["other"]).videos == 1
        assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "refresh_now")) == 3  # refused attempts are not audited
        app.config["REFRESH_NOW_COOLDOWN_SECONDS"] = 1
        jobqueue.connection.delete("viewpay:refresh-now:video:%s" % video["sub_id"])
        scheduling.refresh_now(video["admin_id"], submission_id=video["sub_id"])
        time.sleep(1.1)
        assert scheduling.refresh_now(video["admin_id"], submission_id=video["sub_id"]).videos == 1


def test_only_tracked_videos_are_refreshed(app, sandbox, video):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "budi_masak")
        budi = factories.creator("budi@example.com", "budi_masak")
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
        waiting = submissions.submit(budi.id, f"https://www.tiktok.com/@budi_masak/video/{vid}")
        for target in ({"submission_id": waiting.id}, {"creator_id": budi.id},
                       {"submission_id": 999_999}):
            with pytest.raises(scheduling.NotTracked):
                scheduling.refresh_now(video["admin_id"], **target)
        assert scheduling.cooldown_left(creator_id=budi.id) == 0  # nothing forced, no wait
        assert not [j for j in jobqueue.queue.job_ids if j.startswith("refresh")]
        with pytest.raises(ValueError):
            scheduling.refresh_now(video["admin_id"])


def test_the_admin_partial_posts_and_shows_the_wait(app, act, video):
    from flask import render_template

    from tests.conftest import csrf_token

    sub_id, creator_id = video["sub_id"], video["creator_id"]
    with app.test_request_context():
        html = render_template("admin/_refresh_now.html", sub=db.session.get(Submission, sub_id))
    assert f'id="refresh-now-video-{sub_id}"' in html and "WIB" in html  # the next refresh
    assert f'hx-post="/admin/refresh-now/video/{sub_id}"' in html

    act.login("admin@example.com")
    answer = act.hx_post(f"/admin/refresh-now/video/{sub_id}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith(f'<div id="refresh-now-video-{sub_id}"')
    assert "Refreshing now." in html and "wait 5 min" in html and "<form" not in html
    again = act.hx_post(f"/admin/refresh-now/video/{sub_id}")
    assert again.status_code == 200 and "wait 5 min" in again.get_data(as_text=True)
    with app.app_context():
        assert jobqueue.queue.job_ids == [f"refresh-now-{sub_id}"]  # the second click: nothing

    plain = act.client.post(f"/admin/refresh-now/creator/{creator_id}",
                            data={"csrf_token": csrf_token(act.client)})
    assert plain.status_code == 303  # without HTMX: back to the page it came from
    with app.app_context():
        both = scheduling.job_id_for(sorted([sub_id, video["other"]]), "refresh-now")
        assert jobqueue.queue.job_ids == [f"refresh-now-{sub_id}", both]
    answer = act.hx_post(f"/admin/refresh-now/creator/{creator_id}")
    assert f'id="refresh-now-creator-{creator_id}"' in answer.get_data(as_text=True)
    assert "wait 5 min" in answer.get_data(as_text=True)
    assert act.hx_post("/admin/refresh-now/video/999999").status_code == 404


def test_creators_may_not_force_refreshes(app, act, video):
    act.login("sari@example.com")
    assert act.hx_post(f"/admin/refresh-now/video/{video['sub_id']}").status_code == 403
    with app.app_context():
        assert jobqueue.queue.count == 0
