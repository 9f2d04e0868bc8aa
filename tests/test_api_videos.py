"""GET /api/tiktok/video/<id> (with ?refresh=true through the real refresh path and the shared
TikTok budget) and GET /api/videos/needing-observation, against the sandbox over HTTP."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.test_api_openapi import api, bearer, spec, token  # noqa: F401
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


@pytest.fixture
def video(app, sandbox, token):
    with app.app_context():
        made = factories.approved_video(sandbox, views=150_247)
        db.session.remove()
    return {**made, "read": token("reader")}


def _snapshots(app, sub_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ViewSnapshot.id))
                                 .where(ViewSnapshot.submission_id == sub_id))


def test_a_tracked_video_with_exact_earnings(api, video):
    response = api.get(f"/api/tiktok/video/{video['vid']}", headers=bearer(video["read"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["video_id"] == video["vid"] and isinstance(body["video_id"], str)
    assert (body["views"], body["creator"], body["status"]) == (150_247, "@sari.dance", "approved")
    assert (body["source"], body["exact"]) == ("page", True)
    assert body["earnings"] == "3.73964783" == str(150_247 * RATE)
    assert body["created_at"].endswith("+07:00") and body["last_view_update"].endswith("+07:00")
    assert '"video_id": "' in response.get_data(as_text=True).replace('":"', '": "')


def test_refresh_fetches_now_credits_and_keeps_the_ledger_straight(app, api, runner, sandbox,
                                                                   video):
    factories.set_views(sandbox, video["vid"], 200_000)
    path = f"/api/tiktok/video/{video['vid']}"
    assert api.get(path, headers=bearer(video["read"])).get_json()["views"] == 150_247  # stored
    body = api.get(path + "?refresh=true", headers=bearer(video["read"])).get_json()
    assert body["views"] == 200_000 and body["earnings"] == str(200_000 * RATE)
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_refresh_when_the_tiktok_budget_is_spent_is_429(app, api, sandbox, video):
    from webapp.extensions import jobqueue
    from webapp.tiktok.limits import Limit, RateLimiter

    with app.app_context():  # the budget: what verification used, and one more page a minute
        used = RateLimiter(jobqueue.connection).used("page", Limit(1000, 60))
    app.config.update(TIKTOK_PAGE_RATE=used + 1, TIKTOK_RATE_MAX_WAIT_SECONDS=0)
    factories.set_views(sandbox, video["vid"], 160_000)
    path = f"/api/tiktok/video/{video['vid']}?refresh=true"
    assert api.get(path, headers=bearer(video["read"])).get_json()["views"] == 160_000
    factories.set_views(sandbox, video["vid"], 170_000)
    before = _snapshots(app, video["sub_id"])
    refused = api.get(path, headers=bearer(video["read"]))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 75
    assert _snapshots(app, video["sub_id"]) == before  # nothing stored, nothing credited
    assert api.get(path.split("?")[0], headers=bearer(video["read"])).get_json()["views"] == 160_000


def test_a_blocked_refresh_is_502_and_the_video_then_needs_an_admins_eyes(app, api, sandbox,
                                                                          video):
    with app.app_context():  # a second video, fine, must not be listed
        other = factories.tiktok_video(sandbox, factories.tiktok_user(sandbox, "budi")["user_id"])
        db.session.remove()
    factories.set_views(sandbox, video["vid"], 999_999, page_mode="waf")
    auth = bearer(video["read"])
    failed = api.get(f"/api/tiktok/video/{video['vid']}?refresh=true", headers=auth)
    assert failed.status_code == 502
    assert failed.get_json()["error"]["code"] == "refresh_failed"
    assert failed.get_json()["reason"] == "blocked"
    listed = api.get("/api/videos/needing-observation", headers=auth).get_json()["videos"]
    assert [v["video_id"] for v in listed] == [video["vid"]] and other not in str(listed)
    (entry,) = listed
    assert entry["url"] == f"https://www.tiktok.com/@sari.dance/video/{video['vid']}"
    assert entry["views"] == 150_247 and entry["refresh_failures"] == 1
    assert entry["last_fetch_error"].startswith("blocked")
    assert entry["creator"] == "@sari.dance"


def test_needing_observation_is_oldest_update_first_and_limited(app, api, sandbox, token):
    from webapp.submissions import services
    from webapp.tracking.services import record_failure

    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        owner, admin = factories.creator(), factories.admin()
        ids = []
        for views in (10, 20, 30):
            vid = factories.tiktok_video(sandbox, tt["user_id"], views=views)
            sub_id = services.submit(owner.id, f"https://www.tiktok.com/@sari.dance/video/{vid}").id
            services.verify(sub_id)
            services.approve(sub_id, admin.id)
            ids.append((sub_id, vid))
        # Oldest update first: the last one approved was updated long ago.
        sub = db.session.get(Submission, ids[2][0])
        sub.last_view_update = sub.last_view_update.replace(year=2025)
        db.session.commit()
        for sub_id, _ in ids:
            record_failure(sub_id, "blocked: WAF challenge")
        db.session.remove()
    auth = bearer(token("reader"))
    listed = api.get("/api/videos/needing-observation", headers=auth).get_json()["videos"]
    assert [v["video_id"] for v in listed] == [ids[2][1], ids[0][1], ids[1][1]]
    two = api.get("/api/videos/needing-observation?limit=2", headers=auth).get_json()["videos"]
    assert [v["video_id"] for v in two] == [ids[2][1], ids[0][1]]
