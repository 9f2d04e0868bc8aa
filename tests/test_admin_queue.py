"""The admin review queue and the tracked videos: filters, search, paging by position, bulk
decisions, a re-check that settles in place, and every detail in words (pages in English)."""
import html as htmllib
import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from tests import factories
from tests.conftest import csrf_token, run_worker
from webapp.audit.models import AuditEvent
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.models import APPROVED, PENDING_REVIEW, Submission
from webapp.timeutil import utcnow
from webapp.tracking import flags


def url(handle, vid):
    return f"https://www.tiktok.com/@{handle}/video/{vid}"


def rows(html) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="(?:row|video)-(\d+)"', html)]


def text(html) -> str:
    """What a reader sees: the page without its tags (and their attributes, titles included)."""
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def link(html, rel) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    return found and found[1].replace("&amp;", "&")


def status_of(sub_id):
    db.session.expire_all()
    return db.session.get(Submission, sub_id).status


@pytest.fixture
def world(ctx, sandbox):
    """Budi proved his TikTok account, Sari only typed her handle; five videos need a decision."""
    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    budi_tt = factories.tiktok_user(sandbox, "budi_masak")
    sari, budi = factories.creator(), factories.creator("budi@example.com", "budi_masak")
    factories.prove(budi, budi_tt["user_id"])
    admin = factories.admin()
    auth.set_locale(admin, "en")

    def submitted(creator, owner_tt, **video):
        vid = factories.tiktok_video(sandbox, owner_tt["user_id"], views=1_234, **video)
        sub_id = services.submit(creator.id, url(creator.tiktok_handle, vid)).id
        try:
            services.verify(sub_id)
        except services.RetryLater:
            pass
        return sub_id, vid

    ids = dict(
        budi_page=submitted(budi, budi_tt),
        budi_oembed=submitted(budi, budi_tt, page_mode="waf"),  # verified by oEmbed: no count
        sari_mine=submitted(sari, sari_tt),
        sari_not_yours=submitted(sari, budi_tt),
        sari_private=submitted(sari, sari_tt, status="private"),
    )
    flags.raise_flag(ids["budi_page"][0], budi.id, "spike", None, {"views": 1})
    checking = services.submit(sari.id, url("sari.dance", factories.video_id())).id  # not yet
    return dict(ids={k: v[0] for k, v in ids.items()}, vids={k: v[1] for k, v in ids.items()},
                sari=sari.id, budi=budi.id, admin=admin.id, checking=checking,
                sari_tt=sari_tt, budi_tt=budi_tt)


def test_filters_and_search_narrow_the_queue(act, world):
    ids, vids = world["ids"], world["vids"]
    act.login("admin@example.com")

    def shown(**args):
        response = act.client.get("/admin/", query_string=args)
        assert response.status_code == 200
        return set(rows(response.get_data(as_text=True)))

    assert shown() == set(ids.values())  # every decision waiting; the one being checked is not
    assert shown(status="not_found") == {ids["sari_private"]}
    assert shown(status="checking") == {world["checking"]}
    assert shown(status="bogus") == set(ids.values())  # an unknown value is ignored
    assert shown(flag="spike") == {ids["budi_page"]}
    # Sari's counted videos hold their money until she proves her account (identity flags).
    assert shown(flag="identity") == {ids["sari_mine"], ids["sari_not_yours"]}
    assert shown(flag="any") == {ids["budi_page"], ids["sari_mine"], ids["sari_not_yours"]}
    assert shown(flag="cliff") == set()
    assert shown(source="page") == {ids["budi_page"], ids["sari_mine"], ids["sari_not_yours"]}
    assert shown(source="oembed") == {ids["budi_oembed"]}
    assert shown(creator=world["budi"]) == {ids["budi_page"], ids["budi_oembed"]}
    assert shown(creator=world["budi"], flag="spike") == {ids["budi_page"]}
    # A handle finds the creator's videos and the videos TikTok says that account posted.
    assert shown(q="@budi_masak") == {ids["budi_page"], ids["budi_oembed"], ids["sari_not_yours"]}
    assert shown(q="SARI") == {ids["sari_mine"], ids["sari_not_yours"], ids["sari_private"]}
    assert shown(q=vids["sari_mine"]) == {ids["sari_mine"]}
    assert shown(q=url("whoever", vids["sari_mine"]) + "?is_from_webapp=1") == {ids["sari_mine"]}
    assert shown(q=vids["budi_page"][-7:]) == {ids["budi_page"]}  # the tail the rows show
    assert shown(q="nobody-like-this") == set()

    html = act.client.get("/admin/", query_string={"q": "sari", "flag": "spike"}).get_data(
        as_text=True)
    assert "No video matches these filters." in html and 'href="/admin/"' in html  # clear


