"""Claims that cannot be squatted: ended claims release a video, a proven owner beats an unproven
claimant, a sign-up handle is a claim that the account's proven owner takes over."""
import json

import pytest
import requests
from sqlalchemy import select

from tests import factories
from tests.conftest import csrf_token
from webapp.audit.models import AuditEvent
from webapp.auth import bio
from webapp.auth import services as auth
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import services
from webapp.submissions.errors import SubmissionError
from webapp.submissions.models import Submission


def set_bio(sandbox, user_id, text, **extra):
    requests.patch(sandbox.base_url + f"/_sandbox/users/{user_id}",
                   json={"signature": text, **extra}, timeout=5).raise_for_status()


def prove_by_bio(sandbox, creator_id, tiktok_user_id):
    set_bio(sandbox, tiktok_user_id, f"hi {bio.issue_code(creator_id).code}")
    return bio.check_bio(creator_id)


def squatted_then_proven(sandbox, **video):
    """A squatter signed up as @rina.old and got that TikTok account's video approved; the
    account then renamed to @rina.new and its owner proved it by bio code. Returns (squatter,
    owner, video id, the squatter's submission id); the admin is admin@example.com."""
    tt = factories.tiktok_user(sandbox, "rina.old")
    squatter = factories.creator("squat@example.com", "rina.old")
    admin = factories.admin()
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=500, **video)
    loser = services.submit(squatter.id, url(vid, "rina.old")).id
    assert services.verify(loser) == "pending_review"
    services.approve(loser, admin.id)
    set_bio(sandbox, tt["user_id"], "", handle="rina.new")
    owner = factories.creator("rina@example.com", "rina.new")
    prove_by_bio(sandbox, owner.id, tt["user_id"])
    return squatter, owner, vid, loser


def url(vid, handle="budi_masak"):
    return f"https://www.tiktok.com/@{handle}/video/{vid}"


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def status(sub_id):
    db.session.expire_all()
    return db.session.get(Submission, sub_id).status


@pytest.fixture
def budi_tt(ctx, sandbox):
    return factories.tiktok_user(sandbox, "budi_masak")


