"""Refreshes through the source chain, against the sandbox over HTTP: Display API batches for
connected creators, the page otherwise, failover, and failures that never touch views or money."""
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from tests import factories
from tests.conftest import run_worker
from tests.test_oauth import connect_creator, revoke_at_tiktok, sandbox_log
from webapp.auth import connections, crypto
from webapp.earnings import services as earnings
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking import scheduling
from webapp.tracking.models import ViewSnapshot
from webapp.tracking.refresh import refresh_many, refresh_submission

RATE = Decimal("0.00002489")


def knobs(sandbox, **values):
    requests.post(sandbox.base_url + "/_sandbox/knobs", json=values, timeout=5).raise_for_status()


def clear_log(sandbox):
    requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5).raise_for_status()


def approved(creator, admin, vid) -> int:
    url = f"https://www.tiktok.com/@{creator.tiktok_handle}/video/{vid}"
    sub = submissions.submit(creator.id, url)
    assert submissions.verify(sub.id) == "pending_review"
    return submissions.approve(sub.id, admin.id).id


def last_snapshot(sub_id) -> ViewSnapshot:
    return db.session.scalar(select(ViewSnapshot).where(ViewSnapshot.submission_id == sub_id)
                             .order_by(ViewSnapshot.id.desc()).limit(1))


@pytest.fixture
def sari(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance")
    return factories.creator(), factories.admin(), tt


@pytest.fixture
def connected(app, sari, sandbox):
    creator, admin, tt = sari
    connect_creator(app, sandbox, creator.id, "sari.dance")
    return creator, admin, tt


def test_45_videos_of_a_connected_creator_take_3_display_calls(app, connected, sandbox, runner):
    creator, admin, tt = connected
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=100 + i) for i in range(45)]
    ids = [approved(creator, admin, vid) for vid in vids]
    for vid in vids:
        factories.set_views(sandbox, vid, 5000)
    db.session.commit()
    clear_log(sandbox)
    # One batch job (REFRESH_BATCH_SIZE is 50), making one Display call per 20 ids.
    assert "queued 1 refresh job(s)" in runner.invoke(args=["jobs", "refresh-due"]).output
    run_worker(app)
    calls = sandbox_log(sandbox, "/v2/video/query/")
    assert sorted(len(c["json"]["filters"]["video_ids"]) for c in calls) == [5, 20, 20]
    assert not sandbox_log(sandbox, "/@")  # no page was scraped
    db.session.expire_all()
    seen = {(s.views, s.source, s.exact) for s in map(last_snapshot, ids)}
    assert seen == {(5000, "display", True)}
    assert earnings.balance(creator.id) == RATE * 5000 * 45
    assert "queued 0 refresh job(s)" in runner.invoke(args=["jobs", "refresh-due"]).output


def test_an_id_missing_from_the_answer_fails_alone_and_never_reads_as_zero(connected, sandbox):
    creator, admin, tt = connected
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=1000) for _ in range(3)]
    ids = [approved(creator, admin, vid) for vid in vids]
    for vid in vids:
        factories.set_views(sandbox, vid, 2000)
    factories.set_views(sandbox, vids[1], 2000, status="private")  # gone from video/query
    clear_log(sandbox)
    outcomes = refresh_many(ids)
    assert outcomes == {ids[0]: "ok", ids[1]: "not_owned", ids[2]: "ok"}
    assert len(sandbox_log(sandbox, "/v2/video/query/")) == 1
    missing = db.session.get(Submission, ids[1])
    assert missing.current_views == 1000 and missing.refresh_failures == 1
    assert missing.last_fetch_error.startswith("not_owned")
    assert aware(missing.next_refresh_at) > utcnow() + timedelta(minutes=5)
    assert earnings.balance(creator.id) == RATE * (2000 + 1000 + 2000)


def test_display_down_falls_back_to_the_page_for_that_run(connected, sandbox):
    creator, admin, tt = connected
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    sub_id = approved(creator, admin, vid)
    factories.set_views(sandbox, vid, 77)
    knobs(sandbox, error_rate=1.0, error_surfaces=["api"])
    assert refresh_submission(sub_id) == "ok"
    snap = last_snapshot(sub_id)
    assert (snap.views, snap.source) == (77, "page")
    assert connections.get(creator.id).status == "active"  # an outage is not the creator's fault


