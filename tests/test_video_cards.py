"""Video cards: caption and cover from TikTok (the sandbox, over HTTP), stored by the worker and
served from our own origin; the creator's paged cards at a fixed cost; advice in plain words."""
import hashlib
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from flask import session
from flask_babel import refresh
from sqlalchemy import event

from tests import factories
from tests.conftest import csrf_token, run_worker
from tests.test_oauth import sandbox_log
from webapp.extensions import db
from webapp.submissions import cards, services
from webapp.submissions.advice import advice_for
from webapp.submissions.models import Submission, VideoThumbnail
from webapp.tiktok import errors as tt
from webapp.tiktok.client import http_from_config
from webapp.tiktok.covers import fetch_cover
from webapp.timeutil import utcnow

CAPTION = "Nasi goreng 15 menit, bumbu rumahan #resep #masakmudah"


def knobs(sandbox, **values):
    requests.post(sandbox.base_url + "/_sandbox/knobs", json=values, timeout=5).raise_for_status()


def clear_log(sandbox):
    requests.post(sandbox.base_url + "/_sandbox/requests/clear", timeout=5).raise_for_status()


def cover_link(sandbox, vid) -> str:
    """The cover link TikTok (the sandbox) hands out for a video right now, via oEmbed."""
    answer = requests.get(sandbox.base_url + "/oembed", timeout=5,
                          params={"url": f"https://www.tiktok.com/@_/video/{vid}"})
    return answer.json()["thumbnail_url"]


def cdn_bytes(sandbox, link: str) -> bytes:
    """What the CDN itself serves at that link (fetched straight from the sandbox)."""
    path = link.split(".tiktokcdn.com", 1)[1]
    return requests.get(sandbox.base_url + "/_cdn" + path, timeout=5).content


@pytest.fixture
def sari(ctx, sandbox):
    return factories.proven_creator(sandbox)


def submit(creator, vid) -> int:
    return services.submit(creator.id, f"https://www.tiktok.com/@{creator.tiktok_handle}/video/{vid}").id


def test_the_worker_stores_caption_and_cover_at_verification(app, sandbox):
    with app.app_context():
        tt_user = factories.tiktok_user(sandbox, "sari.dance")
        vid = factories.tiktok_video(sandbox, tt_user["user_id"], views=500, desc=CAPTION)
        sub_id = submit(factories.creator(), vid)
    clear_log(sandbox)
    run_worker(app)  # a real forking RQ worker runs the verification job
    asked = sandbox_log(sandbox, "/_cdn/")
    assert [(r["surface"], r["status"]) for r in asked] == [("cdn", 200)]

    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        thumb = db.session.get(VideoThumbnail, sub_id)
        assert sub.status == "pending_review" and sub.caption == CAPTION
        assert thumb.content_type == "image/png"
        assert thumb.data == cdn_bytes(sandbox, cover_link(sandbox, vid))
        assert sub.has_thumbnail and sub.thumbnail_etag == hashlib.sha256(thumb.data).hexdigest()


def test_a_connected_creator_gets_both_from_the_display_api(app, sari, sandbox):
    from tests.test_oauth import connect_creator

    creator, tt_user = sari
    connect_creator(app, sandbox, creator.id, "sari.dance")
    sub_id = submit(creator, factories.tiktok_video(sandbox, tt_user["user_id"], views=7,
                                                    desc=CAPTION))
    clear_log(sandbox)
    assert services.verify(sub_id) == "pending_review"
    assert sandbox_log(sandbox, "/@") == [] and sandbox_log(sandbox, "/oembed") == []
    sub = db.session.get(Submission, sub_id)
    assert sub.caption == CAPTION and sub.has_thumbnail  # video_description, cover_image_url


