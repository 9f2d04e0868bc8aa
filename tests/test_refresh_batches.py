"""Refreshes in batches, on real parts: the scan leases and packs due videos, a real (forking)
RQ worker fetches them concurrently from the sandbox over HTTP and stores them 20 per
transaction with their credits. Each video's answer is its own, money is booked exactly once
(a batch run twice, a worker killed mid-batch and its job run again), and two schedulers at
once never queue a video twice."""
import os
import signal
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from rq.job import JobStatus
from sqlalchemy import func, select

from tests import factories
from tests.conftest import run_worker
from tests.test_worker_faults import horse_of, job, retry_now, wait_for
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db, jobqueue
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.tiktok.limits import Limit, RateLimiter
from webapp.timeutil import aware, utcnow
from webapp.tracking import scheduling, services
from webapp.tracking.models import ViewSnapshot
from webapp.tracking.refresh import refresh_many

RATE = Decimal("0.00002489")


def knobs(sandbox, **values):
    requests.post(sandbox.base_url + "/_sandbox/knobs", json=values, timeout=5).raise_for_status()


def page_requests(sandbox) -> list[dict]:
    return requests.get(sandbox.base_url + "/_sandbox/requests", params={"surface": "page"},
                        timeout=5).json()["requests"]


def tracked_videos(app, sandbox, views: list[int]) -> tuple[int, list[int], list[str]]:
    """A proven creator's approved videos (page path), due now, the queue empty:
    (creator id, submission ids, TikTok video ids), in id order."""
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        creator, admin = factories.creator(), factories.admin()
        factories.prove(creator, tt["user_id"])
        vids, ids = [], []
        for count in views:
            vid = factories.tiktok_video(sandbox, tt["user_id"], views=count)
            sub = submissions.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
            submissions.verify(sub.id)
            ids.append(submissions.approve(sub.id, admin.id).id)
            vids.append(vid)
        jobqueue.connection.flushdb()
        return creator.id, ids, vids


def entries_of(sub_id) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.submission_id == sub_id)
                                   .order_by(LedgerEntry.id)))


def refresh_snapshots(sub_id) -> int:
    """Snapshots stored after the one of the video's verification."""
    return db.session.scalar(select(func.count(ViewSnapshot.id)).where(
        ViewSnapshot.submission_id == sub_id)) - 1


TROUBLE = {"private": ({"status": "private"}, "private"),
           "deleted": ({"status": "deleted"}, "unavailable"),
           "waf": ({"page_mode": "waf"}, "blocked"),
           "garbled": ({"page_mode": "garbled"}, "garbled")}