def test_rows_say_everything_in_words(act, world):
    ids = world["ids"]
    act.login("admin@example.com")
    html = act.client.get("/admin/").get_data(as_text=True)
    seen = text(html)
    assert "TikTok says @budi_masak posted this video, not this creator." in seen
    assert "The video is private on TikTok" in seen
    assert ("Proven: TikTok names the creator's account, confirmed by a code in their TikTok "
            "bio.") in seen
    assert "The handle matches @sari.dance, which the creator only typed at sign-up" in seen
    assert "Does not match: TikTok names @budi_masak, the creator is @sari.dance." in seen
    assert "from the TikTok page" in seen and "Sudden jump in views" in seen
    for raw in ("statusCode", "posted by @", "private post", "(page)"):
        assert raw not in seen, raw
    assert 'title="private: private post: statusCode 10216"' in html  # raw only for debugging
    # Ids are shortened, the full id stays one click (copy) or hover away.
    vid = world["vids"]["sari_mine"]
    assert f"Video …{vid[-7:]}" in seen and vid not in seen and f'data-copy="{vid}"' in html
    assert f'href="/admin/?creator={world["budi"]}"' in html
    assert html.count('name="ids"') == 5
    assert f'value="{ids["budi_page"]}" form="bulk" data-approvable="1"' in html


def _pending(creator_id, count, at, status=PENDING_REVIEW, **extra):
    subs = [Submission(creator_id=creator_id, video_id=(vid := factories.video_id()),
                       canonical_url=url("_", vid), submitted_url=url("_", vid), status=status,
                       created_at=at, **extra) for _ in range(count)]
    db.session.add_all(subs)
    db.session.commit()
    return [s.id for s in subs]


def _walk(client, start, rel="next"):
    pages, html = [], client.get(start).get_data(as_text=True)
    while True:
        pages.append(rows(html))
        nxt = link(html, rel)
        if not nxt:
            return pages
        html = client.get(nxt).get_data(as_text=True)


def test_paging_is_stable_with_equal_timestamps_and_skips_nothing_after_approvals(act, world):
    ids = _pending(world["budi"], 120, utcnow() - timedelta(days=1))  # one instant, 120 rows
    act.login("admin@example.com")
    pages = _walk(act.client, "/admin/?q=budi")
    assert [len(p) for p in pages] == [50, 50, 23]
    newer = [world["ids"][k] for k in ("budi_page", "budi_oembed", "sari_not_yours")]
    assert sum(pages, []) == ids + newer  # oldest first; equal times in id order, once each
    last = pages[-1]
    back = _walk(act.client, f"/admin/?q=budi&after={pages[1][-1]}", rel="prev")
    assert back == [last, pages[1], pages[0]]

    first = act.client.get("/admin/?q=budi").get_data(as_text=True)
    second_page = link(first, "next")
    response = act.client.post("/admin/submissions/approve-selected?q=budi", data={
        "ids": [str(i) for i in pages[0]], "csrf_token": csrf_token(act.client)})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/?q=budi"
    assert rows(act.client.get(second_page).get_data(as_text=True)) == pages[1]  # none skipped
    assert rows(act.client.get("/admin/?q=budi").get_data(as_text=True)) == pages[1]
    assert status_of(pages[0][0]) == APPROVED


def test_tracked_videos_page_by_position_with_equal_counts(act, world):
    ids = _pending(world["budi"], 70, utcnow(), status=APPROVED, current_views=500,
                   next_refresh_at=utcnow() + timedelta(hours=1))
    act.login("admin@example.com")
    pages = _walk(act.client, "/admin/videos?sort=views")
    assert [len(p) for p in pages] == [50, 20]
    assert sum(pages, []) == sorted(ids, reverse=True)  # equal views: the id decides
    for sort in ("failing", "stale", "next"):
        assert sorted(sum(_walk(act.client, f"/admin/videos?sort={sort}"), [])) == ids, sort
    vid = db.session.get(Submission, ids[0]).video_id
    html = act.client.get(f"/admin/videos?sort=views&q={vid}").get_data(as_text=True)
    assert rows(html) == [ids[0]] and "Next refresh" in html


def test_bulk_approve_with_nothing_ticked_is_refused_and_changes_nothing(act, world):
    act.login("admin@example.com")
    page = act.client.get("/admin/").get_data(as_text=True)
    assert re.search(r'id="aq-approve"[^>]*disabled', page)  # until something is ticked
    assert re.search(r'id="aq-reject"[^>]*disabled', page)
    before = {i: status_of(i) for i in world["ids"].values()}
    for ids in ([], ["", "abc"]):
        response = act.client.post("/admin/submissions/approve-selected",
                                   data={"ids": ids, "csrf_token": csrf_token(act.client)})
        assert response.status_code == 422
        assert "Tick at least one video first." in response.get_data(as_text=True)
    assert {i: status_of(i) for i in world["ids"].values()} == before
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "approve")) == 0