@pytest.mark.parametrize("mode", ["huge", "html", "fake", "svg", "redirect", "missing"])
def test_a_bad_cover_is_refused_and_the_video_still_verifies(sari, sandbox, mode):
    creator, tt_user = sari
    sub_id = submit(creator, factories.tiktok_video(sandbox, tt_user["user_id"], views=9,
                                                    desc=CAPTION, cover_mode=mode))
    assert services.verify(sub_id) == "pending_review"
    sub = db.session.get(Submission, sub_id)
    assert sub.caption == CAPTION and not sub.has_thumbnail
    assert db.session.get(VideoThumbnail, sub_id) is None
    assert len(sandbox_log(sandbox, "/_cdn/")) == 1  # asked once; a redirect is not followed


@pytest.mark.parametrize("url", [
    "https://evil.example.com/cover.png",
    "https://tiktokcdn.com.evil.example/cover.png",
    "https://p16-sign-va.tiktokcdn.com.evil.example/cover.png",
    "https://a.p16.tiktokcdn.com/cover.png",  # one label under the CDN domain, no more
    "http://p16-sign-va.tiktokcdn.com/cover.png",
    "https://p16-sign-va.tiktokcdn.com:8443/cover.png",
    "https://user@p16-sign-va.tiktokcdn.com/cover.png",
    "https://127.0.0.1/cover.png",
    "https://www.tiktok.com/@x/video/1",  # TikTok, but not its image CDN
])
def test_only_https_links_on_tiktoks_cdn_are_fetched(ctx, sandbox, url):
    clear_log(sandbox)
    with pytest.raises(tt.UnsafeUrl):
        fetch_cover(http_from_config(), url)
    assert sandbox_log(sandbox, "/") == []  # refused before any request