def test_a_batch_with_mixed_answers_records_each_and_credits_each_count_once(app, sandbox):
    names = ["slow", "ok", *TROUBLE, "ok2"]
    creator_id, ids, vids = tracked_videos(app, sandbox, [1000 * (n + 1) for n in range(7)])
    sub, vid = dict(zip(names, ids)), dict(zip(names, vids))
    for name in ("slow", "ok", "ok2"):
        factories.set_views(sandbox, vid[name], 50_000)
    for name, (change, _) in TROUBLE.items():
        factories.set_views(sandbox, vid[name], 50_000, **change)
    # One fetch at a time, the first (the "slow" video) taking longer than the deadline: the
    # sandbox answers it slowly, and quickly again as soon as it has started.
    app.config.update(REFRESH_CONCURRENCY=1, TIKTOK_TIMEOUT_SECONDS=1)
    knobs(sandbox, latency_ms=4000)

    def fast_again():
        wait_for(lambda: page_requests(sandbox), timeout=30)
        knobs(sandbox, latency_ms=0)

    with app.app_context():
        requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5)
        assert scheduling.enqueue_due_refreshes() == 1  # one batch job for all seven
    helper = threading.Thread(target=fast_again)
    helper.start()
    run_worker(app)
    helper.join()

    with app.app_context():
        for name, (_, reason) in TROUBLE.items():
            video = db.session.get(Submission, sub[name])
            assert (video.current_views, video.refresh_failures) == (1000 * (names.index(name)
                                                                              + 1), 1), name
            assert video.last_fetch_error.startswith(reason), name
            assert aware(video.next_refresh_at) > utcnow()  # backing off, not due again
            assert refresh_snapshots(sub[name]) == 0 and len(entries_of(sub[name])) == 1
        slow = db.session.get(Submission, sub["slow"])
        assert slow.refresh_failures == 1 and slow.last_fetch_error.startswith("upstream")
        for name in ("ok", "ok2"):
            assert db.session.get(Submission, sub[name]).current_views == 50_000
            assert [e.views_to for e in entries_of(sub[name])][-1] == 50_000
            assert len(entries_of(sub[name])) == 2  # the approval's credit, this refresh's
        expected = RATE * (50_000 * 2 + sum(1000 * (n + 1) for n in (0, 2, 3, 4, 5)))
        assert earnings.balance(creator_id) == expected

    # The same batch again, twice: the slow video's count comes in and is credited once; the
    # others store another snapshot and credit nothing more.
    from jobs.refresh import refresh_batch

    assert refresh_batch(ids)[sub["slow"]] == "ok"
    assert refresh_batch(ids)[sub["ok"]] == "ok"
    with app.app_context():
        for name in ("ok", "ok2"):
            assert len(entries_of(sub[name])) == 2 and refresh_snapshots(sub[name]) == 3
        assert len(entries_of(sub["slow"])) == 2
        assert earnings.balance(creator_id) == expected + RATE * (50_000 - 1000)
        assert verify_ledger() == []


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(app, sandbox):
    creator_id, ids, vids = tracked_videos(app, sandbox, [100] * 25)
    for vid in vids:
        factories.set_views(sandbox, vid, 7_000)
    # One slow fetch at a time: the first 20 videos (a transaction) are stored while the last
    # five are still being fetched; the work horse is killed then.
    app.config["REFRESH_CONCURRENCY"] = 1
    knobs(sandbox, latency_ms=150)
    with app.app_context():
        assert scheduling.enqueue_due_refreshes() == 1
        job_id = jobqueue.queue.job_ids[0]

    def stored() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count(Submission.id)).where(
                Submission.id.in_(ids), Submission.current_views == 7_000))

    def kill_after_the_first_group():
        horse = wait_for(lambda: horse_of(os.getpid()), timeout=30)
        wait_for(lambda: stored() >= 20, timeout=30, step=0.02)
        os.kill(horse, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_the_first_group)
    killer.start()
    run_worker(app)
    killer.join()
    assert job(app, job_id).get_status() == JobStatus.SCHEDULED  # RQ will run it again
    with app.app_context():
        assert stored() == 20  # one whole group, with its money: nothing half-done
        assert earnings.balance(creator_id) == RATE * (20 * 7_000 + 5 * 100)
        assert verify_ledger() == []

    knobs(sandbox, latency_ms=0)
    retry_now(app)  # the retry runs all 25 again
    with app.app_context():
        assert stored() == 25
        assert earnings.balance(creator_id) == RATE * 25 * 7_000
        for sub_id in ids:  # each video credited once for 7.000 views, whatever ran twice
            assert [e.views_to for e in entries_of(sub_id)] == [100, 7_000]
        assert sorted(refresh_snapshots(i) for i in ids) == [1] * 5 + [2] * 20
        assert verify_ledger() == []


def test_two_schedulers_at_once_never_queue_a_video_twice(app, sandbox):
    _, ids, _ = tracked_videos(app, sandbox, [10] * 30)
    # Small rounds and batches, so that the two interleave many times.
    app.config.update(REFRESH_TICK_LIMIT=6, REFRESH_BATCH_SIZE=3)
    start = threading.Barrier(2)
    queued = []

    def scheduler():
        with app.app_context():
            start.wait()
            queued.append(scheduling.enqueue_due_refreshes())

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        jobs = [jobqueue.queue.fetch_job(job_id) for job_id in jobqueue.queue.job_ids]
        in_jobs = sorted(i for j in jobs for i in scheduling.submission_ids_of(j.func_name, j.args))
        assert in_jobs == sorted(ids) and sum(queued) == len(jobs)
        assert set(scheduling.lease_holders()) == set(ids)
        assert scheduling.lease_due(100) == []  # all leased: nothing is due any more
    run_worker(app)
    with app.app_context():
        assert all(refresh_snapshots(i) == 1 for i in ids)