def test_a_token_tiktok_expired_is_refreshed_and_the_call_retried(connected, sandbox):
    creator, admin, tt = connected
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    sub_id = approved(creator, admin, vid)
    factories.set_views(sandbox, vid, 88)
    requests.post(sandbox.base_url + "/_sandbox/oauth/expire", json={}, timeout=5)
    clear_log(sandbox)
    assert refresh_submission(sub_id) == "ok"
    assert (last_snapshot(sub_id).views, last_snapshot(sub_id).source) == (88, "display")
    assert [c["status"] for c in sandbox_log(sandbox, "/v2/video/query/")] == [401, 200]
    assert [c["form"]["grant_type"] for c in sandbox_log(sandbox, "/v2/oauth/token/")] == [
        "refresh_token"]


def test_a_revoked_grant_breaks_the_connection_and_the_page_takes_over(connected, sandbox, runner):
    creator, admin, tt = connected
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    sub_id = approved(creator, admin, vid)
    factories.set_views(sandbox, vid, 99)
    revoke_at_tiktok(sandbox, crypto.decrypt(connections.get(creator.id).access_token))
    assert refresh_submission(sub_id) == "ok"  # 401 -> refresh -> invalid_grant -> page
    assert (last_snapshot(sub_id).views, last_snapshot(sub_id).source) == (99, "page")
    conn = connections.get(creator.id)
    assert conn.status == "broken" and "invalid_grant" in conn.last_error
    assert earnings.balance(creator.id) == RATE * 99


def test_exact_statsV2_counts_are_stored_and_paid_rounded_stats_are_not_paid(sari, sandbox):
    creator, admin, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=1000)
    sub_id = approved(creator, admin, vid)
    factories.set_views(sandbox, vid, 1_585_253)  # stats.playCount shows 1,600,000
    assert refresh_submission(sub_id) == "ok"
    snap = last_snapshot(sub_id)
    assert (snap.views, snap.exact, snap.source) == (1_585_253, True, "page")
    assert earnings.balance(creator.id) == RATE * 1_585_253

    factories.set_views(sandbox, vid, 1_612_345, page_mode="stats_only")  # no statsV2
    assert refresh_submission(sub_id) == "inexact"
    snap = last_snapshot(sub_id)
    assert (snap.views, snap.exact) == (1_600_000, False)  # flagged, shown...
    assert earnings.balance(creator.id) == RATE * 1_585_253  # ...and not paid on

    factories.set_views(sandbox, vid, 1_612_345, page_mode="universal")
    assert refresh_submission(sub_id) == "ok"
    assert earnings.balance(creator.id) == RATE * 1_612_345


# Every page outcome that is not a count: a failure with its reason, nothing else changes.
PAGE_TROUBLE = [
    ({"status": "deleted"}, "unavailable"), ({"status": "under_review"}, "unavailable"),
    ({"status": "ambiguous"}, "unavailable"), ({"status": "private"}, "private"),
    ({"status": "private_account"}, "private"), ({"status": "region"}, "region_blocked"),
    ({"status": "region_locked"}, "region_blocked"), ({"page_mode": "waf"}, "blocked"),
    ({"page_mode": "login"}, "blocked"), ({"page_mode": "no_blob"}, "blocked"),
    ({"page_mode": "garbled"}, "garbled"), ({"page_mode": "garbled_types"}, "garbled"),
]


def test_each_page_status_is_a_recorded_failure_that_changes_no_views_or_money(sari, sandbox):
    creator, admin, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=500)
    sub_id = approved(creator, admin, vid)
    before = db.session.get(Submission, sub_id)
    views, updated = before.current_views, before.last_view_update
    snapshots = db.session.scalar(select(func.count(ViewSnapshot.id)))
    for n, (change, reason) in enumerate(PAGE_TROUBLE, start=1):
        factories.set_views(sandbox, vid, 0, **{"status": "ok", "page_mode": "universal", **change})
        assert refresh_submission(sub_id) == reason, change
        sub = db.session.get(Submission, sub_id)
        assert (sub.current_views, sub.last_view_update) == (views, updated)
        assert sub.refresh_failures == n
        assert sub.last_fetch_error.startswith(reason)
    assert db.session.scalar(select(func.count(ViewSnapshot.id))) == snapshots
    assert earnings.balance(creator.id) == RATE * 500