def test_an_expired_cover_link_is_refused_and_the_backfill_gets_a_fresh_one(sari, sandbox,
                                                                            runner):
    creator, tt_user = sari
    vid = factories.tiktok_video(sandbox, tt_user["user_id"], views=9, cover_mode="missing")
    sub_id = submit(creator, vid)
    assert services.verify(sub_id) == "pending_review"
    assert not db.session.get(Submission, sub_id).has_thumbnail

    old_link = cover_link(sandbox, vid)
    knobs(sandbox, clock_offset_seconds=7 * 3600)  # TikTok's links live about 6 hours
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", timeout=5,
                   json={"cover_mode": "ok", "desc": CAPTION}).raise_for_status()
    with pytest.raises(tt.NotFound):
        fetch_cover(http_from_config(), old_link)

    result = runner.invoke(args=["tiktok", "thumbnails"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"stored": 1, "failed": 0, "deferred": 0}
    db.session.expire_all()
    sub = db.session.get(Submission, sub_id)
    assert sub.has_thumbnail and sub.caption == CAPTION
    assert db.session.get(VideoThumbnail, sub_id).data == cdn_bytes(sandbox,
                                                                     cover_link(sandbox, vid))
    again = runner.invoke(args=["tiktok", "thumbnails"])
    assert json.loads(again.output) == {"stored": 0, "failed": 0, "deferred": 0}


def login(app, email):
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": "password123",
                                         "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    return client


def test_the_thumbnail_is_served_to_its_creator_and_admins_only(app, sandbox):
    with app.app_context():
        video = factories.approved_video(sandbox, views=100)
        factories.tiktok_user(sandbox, "budi_masak")
        factories.creator("budi@example.com", "budi_masak")
        sub = db.session.get(Submission, video["sub_id"])
        etag, data = sub.thumbnail_etag, db.session.get(VideoThumbnail, sub.id).data
    url = f"/videos/{video['sub_id']}/thumbnail"

    owner = login(app, "sari@example.com")
    answer = owner.get(url)
    assert (answer.status_code, answer.mimetype, answer.data) == (200, "image/png", data)
    assert answer.headers["ETag"] == f'"{etag}"'
    assert answer.headers["Cache-Control"].startswith("private")
    assert "immutable" in owner.get(url, query_string={"v": etag}).headers["Cache-Control"]
    again = owner.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert (again.status_code, again.data) == (304, b"")
    assert login(app, "admin@example.com").get(url).status_code == 200

    assert login(app, "budi@example.com").get(url).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert owner.get("/videos/999999/thumbnail").status_code == 404
    with app.app_context():  # a video whose cover could not be stored: 404, a placeholder shows
        tt_user = factories.tiktok_user(sandbox, "sari.other")
        bare = submit(db.session.get(Submission, video["sub_id"]).creator,
                      factories.tiktok_video(sandbox, tt_user["user_id"], cover_mode="missing"))
    assert owner.get(f"/videos/{bare}/thumbnail").status_code == 404
    assert 'class="vc-img vc-placeholder"' in owner.get("/dashboard").get_data(as_text=True)


@contextmanager
def statements():
    """Every SQL statement the app sends meanwhile."""
    seen = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _videos(sandbox, creator, tt_user, admin_id, count):
    ids = []
    for _ in range(count):
        sub_id = submit(creator, factories.tiktok_video(sandbox, tt_user["user_id"], views=1000))
        services.verify(sub_id)
        services.approve(sub_id, admin_id)
        ids.append(sub_id)
    return ids


def test_the_dashboard_costs_the_same_for_5_or_50_videos_and_pages_them(app, sandbox):
    with app.app_context():
        admin = factories.admin()
        owned = {}
        for email, handle, count in (("sari@example.com", "sari.dance", 5),
                                     ("budi@example.com", "budi_masak", 50)):
            tt_user = factories.tiktok_user(sandbox, handle)
            creator = factories.creator(email, handle)
            factories.prove(creator, tt_user["user_id"])
            owned[email] = _videos(sandbox, creator, tt_user, admin.id, count)

    cost = {}
    for email in owned:
        client = login(app, email)
        for url in ("/dashboard", "/dashboard/live", "/dashboard?page=2"):
            with app.app_context(), statements() as seen:
                assert client.get(url).status_code == 200
            cost[email, url] = len(seen)
    for url in ("/dashboard", "/dashboard/live"):
        assert cost["sari@example.com", url] == cost["budi@example.com", url]
    assert cost["budi@example.com", "/dashboard?page=2"] == cost["budi@example.com", "/dashboard"]

    budi = login(app, "budi@example.com")
    newest_first = sorted(owned["budi@example.com"], reverse=True)
    first = budi.get("/dashboard").get_data(as_text=True)
    assert _card_ids(first) == newest_first[:20]
    assert "50 videos" in first or "50 video" in first
    third = budi.get("/dashboard?page=3", headers={"HX-Request": "true"})
    html = third.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section id="live"')
    assert _card_ids(html) == newest_first[40:]
    assert 'hx-get="/dashboard/live?page=3"' in html  # it keeps polling its own page


def _card_ids(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'<li class="video card vc-card[^"]*" id="sub-(\d+)"', html)]


def english(app):
    """A request context in English (new strings are translated by the integrator later)."""
    context = app.test_request_context()
    context.push()
    session["lang"] = "en"
    refresh()
    return context


ADVICE = [
    ({"status": "checking"}, set(), "info", "We are checking this video on TikTok"),
    ({"status": "pending_review"}, set(), "info", "An admin will approve it soon"),
    ({"status": "not_yours", "author_handle_seen": "rina.travel"}, set(), "error",
     "TikTok says @rina.travel posted this video"),
    ({"status": "not_found", "status_detail": "private: private post: statusCode 10216"}, set(),
     "error", "Private video: make it public, then submit the link again."),
    ({"status": "not_found", "status_detail": "unavailable: not available: statusCode 10204"},
     set(), "error", "TikTok cannot find this video"),
    ({"status": "check_failed"}, set(), "warn", "We could not check this video"),
    ({"status": "rejected", "reject_reason": "Uploaded by someone else first"}, set(), "error",
     "Rejected by an admin: Uploaded by someone else first"),
    ({"status": "superseded"}, set(), "error", "The proven owner of this TikTok account"),
    ({"status": "approved", "refresh_failures": 1,
      "last_fetch_error": "private: private post: statusCode 10216"}, set(), "error",
     "Private video: make it public so it keeps counting."),
    ({"status": "approved", "refresh_failures": 2,
      "last_fetch_error": "unavailable: not available: statusCode 10204"}, set(), "error",
     "TikTok does not show this video right now"),
    ({"status": "approved"}, {"spike"}, "warn", "held while an admin checks"),
    ({"status": "approved"}, {"identity"}, "warn", "held until you prove the TikTok account"),
    ({"status": "approved", "refresh_failures": 1, "last_fetch_error": "upstream: HTTP 503"},
     set(), "info", "TikTok did not answer our last check"),
]