def test_a_bug_on_one_video_loses_none_of_the_others(app, sandbox, monkeypatch):
    creator_id, ids, vids = tracked_videos(app, sandbox, [100] * 3)
    for vid in vids:
        factories.set_views(sandbox, vid, 900)
    real = services.record_snapshot

    def broken_for_the_second(submission_id, stats, **kwargs):
        if submission_id == ids[1]:
            raise RuntimeError("a bug")
        return real(submission_id, stats, **kwargs)

    monkeypatch.setattr(services, "record_snapshot", broken_for_the_second)
    with app.app_context():
        assert refresh_many(ids) == {ids[0]: "ok", ids[1]: "error", ids[2]: "ok"}
        assert earnings.balance(creator_id) == RATE * (900 + 100 + 900)
        assert db.session.get(Submission, ids[1]).current_views == 100
        assert verify_ledger() == []


def test_batches_hold_whole_display_groups_and_page_videos_apart():
    connected = {1}
    leased = [(i, 1) for i in range(1, 46)] + [(i, 2) for i in range(100, 107)]
    batches = scheduling.pack(leased, connected, size=50)
    assert [len(b) for b in batches] == [45, 7]  # creator 1: 20 + 20 + 5 in one; page apart
    assert [len(b) for b in scheduling.pack(leased, connected, size=30)] == [40, 5, 7]
    assert [len(b) for b in scheduling.pack(leased, connected, size=5)] == [20, 20, 5, 5, 2]
    assert scheduling.job_id_for([7]) == "refresh-7"
    assert scheduling.job_id_for([7, 9]) != scheduling.job_id_for([7, 8])


def test_the_rate_budget_is_taken_in_blocks_and_shared_by_every_process(ctx):
    redis, limit = jobqueue.connection, Limit(600, 60)
    first, second = RateLimiter(redis), RateLimiter(redis)
    first.expect("display", 40)
    assert first.try_acquire("display", limit) == 0.0
    assert second.used("display", limit) == 12  # one round trip reserved 600 / 50 calls
    for _ in range(11):
        assert first.try_acquire("display", limit) == 0.0  # handed out here, no Redis
    assert second.used("display", limit) == 12
    assert first.try_acquire("display", limit) == 0.0  # the next block
    assert first.give_back() == 11  # what this job did not use goes back at its end
    assert second.used("display", limit) == 13
    # A small budget is never overdrawn, however the blocks fall between processes.
    small = Limit(100, 60)  # blocks of 2
    for limiter in (first, second):
        limiter.expect("page", 100)
    admitted = sum(limiter.try_acquire("page", small) == 0.0
                   for _ in range(60) for limiter in (first, second))
    assert admitted == 100 and second.used("page", small) == 100


def test_a_batch_asks_tiktok_for_its_videos_at_the_same_time(app, sandbox):
    _, ids, vids = tracked_videos(app, sandbox, [10] * 8)
    app.config["REFRESH_CONCURRENCY"] = 8
    latency = 1.5
    knobs(sandbox, latency_ms=int(latency * 1000))
    requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5)
    with app.app_context():
        assert set(refresh_many(ids).values()) == {"ok"}
    started = sorted(r["time"] for r in page_requests(sandbox))
    assert len(started) == 8
    # Each call is held `latency` at TikTok: the most calls waiting there at one moment. One
    # at a time gives 1; a machine stalling one thread for a while still leaves most together.
    in_flight = max(sum(1 for t in started if s - latency < t <= s) for s in started)
    assert in_flight >= 6, [round(t - started[0], 3) for t in started]