def test_a_429_is_honoured_for_the_video_and_the_whole_source(sari, sandbox):
    creator, admin, tt = sari
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=500)
    sub_id = approved(creator, admin, vid)
    knobs(sandbox, rate_limits={"page": 1}, rate_window_seconds=3600)
    assert refresh_submission(sub_id) == "ok"  # the one call the window allows
    assert refresh_submission(sub_id) == "rate_limited"  # TikTok: 429, Retry-After ~3600
    sub = db.session.get(Submission, sub_id)
    assert aware(sub.next_refresh_at) >= utcnow() + timedelta(seconds=3590)  # > the back-off
    assert sub.refresh_failures == 1 and sub.current_views == 500
    clear_log(sandbox)
    assert refresh_submission(sub_id) == "throttled"  # held: TikTok is not asked again
    assert sandbox_log(sandbox, "/@") == []
    sub = db.session.get(Submission, sub_id)
    assert sub.refresh_failures == 1  # our own pause is no failure of the video
    assert aware(sub.next_refresh_at) >= utcnow() + timedelta(seconds=3500)


def test_our_own_limiter_postpones_without_asking_tiktok(app, sari, sandbox):
    creator, admin, tt = sari
    vids = [factories.tiktok_video(sandbox, tt["user_id"], views=500) for _ in range(2)]
    ids = [approved(creator, admin, vid) for vid in vids]
    app.config.update(TIKTOK_PAGE_RATE=1, TIKTOK_RATE_MAX_WAIT_SECONDS=0)
    from webapp.extensions import jobqueue

    jobqueue.connection.delete("viewpay:tiktok:window:page")  # forget the verifications' calls
    clear_log(sandbox)
    assert refresh_many(ids) == {ids[0]: "ok", ids[1]: "throttled"}
    assert len(sandbox_log(sandbox, "/@")) == 1
    sub = db.session.get(Submission, ids[1])
    assert sub.refresh_failures == 0 and sub.last_fetch_error.startswith("throttled")
    assert utcnow() + timedelta(seconds=30) < aware(sub.next_refresh_at)


def test_scheduling_leases_queued_videos_and_batches_only_connected_creators(app, connected,
                                                                             sandbox, runner):
    creator, admin, tt = connected
    ids = [approved(creator, admin, factories.tiktok_video(sandbox, tt["user_id"]))
           for _ in range(2)]
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    budi = factories.creator("budi@example.com", "budi_masak")
    budis = approved(budi, admin, factories.tiktok_video(sandbox, budi_tt["user_id"]))
    db.session.commit()
    assert "queued 2 refresh job(s)" in runner.invoke(args=["jobs", "refresh-due"]).output
    from webapp.extensions import jobqueue

    queued = set(jobqueue.queue.job_ids)
    assert f"refresh-{budis}" in queued and scheduling.job_id_for(sorted(ids)) in queued
    assert "refresh-tiktok-tokens" in queued
    # Leased: the next scan does not queue them again while their jobs wait.
    assert "queued 0 refresh job(s)" in runner.invoke(args=["jobs", "refresh-due"]).output


def test_a_display_429_holds_the_api_and_the_page_answers_meanwhile(connected, sandbox):
    creator, admin, tt = connected
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    sub_id = approved(creator, admin, vid)
    factories.set_views(sandbox, vid, 55)
    knobs(sandbox, rate_limits={"api": 0}, rate_window_seconds=600)
    assert refresh_submission(sub_id) == "ok"
    assert (last_snapshot(sub_id).views, last_snapshot(sub_id).source) == (55, "page")
    clear_log(sandbox)
    assert refresh_submission(sub_id) == "ok"  # still the page, and the API is left alone
    assert sandbox_log(sandbox, "/v2/") == [] and last_snapshot(sub_id).source == "page"
    assert connections.get(creator.id).status == "active"
