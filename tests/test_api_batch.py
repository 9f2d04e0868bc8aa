"""POST /api/tiktok/batch-views -> 202, one RQ job run by a real (forking) worker against the
sandbox, GET /api/jobs/<id> until done: tracked videos refreshed and credited, the rest only
looked up, short links and share text resolved, junk rejected up front."""
from decimal import Decimal

import requests
from sqlalchemy import func, select

from tests import factories
from tests.conftest import run_worker
from tests.test_api_openapi import api, bearer, spec, token  # noqa: F401
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking.models import ViewSnapshot

RATE = Decimal("0.00002489")


def _shortlink(sandbox, code: str, video_id: str, host: str) -> None:
    requests.post(sandbox.base_url + "/_sandbox/shortlinks",
                  json={"code": code, "video_id": video_id, "host": host},
                  timeout=5).raise_for_status()


def test_a_batch_runs_to_done_with_a_real_worker(app, api, runner, sandbox, token):
    with app.app_context():
        tracked = factories.approved_video(sandbox, views=1_000)
        stranger = factories.tiktok_user(sandbox, "budi")
        untracked = factories.tiktok_video(sandbox, stranger["user_id"], views=777)
        db.session.remove()
    factories.set_views(sandbox, tracked["vid"], 5_000)
    _shortlink(sandbox, "ZSbatch01", untracked, "vt")
    _shortlink(sandbox, "ZTRbatch2", tracked["vid"], "vm")
    urls = [
        f"https://www.tiktok.com/@sari.dance/video/{tracked['vid']}?is_from_webapp=1",
        f"https://m.tiktok.com/v/{untracked}.html",
        "Check out this video… https://vt.tiktok.com/ZSbatch01/ #fyp",
        "https://vm.tiktok.com/ZTRbatch2/",
        "https://vm.tiktok.com/ZZnowhere/",  # a short link that leads to no video
        "https://www.tiktok.com/@sari.dance",  # a profile, not a video
        "https://example.com/@sari.dance/video/1",
        "",
    ]
    queued = api.post("/api/tiktok/batch-views", json={"video_urls": urls},
                      headers=bearer(token("script", "write")))
    assert queued.status_code == 202
    body = queued.get_json()
    assert queued.headers["Location"] == f"/api/jobs/{body['job_id']}"
    assert body["accepted"] == [
        {"url": urls[0], "video_id": tracked["vid"]}, {"url": urls[1], "video_id": untracked},
        {"url": urls[2], "video_id": None}, {"url": urls[3], "video_id": None},
        {"url": urls[4], "video_id": None}]
    assert body["rejected"] == [{"url": urls[5], "reason": "profile_not_video"},
                                {"url": urls[6], "reason": "not_tiktok"},
                                {"url": urls[7], "reason": "empty"}]

    reader = bearer(token("reader"))  # any scope may read a job
    path = f"/api/jobs/{body['job_id']}"
    assert api.get(path).status_code == 401
    assert api.get(path, headers=reader).get_json() == {
        "status": "queued", "done": 0, "total": 5, "results": []}

    run_worker(app)

    job = api.get(path, headers=reader).get_json()
    assert (job["status"], job["done"], job["total"]) == ("done", 5, 5)
    assert job["results"] == [
        {"url": urls[0], "video_id": tracked["vid"], "views": 5_000, "exact": True,
         "error": None},
        {"url": urls[1], "video_id": untracked, "views": 777, "exact": True, "error": None},
        {"url": urls[2], "video_id": untracked, "views": 777, "exact": True, "error": None},
        {"url": urls[3], "video_id": tracked["vid"], "views": 5_000, "exact": True,
         "error": None},
        {"url": urls[4], "video_id": None, "views": None, "exact": None,
         "error": "short_not_found"},
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id)).where(
            Submission.video_id == untracked)) == 0  # looked up, never stored
        assert db.session.scalar(select(func.count(ViewSnapshot.id)).where(
            ViewSnapshot.submission_id == tracked["sub_id"], ViewSnapshot.views == 5_000)) == 1
    video = api.get(f"/api/tiktok/video/{tracked['vid']}", headers=reader).get_json()
    assert video["views"] == 5_000 and video["earnings"] == str(5_000 * RATE)  # credited
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_batch_with_nothing_usable_is_done_at_once(app, api, token):
    queued = api.post("/api/tiktok/batch-views", json={"video_urls": ["not a link"]},
                      headers=bearer(token("script", "write"))).get_json()
    assert queued["accepted"] == [] and queued["rejected"][0]["reason"] == "malformed"
    job = api.get(f"/api/jobs/{queued['job_id']}", headers=bearer(token("reader")))
    assert job.get_json() == {"status": "done", "done": 0, "total": 0, "results": []}


def test_a_job_that_failed_for_good_ends_done_with_the_rest_unprocessed(app, api, sandbox, token):
    """RQ spends its retries (here: none left, and an item the job cannot read): the client sees
    done, with every URL the job never answered marked not_processed, instead of running forever."""
    from rq.job import Job

    from webapp.extensions import jobqueue

    with app.app_context():
        tracked = factories.approved_video(sandbox, views=1_000)
        db.session.remove()
    urls = [f"https://www.tiktok.com/@sari.dance/video/{tracked['vid']}",
            "https://www.tiktok.com/@sari.dance/video/7350000000000000001"]
    body = api.post("/api/tiktok/batch-views", json={"video_urls": urls},
                    headers=bearer(token("script", "write"))).get_json()
    with app.app_context():
        redis = jobqueue.connection
        job = Job.fetch(f"api-batch-{body['job_id']}", connection=redis)
        job.retries_left = 0
        job.save()
        redis.lset(f"viewpay:api:batch:{body['job_id']}:items", 0, "{not json")
    run_worker(app)
    job = api.get(f"/api/jobs/{body['job_id']}", headers=bearer(token("reader"))).get_json()
    assert (job["status"], job["done"], job["total"]) == ("done", 2, 2)
    assert [r["error"] for r in job["results"]] == ["not_processed", "not_processed"]