def test_a_connected_creators_display_call_is_filled_with_their_videos_due_next(
        app, sandbox):
    from tests.test_oauth import connect_creator, sandbox_log

    _, ids, _ = tracked_videos(app, sandbox, [10] * 25)
    now = utcnow()
    with app.app_context():
        connect_creator(app, sandbox, db.session.get(Submission, ids[0]).creator_id,
                        "sari.dance")
        due_at = [now - timedelta(minutes=1)] * 3 + [now + timedelta(minutes=2)] * 16 + \
            [now + timedelta(hours=2)] * 6
        for sub_id, at in zip(ids, due_at):
            db.session.execute(db.update(Submission).where(Submission.id == sub_id)
                               .values(next_refresh_at=at))
        failing, held = ids[3], ids[4]
        db.session.execute(db.update(Submission).where(Submission.id == failing)
                           .values(refresh_failures=2))  # its back-off stands
        db.session.commit()
        jobqueue.connection.hset(scheduling.LEASES_KEY, held, "another-job")
        assert scheduling.enqueue_due_refreshes() == 1
        [job_id] = [j for j in jobqueue.queue.job_ids if j != "refresh-tiktok-tokens"]
        queued = jobqueue.queue.fetch_job(job_id).args[0]
    # 3 due + the 14 due within minutes that may go = 17 ids, in one Display API call.
    assert queued == ids[:3] + ids[5:19]
    requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5)
    run_worker(app)
    calls = sandbox_log(sandbox, "/v2/video/query/")
    assert [len(c["json"]["filters"]["video_ids"]) for c in calls] == [17]
    with app.app_context():
        assert scheduling.lease_due(30) == []  # the others are not due yet


def test_a_credit_booked_meanwhile_makes_the_batch_book_nothing(app, sandbox):
    from webapp.earnings.recovery import CreditRace, credit_many
    from webapp.tiktok.stats import VideoStats

    creator_id, ids, vids = tracked_videos(app, sandbox, [100, 100])
    with app.app_context():
        videos = [db.session.get(Submission, i) for i in ids]  # as the batch read them
        with db.engine.begin() as other:  # another worker credits the first one meanwhile
            table = Submission.__table__
            other.execute(table.update().where(table.c.id == ids[0])
                          .values(credit_seq=table.c.credit_seq + 1))
        snaps = [services.record_snapshot(v.id, VideoStats(video_id=vid, source="page",
                                                           views=500, likes=50), commit=False)
                 for v, vid in zip(videos, vids)]
        with pytest.raises(CreditRace):
            credit_many([(v.id, s.id) for v, s in zip(videos, snaps)])
        db.session.rollback()
        assert earnings.balance(creator_id) == RATE * 200  # nothing of the batch was booked
        assert db.session.scalar(select(func.count(LedgerEntry.id))) == 2


def test_videos_our_display_budget_turned_away_wait_only_until_it_has_room(app, sandbox):
    from tests.test_oauth import connect_creator

    _, ids, _ = tracked_videos(app, sandbox, [10, 10])
    app.config.update(TIKTOK_DISPLAY_RATE=1, TIKTOK_PAGE_RATE=0, TIKTOK_RATE_MAX_WAIT_SECONDS=0)
    with app.app_context():
        connect_creator(app, sandbox, db.session.get(Submission, ids[0]).creator_id,
                        "sari.dance")
        redis = jobqueue.connection
        # The Display budget's one call was spent 50 s ago: room again in about 10 s. The page
        # is off (its "wait" is a whole window, 60 s).
        seconds, micros = redis.time()
        spent = int(seconds) * 1000 + int(micros) // 1000 - 50_000
        redis.zadd("viewpay:tiktok:window:display", {f"{spent}:test:1": spent})
        redis.set("viewpay:tiktok:window-used:display", 1)
        assert refresh_many(ids) == {ids[0]: "throttled", ids[1]: "throttled"}
        for sub_id in ids:
            sub = db.session.get(Submission, sub_id)
            wait = aware(sub.next_refresh_at) - utcnow()
            assert timedelta(seconds=8) < wait < timedelta(seconds=14), wait
            assert sub.refresh_failures == 0  # our own pause is no failure of the video
