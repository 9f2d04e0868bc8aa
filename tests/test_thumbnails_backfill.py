"""Covers for every tracked video: the scheduler queues the backfill, a real RQ worker runs it
against the sandbox's oEmbed and CDN over HTTP; a bounded batch per run, within the oEmbed
budget, and a video whose cover keeps failing is given up after MAX_FAILURES runs."""
import json

import pytest
import requests
from rq import Queue
from rq_scheduler import Scheduler

from jobs.scheduler import THUMBNAILS, make_scheduler, register_thumbnails
from tests import factories
from tests.conftest import run_worker
from tests.test_oauth import sandbox_log
from tests.test_video_cards import cdn_bytes, clear_log, cover_link
from webapp.extensions import db, jobqueue
from webapp.submissions import services
from webapp.submissions.models import Submission, VideoThumbnail
from webapp.submissions.thumbnails import MAX_FAILURES, CoverFailure


def _set_cover(sandbox, vid, mode):
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", timeout=5,
                   json={"cover_mode": mode}).raise_for_status()


def _blank_videos(app, sandbox, count: int, then: str = "missing") -> list[tuple[int, str]]:
    """Approved videos whose cover failed at verification (the CDN answers `then` from now
    on): (submission id, TikTok id), oldest first."""
    with app.app_context():
        made = factories.approved_video(sandbox, views=100)
        creator = db.session.get(Submission, made["sub_id"]).creator
        tiktok_id = creator.tiktok_user_id
        videos = []
        for _ in range(count):
            vid = factories.tiktok_video(sandbox, tiktok_id, views=100, cover_mode="missing")
            sub = services.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
            services.verify(sub.id)
            services.approve(sub.id, made["admin_id"])
            assert not db.session.get(Submission, sub.id).has_thumbnail
            _set_cover(sandbox, vid, then)
            videos.append((sub.id, vid))
        jobqueue.connection.flushdb()  # only what the scheduler queues from here on
    return videos


def _tick(app):
    """One scheduler tick with the backfill registered, then a real worker runs what it queued.

    Redis is emptied first, as a restart would: the scheduler registers the job again, due at
    once (otherwise the next run would be an hour away)."""
    with app.app_context():
        jobqueue.connection.flushdb()
        scheduler = Scheduler(queue_name=app.config["RQ_QUEUE"], connection=jobqueue.connection)
        register_thumbnails(scheduler, 3600, app.config["RQ_QUEUE"])
        scheduler.enqueue_jobs()
    run_worker(app)


def _queue(app) -> Queue:
    return Queue(app.config["RQ_QUEUE"], connection=jobqueue.connection)


def _thumbnail(app, sub_id):
    with app.app_context():
        return db.session.get(VideoThumbnail, sub_id)


def _failure(app, sub_id):
    with app.app_context():
        found = db.session.get(CoverFailure, sub_id)
        return (found.failures, found.last_reason) if found else None


def test_the_scheduler_registers_the_backfill_with_its_setting(app):
    app.config["THUMBNAIL_BACKFILL_SECONDS"] = 1234
    with app.app_context():
        scheduler = make_scheduler(app)
        jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs[THUMBNAILS].meta["interval"] == 1234
    assert jobs[THUMBNAILS].func_name == "jobs.thumbnails.backfill"
    assert jobs[THUMBNAILS].origin == app.config["RQ_QUEUE"] + "-periodic"


def test_two_schedulers_queue_the_backfill_once(app):
    with app.app_context():
        first, restarted = make_scheduler(app), make_scheduler(app)
        for scheduler in (first, restarted, first):
            scheduler.enqueue_jobs()
        waiting = Queue(app.config["RQ_QUEUE"] + "-periodic", connection=jobqueue.connection)
        assert waiting.job_ids.count(THUMBNAILS) == 1