@pytest.mark.parametrize("fields,holds,tone,words", ADVICE)
def test_advice_says_what_to_do_in_plain_words(app, fields, holds, tone, words):
    context = english(app)
    try:
        advice = advice_for(Submission(**{"refresh_failures": 0, **fields}), holds)
        assert advice.tone == tone and words in advice.text
        assert "statusCode" not in advice.text and "10216" not in advice.text
    finally:
        context.pop()


def test_a_healthy_earning_video_needs_no_advice_and_says_when_it_updates(app):
    context = english(app)
    try:
        now = utcnow()
        sub = Submission(status="approved", refresh_failures=0,
                         last_view_update=now - timedelta(minutes=3),
                         next_refresh_at=now + timedelta(hours=1))
        assert advice_for(sub) is None
        assert cards.updated_words(sub, now) == "updated 3 minutes ago"
        assert cards.next_words(sub, now) == "next in about 1 hour"
        sub.next_refresh_at = now - timedelta(minutes=5)  # overdue: the next scan takes it
        assert cards.next_words(sub, now) == "next update soon"
        sub.status = "pending_review"  # not refreshed until approved
        assert cards.next_words(sub, now) is None
    finally:
        context.pop()


def test_a_video_made_private_tells_its_creator_to_make_it_public(app, sandbox, act):
    from jobs.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=2000)
    factories.set_views(sandbox, video["vid"], 2500, status="private")
    assert refresh_submission(video["sub_id"]) != "ok"
    act.login("sari@example.com")
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    html = act.client.get("/dashboard").get_data(as_text=True)
    card = html[html.index(f'id="sub-{video["sub_id"]}"'):]
    assert "Private video: make it public so it keeps counting." in card[:card.index("</li>")]


def test_the_video_page_shows_cover_caption_chart_and_table(app, sandbox, act):
    from jobs.refresh import refresh_submission

    with app.app_context():
        tt_user = factories.tiktok_user(sandbox, "sari.dance")
        sari = factories.creator()
        factories.prove(sari, tt_user["user_id"])
        vid = factories.tiktok_video(sandbox, tt_user["user_id"], views=1000, desc=CAPTION)
        sub_id = submit(sari, vid)
        services.verify(sub_id)
        services.approve(sub_id, factories.admin().id)
    factories.set_views(sandbox, vid, 4000)
    assert refresh_submission(sub_id) == "ok"

    act.login("sari@example.com")
    html = act.client.get(f"/submissions/{sub_id}").get_data(as_text=True)
    assert CAPTION in html
    assert f'src="/videos/{sub_id}/thumbnail?v=' in html  # our own origin, never TikTok's CDN
    assert "tiktokcdn" not in html
    assert '<svg class="chart"' in html and 'role="img"' in html
    table = html[html.index('<table class="chart-table">'):]
    assert "4.000" in table[:table.index("</table>")]  # the latest count, in the text alternative


def test_submitting_says_so(app, sandbox, act):
    with app.app_context():
        tt_user = factories.tiktok_user(sandbox, "sari.dance")
        factories.creator()
    vid = factories.tiktok_video(sandbox, tt_user["user_id"])
    act.login("sari@example.com")
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    answer = act.client.post("/submissions", follow_redirects=True, data={
        "url": f"https://www.tiktok.com/@sari.dance/video/{vid}",
        "csrf_token": csrf_token(act.client)})
    html = answer.get_data(as_text=True)
    assert "Submitted. We are checking your video on TikTok" in html
    assert f"TikTok video {vid}" in html  # its card, named by id until TikTok gives a caption
