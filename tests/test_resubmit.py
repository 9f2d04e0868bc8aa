"""Submitting a video again: the creator's own ended claim is not doubled.

A video whose check said no (private, not theirs) is checked again on the same card, as the
card advises; one an admin rejected is refused with its own message and changes nothing.
Another creator's ended claim still blocks nobody. Real services, the sandbox over HTTP, the
dashboard through the test client; both engines."""
import requests
from sqlalchemy import func, select

from tests import factories
from tests.conftest import csrf_token
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission


def claims_of(video_id) -> list[tuple[int, int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Submission.id, Submission.creator_id, Submission.status)
        .where(Submission.video_id == video_id).order_by(Submission.id))]


def make_public(sandbox, vid):
    requests.patch(sandbox.base_url + f"/_sandbox/videos/{vid}", json={"status": "ok"},
                   timeout=5).raise_for_status()


def test_a_private_video_made_public_is_checked_again_on_the_same_card(ctx, sandbox):
    sari, tt = factories.proven_creator(sandbox)
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=1_200, status="private")
    url = f"https://www.tiktok.com/@sari.dance/video/{vid}"
    first = submissions.submit(sari.id, url).id
    assert submissions.verify(first) == "not_found"

    make_public(sandbox, vid)
    again = submissions.submit(sari.id, url + "?is_from_webapp=1")
    assert again.id == first
    assert claims_of(vid) == [(first, sari.id, "checking")]
    assert submissions.verify(first) == "pending_review"


def test_someone_elses_video_sent_twice_stays_one_card(ctx, sandbox):
    sari, _ = factories.proven_creator(sandbox)
    queen = factories.tiktok_user(sandbox, "viral.queen")
    vid = factories.tiktok_video(sandbox, queen["user_id"], views=90_000)
    first = submissions.submit(sari.id, f"https://www.tiktok.com/@viral.queen/video/{vid}").id
    assert submissions.verify(first) == "not_yours"
    # The same video under her own handle: checked again, and TikTok's answer is the same.
    again = submissions.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    assert again.id == first and submissions.verify(first) == "not_yours"
    # Several links at once take the same road.
    [batch] = submissions.submit_many(sari.id, [f"https://m.tiktok.com/v/{vid}.html"])
    assert batch.id == first
    assert claims_of(vid) == [(first, sari.id, "checking")]
    # Her ended claim never blocks the owner.
    owner = factories.creator("queen@example.com", "viral.queen")
    factories.prove(owner, queen["user_id"])
    assert submissions.verify(first) == "not_yours"
    theirs = submissions.submit(owner.id, f"https://www.tiktok.com/@viral.queen/video/{vid}").id
    assert submissions.verify(theirs) == "pending_review"


def test_a_rejected_video_is_refused_with_its_own_message(app, act, sandbox):
    with app.app_context():
        sari, tt = factories.proven_creator(sandbox)
        admin = factories.admin()
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=5_000)
        url = f"https://www.tiktok.com/@sari.dance/video/{vid}"
        sub = submissions.submit(sari.id, url).id
        submissions.verify(sub)
        submissions.reject(sub, admin.id, "Bukan konten asli")
        before, sari_id = claims_of(vid), sari.id

    act.login("sari@example.com")
    answer = act.client.post("/submissions", data={"url": url,
                                                   "csrf_token": csrf_token(act.client)})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Admin tidak menyetujui video ini" in page
    with app.app_context():
        assert claims_of(vid) == before == [(sub, sari_id, "rejected")]
        [refused] = submissions.submit_many(sari_id, [url])
        assert refused.code == "rejected_before"
        assert db.session.scalar(select(func.count(Submission.id))) == 1