def test_bulk_reject_needs_a_reason_and_rejects_exactly_the_ticked_ones(act, world):
    ids = world["ids"]
    ticked = [ids["sari_not_yours"], ids["sari_private"]]
    act.login("admin@example.com")
    endpoint = f"/admin/submissions/reject-selected?creator={world['sari']}"
    form = {"ids": [str(i) for i in ticked], "csrf_token": csrf_token(act.client)}
    refused = act.client.post(endpoint, data={**form, "reason": "   "})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Say why the selected videos are rejected." in body
    for sub_id in ticked:  # the ticks survive the refusal
        assert re.search(rf'value="{sub_id}" form="bulk" data-approvable="0" checked', body)
    assert [status_of(i) for i in ids.values()].count("rejected") == 0
    nothing = act.client.post(endpoint, data={"csrf_token": form["csrf_token"], "reason": "x"})
    assert nothing.status_code == 422 and "Tick at least one video first." in nothing.get_data(
        as_text=True)

    done = act.client.post(endpoint, data={**form, "reason": "Not your videos"})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/admin/?creator={world['sari']}"  # filters kept
    assert {i for i in ids.values() if status_of(i) == "rejected"} == set(ticked)
    assert {db.session.get(Submission, i).reject_reason for i in ticked} == {"Not your videos"}
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "reject")) == 2
    after = act.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Rejected 2 submission(s)." in after


def test_check_again_polls_the_row_until_the_check_settles(app, act, world, sandbox):
    sub_id, vid = world["ids"]["sari_private"], world["vids"]["sari_private"]
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", json={"status": "ok"},
                   timeout=5).raise_for_status()
    act.login("admin@example.com")
    row_url = f"/admin/submissions/{sub_id}/row"
    started = act.hx_post(f"/admin/submissions/{sub_id}/recheck")
    html = started.get_data(as_text=True)
    assert started.status_code == 200 and html.startswith(f'<tr id="row-{sub_id}"')
    assert f'hx-get="{row_url}" hx-trigger="every 2s"' in html and "Checking…" in html
    assert 'hx-trigger="every 2s"' in act.hx_get(row_url).get_data(as_text=True)  # still going
    run_worker(app)
    settled = act.hx_get(row_url).get_data(as_text=True)
    assert "hx-trigger" not in settled and "Verified, waiting for review" in settled
    assert "which the creator only typed at sign-up" in settled and "Approve" in settled
    assert status_of(sub_id) == PENDING_REVIEW


def test_a_row_action_answers_with_the_row_in_its_new_state(act, world):
    sub_id = world["ids"]["budi_page"]
    act.login("admin@example.com")
    approved = act.hx_post(f"/admin/submissions/{sub_id}/approve").get_data(as_text=True)
    assert approved.startswith(f'<tr id="row-{sub_id}" class="aq-row status-approved"')
    assert "Approved by admin@example.com" in approved and 'name="ids"' not in approved
    form = act.hx_get(f"/admin/submissions/{world['ids']['sari_mine']}/reject")
    assert 'autofocus' in form.get_data(as_text=True)


def test_tracked_videos_filters_words_and_detail_page(app, act, world, sandbox):
    from webapp.tracking import manual
    from webapp.tracking.refresh import refresh_submission

    ids, vids = world["ids"], world["vids"]
    for key in ("budi_page", "budi_oembed"):
        services.approve(ids[key], world["admin"])
    manual.enter_views(ids["budi_oembed"], world["admin"], 2_000, "fetch_blocked", "page blocked")
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vids['budi_page']}",
                   json={"page_mode": "login"}, timeout=5).raise_for_status()
    refresh_submission(ids["budi_page"])
    act.login("admin@example.com")

    def shown(**args):
        return set(rows(act.client.get("/admin/videos", query_string=args).get_data(as_text=True)))

    assert shown() == {ids["budi_page"], ids["budi_oembed"]}
    assert shown(source="manual") == {ids["budi_oembed"]}
    assert shown(flag="spike") == {ids["budi_page"]}
    assert shown(q=vids["budi_oembed"]) == {ids["budi_oembed"]}
    assert shown(creator=world["sari"]) == set()
    html = act.client.get("/admin/videos?sort=failing").get_data(as_text=True)
    assert "TikTok blocked the automatic check" in text(html) and "blocked:" not in text(html)
    assert "1 failed in a row" in html

    detail = act.client.get(f"/admin/videos/{ids['budi_oembed']}").get_data(as_text=True)
    assert vids["budi_oembed"] in detail and "Latest counts" in detail
    assert "entered by an admin" in detail and "Next refresh" in detail
    assert act.client.get("/admin/videos/999999").status_code == 404