def test_a_squatters_ended_claim_does_not_keep_the_video(act, budi_tt, sandbox):
    squatter = factories.creator("squat@example.com", "anything.at.all")
    owner = factories.creator("budi@example.com", "budi_masak")
    auth.set_locale(owner, "en")
    vid = factories.tiktok_video(sandbox, budi_tt["user_id"], views=4200)
    first = services.submit(squatter.id, url(vid))
    assert services.verify(first.id) == "not_yours"

    act.login("budi@example.com")
    answer = act.hx_post("/submissions", {"url": url(vid)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "already been submitted" not in answer.get_data(as_text=True)
    mine = db.session.scalar(select(Submission).where(Submission.creator_id == owner.id))
    assert services.verify(mine.id) == "pending_review"
    assert db.session.get(Submission, mine.id).verified_at is not None
    # The squatter can't take it back: one live claim per video.
    with pytest.raises(SubmissionError) as err:
        services.submit(squatter.id, url(vid))
    assert err.value.code == "duplicate"


def test_two_unproven_or_two_proven_claims_never_displace_each_other(budi_tt, sandbox):
    first = factories.creator("first@example.com", "budi_masak")
    second = factories.creator("second@example.com", "budi_masak")  # a claim, not a reservation
    vid = factories.tiktok_video(sandbox, budi_tt["user_id"])
    services.submit(first.id, url(vid))
    with pytest.raises(SubmissionError) as err:
        services.submit(second.id, url(vid))
    assert err.value.code == "duplicate"

    rina_tt = factories.tiktok_user(sandbox, "rina.travel")
    rina = factories.creator("rina@example.com", "rina.travel")
    prove_by_bio(sandbox, rina.id, rina_tt["user_id"])
    other_tt = factories.tiktok_user(sandbox, "other.one")
    other = factories.creator("other@example.com", "other.one")
    prove_by_bio(sandbox, other.id, other_tt["user_id"])
    rinas = factories.tiktok_video(sandbox, rina_tt["user_id"])
    services.submit(rina.id, url(rinas, "rina.travel"))
    with pytest.raises(SubmissionError) as err:  # proven against proven: first one stays
        services.submit(other.id, url(rinas, "rina.travel"))
    assert err.value.code == "duplicate"


def test_a_proven_owner_beats_an_unchecked_unproven_claim(budi_tt, sandbox):
    squatter = factories.creator("squat@example.com", "squatter")
    owner = factories.creator("budi@example.com", "budi_masak")
    prove_by_bio(sandbox, owner.id, budi_tt["user_id"])
    vid = factories.tiktok_video(sandbox, budi_tt["user_id"], views=10)
    loser = services.submit(squatter.id, url(vid)).id  # still checking: no author known yet

    winner = services.submit(owner.id, url(vid)).id  # TikTok is asked now: the author is Budi
    assert status(loser) == "superseded" and status(winner) == "checking"
    assert "proven owner" in db.session.get(Submission, loser).status_detail
    (event,) = events("claim_superseded")
    assert event.actor_id is None and event.creator_id == squatter.id
    assert event.submission_id == loser
    assert services.verify(winner) == "pending_review"
    assert services.verify(loser) == "superseded"  # its queued check changes nothing


def test_a_proven_creator_cannot_supersede_someone_elses_video(budi_tt, sandbox):
    budi = factories.creator("budi@example.com", "budi_masak")  # the real owner, unproven
    rina_tt = factories.tiktok_user(sandbox, "rina.travel")
    rina = factories.creator("rina@example.com", "rina.travel")
    prove_by_bio(sandbox, rina.id, rina_tt["user_id"])
    vid = factories.tiktok_video(sandbox, budi_tt["user_id"])
    budis = services.submit(budi.id, url(vid)).id
    with pytest.raises(SubmissionError) as err:
        services.submit(rina.id, url(vid))
    assert err.value.code == "duplicate" and status(budis) == "checking"


def test_an_approved_unproven_claim_is_superseded_and_the_admin_sees_both(act, sandbox, ctx):
    # The TikTok account was @rina.old when a squatter signed up with that handle and got its
    # video approved; the account then renamed, and its owner proved it under the new name.
    squatter, owner, vid, loser = squatted_then_proven(sandbox)
    admin = auth.find_by_email("admin@example.com")
    assert status(loser) == "approved"  # the squatter's handle was another one

    winner = services.submit(owner.id, url(vid, "rina.new")).id  # author id already known
    sub = db.session.get(Submission, loser)
    assert sub.status == "superseded" and sub.next_refresh_at is None  # no longer tracked
    assert services.verify(winner) == "pending_review"
    assert json.loads(events("claim_superseded")[0].detail)["previous_status"] == "approved"
    from webapp.tracking import flags  # what the squatter earned stays held for an admin

    assert [f.kind for f in flags.open_for_creator(squatter.id)] == ["identity"]

    auth.set_locale(admin, "en")
    act.login("admin@example.com")
    queue = act.client.get("/admin/").get_data(as_text=True)
    row = queue[queue.index(f'id="row-{winner}"'):]
    row = row[:row.index("</tr>")]
    assert "also claimed by squat@example.com (unproven, superseded)" in row


def test_sign_up_with_a_handle_an_unproven_account_uses(client, budi_tt):
    factories.creator("squat@example.com", "budi_masak")
    token = csrf_token(client)
    response = client.post("/signup", data={"email": "budi@example.com", "password": "kopi-tubruk-77",
                                            "tiktok_handle": "@Budi_Masak", "csrf_token": token})
    assert response.status_code == 302
    assert auth.find_by_email("budi@example.com").tiktok_handle == "Budi_Masak"


def test_proving_takes_the_handle_and_supersedes_the_squatters_claims(app, act, sandbox):
    from webapp.auth import signals

    proofs = []

    def heard(user_id):  # listens like tracking does; changes nothing
        proofs.append(user_id)

    signals.identity_proven.connect(heard)
    with app.app_context():
        budi_tt = factories.tiktok_user(sandbox, "budi_masak")
        squatter = factories.creator("squat@example.com", "budi_masak")
        auth.set_locale(squatter, "en")
        owner = factories.creator("budi@example.com", "Budi_Masak")
        auth.set_locale(owner, "en")
        bystander_id = factories.creator("third@example.com", "third.one").id
        vid = factories.tiktok_video(sandbox, budi_tt["user_id"], views=77)
        taken = services.submit(squatter.id, url(vid)).id
        assert services.verify(taken) == "pending_review"  # the handle matched
        squatter_id, owner_id = squatter.id, owner.id

    act.login("budi@example.com")
    act.hx_post("/account/tiktok/bio-code")
    with app.app_context():
        set_bio(sandbox, budi_tt["user_id"], f"resep {bio.current_code(owner_id).code}")
    done = act.hx_post("/account/tiktok/bio-check")
    assert done.status_code == 200 and "is yours" in done.get_data(as_text=True)
    assert proofs == [owner_id]
    signals.identity_proven.disconnect(heard)

    with app.app_context():
        lost = db.session.get(User, squatter_id)
        assert lost.tiktok_handle is None and lost.handle_lost == "budi_masak"
        assert lost.handle_lost_at is not None
        assert db.session.get(User, bystander_id).tiktok_handle == "third.one"
        (event,) = events("handle_released")
        assert event.actor_id is None and event.creator_id == squatter_id
        assert status(taken) == "superseded"
        assert services.verify(services.submit(owner_id, url(vid)).id) == "pending_review"

    act.logout()
    act.login("squat@example.com")
    dashboard = act.client.get("/dashboard").get_data(as_text=True)
    assert "The owner of the TikTok account @budi_masak proved" in dashboard
    assert "no longer tracked for you" in dashboard  # the superseded video says why
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert 'name="tiktok_handle"' in page and "@None" not in page
    refused = act.hx_post("/account/handle", {"tiktok_handle": "@budi_masak"})
    assert refused.status_code == 422
    assert "already proven it on another ViewPay account" in refused.get_data(as_text=True)
    plain = act.client.post("/account/handle", data={"tiktok_handle": "no spaces!",
                                                     "csrf_token": csrf_token(act.client)})
    assert plain.status_code == 303  # without htmx: back to the page with the reason
    assert "2-24 letters" in act.client.get("/account/tiktok").get_data(as_text=True)
    saved = act.hx_post("/account/handle", {"tiktok_handle": "@squat.real"})
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/account/tiktok"
    with app.app_context():
        assert db.session.get(User, squatter_id).tiktok_handle == "squat.real"
    assert "proved on" not in act.client.get("/dashboard").get_data(as_text=True)


def test_oauth_proof_takes_the_handle_too(app, sandbox, ctx):
    from tests.test_earnings_services import approved_submission
    from tests.test_oauth import connect_creator
    from webapp.tracking import flags

    sari_tt = factories.tiktok_user(sandbox, "sari.dance")
    squatter = factories.creator("squat@example.com", "sari.dance")
    owner = factories.creator("sari@example.com", "sari.dance")
    held = flags.raise_flag(approved_submission(owner).id, owner.id, "identity", None,
                            {"proven": False})
    connect_creator(app, sandbox, owner.id, "sari.dance")
    db.session.expire_all()
    assert db.session.get(User, owner.id).tiktok_user_id == sari_tt["user_id"]
    assert db.session.get(User, squatter.id).tiktok_handle is None
    assert flags.get(held.id).status == "cleared"  # the proof released what it answers


def test_a_creator_without_a_handle_breaks_nothing(app, act, sandbox, ctx):
    from tests.test_oauth import connect_creator

    own_tt = factories.tiktok_user(sandbox, "lost.one")
    other_tt = factories.tiktok_user(sandbox, "someone")
    user = factories.creator("lost@example.com", "lost.one")
    user.tiktok_handle = None  # as after losing it
    db.session.commit()
    user_id = user.id
    vid = factories.tiktok_video(sandbox, other_tt["user_id"])
    assert services.verify(services.submit(user_id, url(vid, "someone")).id) == "not_yours"
    bio.issue_code(user_id)
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(user_id)
    assert err.value.code == "no_account"
    act.login("lost@example.com")
    assert act.client.get("/dashboard").status_code == 200
    assert act.client.get("/account/tiktok").status_code == 200
    assert act.hx_post("/account/tiktok/bio-check").status_code == 422
    # Login Kit proves which account is theirs, whatever handle they had.
    connect_creator(app, sandbox, user_id, "lost.one")
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.tiktok_handle == "lost.one" and user.tiktok_user_id == own_tt["user_id"]


def test_approving_an_unproven_creators_video_needs_an_acknowledgement(act, budi_tt, sandbox):
    budi = factories.creator("budi@example.com", "budi_masak")
    admin = factories.admin()
    auth.set_locale(admin, "en")
    subs = [services.submit(budi.id, url(factories.tiktok_video(sandbox, budi_tt["user_id"])))
            for _ in range(3)]
    for sub in subs:
        services.verify(sub.id)
    ids = [sub.id for sub in subs]
    act.login("admin@example.com")
    queue = act.client.get("/admin/").get_data(as_text=True)
    assert queue.count('name="ack_unproven"') == 1  # the warning once per creator
    assert queue.count('class="badge unproven"') == 2  # later rows: a small badge
    first = queue.index(f'id="row-{ids[0]}"')
    assert first < queue.index('name="ack_unproven"') < queue.index(f'id="row-{ids[1]}"')

    refused = act.hx_post(f"/admin/submissions/{ids[1]}/approve")
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert 'name="ack_unproven"' in body and "not proven their TikTok account" in body
    assert status(ids[1]) == "pending_review"
    approved = act.hx_post(f"/admin/submissions/{ids[1]}/approve", {"ack_unproven": "1"})
    assert approved.status_code == 200 and status(ids[1]) == "approved"
    (event,) = events("approve")
    assert event.actor_id == admin.id and event.creator_id == budi.id
    assert event.submission_id == ids[1]
    assert json.loads(event.detail) == {"acknowledged_unproven": True}