def test_a_cover_that_failed_at_verification_arrives_with_the_next_scheduled_run(app, sandbox):
    [(sub_id, vid)] = _blank_videos(app, sandbox, 1, then="ok")  # the CDN hiccup is over
    clear_log(sandbox)
    _tick(app)
    assert [r["status"] for r in sandbox_log(sandbox, "/_cdn/")] == [200]
    thumb = _thumbnail(app, sub_id)
    assert thumb is not None and thumb.data == cdn_bytes(sandbox, cover_link(sandbox, vid))
    with app.app_context():
        assert db.session.get(Submission, sub_id).has_thumbnail
    assert _failure(app, sub_id) is None
    clear_log(sandbox)
    _tick(app)  # nothing is missing any more: TikTok is not asked again
    assert sandbox_log(sandbox, "/oembed") == [] and sandbox_log(sandbox, "/_cdn/") == []


def test_a_cover_that_keeps_failing_is_given_up_after_a_few_runs(app, sandbox, runner):
    [(gone, _), (late, late_vid)] = _blank_videos(app, sandbox, 2)
    for run in range(1, MAX_FAILURES + 1):
        if run == 2:
            _set_cover(sandbox, late_vid, "ok")  # this one recovers on the second run
        _tick(app)
        assert _failure(app, gone) == (run, "cover: not_found")
    assert _failure(app, late) is None and _thumbnail(app, late) is not None
    clear_log(sandbox)
    _tick(app)  # given up: no call for it any more
    assert sandbox_log(sandbox, "/oembed") == [] and sandbox_log(sandbox, "/_cdn/") == []
    assert _failure(app, gone) == (MAX_FAILURES, "cover: not_found") and not _thumbnail(app,
                                                                                        gone)
    result = runner.invoke(args=["tiktok", "thumbnails", "--retry-given-up"])  # an operator
    assert json.loads(result.output) == {"stored": 0, "failed": 1, "deferred": 0}
    assert _failure(app, gone) == (MAX_FAILURES + 1, "cover: not_found")


def test_a_run_takes_a_bounded_batch_and_stops_when_the_oembed_budget_says_wait(app,
                                                                                 sandbox):
    videos = _blank_videos(app, sandbox, 6, then="ok")  # covers fine now, none stored yet
    with app.app_context():
        _queue(app).enqueue("jobs.thumbnails.backfill", 3)
    run_worker(app)
    stored = [sub_id for sub_id, _ in videos if _thumbnail(app, sub_id)]
    assert stored == [sub_id for sub_id, _ in videos[3:]]  # the batch, newest first

    app.config.update(TIKTOK_OEMBED_RATE=1, TIKTOK_RATE_WINDOW_SECONDS=3600,
                      TIKTOK_RATE_MAX_WAIT_SECONDS=0)
    clear_log(sandbox)
    with app.app_context():
        jobqueue.connection.flushdb()  # a fresh budget window: room for exactly one call
        job = _queue(app).enqueue("jobs.thumbnails.backfill", 10, result_ttl=600)
    run_worker(app)
    with app.app_context():
        job.refresh()
        done = json.loads(job.return_value())
    # One oEmbed call fits the budget; the rest are deferred, not counted as failures.
    assert len(sandbox_log(sandbox, "/oembed")) == 1
    assert done == {"stored": 1, "failed": 0, "deferred": 2}
    assert [sub_id for sub_id, _ in videos if _thumbnail(app, sub_id)] == [
        sub_id for sub_id, _ in videos[2:]]
    assert all(_failure(app, sub_id) is None for sub_id, _ in videos)


@pytest.mark.parametrize("mode", ["huge", "fake", "redirect"])
def test_a_refused_cover_counts_as_a_failure_with_its_reason(app, sandbox, mode):
    [(sub_id, _)] = _blank_videos(app, sandbox, 1, then=mode)
    _tick(app)
    failures, reason = _failure(app, sub_id)
    assert failures == 1 and reason.startswith("cover: ") and not _thumbnail(app, sub_id)
