"""Bio-code ownership proof: the creator's public profile page (webapp.user-detail) over HTTP."""
from datetime import timedelta

import pytest
import requests

from tests import factories
from tests.conftest import csrf_token
from webapp.auth import bio
from webapp.auth import services as auth
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import User
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.timeutil import utcnow


def set_bio(sandbox, user_id, text, **extra):
    requests.patch(sandbox.base_url + f"/_sandbox/users/{user_id}",
                   json={"signature": text, **extra}, timeout=5).raise_for_status()


@pytest.fixture
def sari(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "sari.dance", signature="Dance covers tiap hari")
    return factories.creator(), tt


def test_codes_look_right_and_stay_the_same_until_they_expire(sari):
    creator, _ = sari
    code = bio.issue_code(creator.id).code
    assert code.startswith("VP-") and len(code) == 8
    assert not set(code[3:]) & set("01OI")  # nothing to misread on a phone
    assert bio.issue_code(creator.id).code == code
    bio.current_code(creator.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert bio.current_code(creator.id) is None
    assert bio.issue_code(creator.id).code != code


@pytest.mark.parametrize("text,found", [
    ("VP-7K3Q9", True), ("Dance 💃 vp-7k3q9 | DM", True), ("VP 7K3Q9", True), ("VP7K3Q9", True),
    ("line one\nVP-7K3Q9\nline three", True), ("VP-7K3Q", False), ("VP-7K3Q99", False),
    ("XVP-7K3Q9", False), ("", False), (None, False),
])
def test_the_code_must_be_there_as_a_whole_word(text, found):
    assert bio.code_in_bio("VP-7K3Q9", text) is found


def test_bio_code_binds_the_stable_tiktok_id_and_survives_its_removal(sari, sandbox):
    creator, tt = sari
    code = bio.issue_code(creator.id).code
    set_bio(sandbox, tt["user_id"], f"Dance covers tiap hari {code}")
    user = bio.check_bio(creator.id)
    assert user.tiktok_user_id == tt["user_id"] and user.tiktok_verified_at is not None
    assert bio.current_code(creator.id) is None  # used up

    # The creator takes the code out and even changes handle: the id still proves ownership.
    set_bio(sandbox, tt["user_id"], "Dance covers tiap hari", handle="sari.dances.now")
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=1234)
    sub = submissions.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    assert submissions.verify(sub.id) == "pending_review"

    # And a video by someone who took the old handle is not theirs, whatever the handle says.
    squatter = factories.tiktok_user(sandbox, "sari.dance")
    other = factories.tiktok_video(sandbox, squatter["user_id"], views=5)
    sub = submissions.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{other}")
    assert submissions.verify(sub.id) == "not_yours"


def test_a_missing_or_wrong_code_is_explained_and_binds_nothing(sari, sandbox):
    creator, tt = sari
    code = bio.issue_code(creator.id).code
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(creator.id)
    assert err.value.code == "code_missing" and err.value.params["code"] == code
    set_bio(sandbox, tt["user_id"], "VP-2222A is my code")  # someone else's, or a typo
    with pytest.raises(TikTokLinkError):
        bio.check_bio(creator.id)
    assert db.session.get(User, creator.id).tiktok_user_id is None
    assert bio.current_code(creator.id).last_checked_at is not None


def test_an_expired_code_is_refused_even_if_it_is_in_the_bio(sari, sandbox):
    creator, tt = sari
    row = bio.issue_code(creator.id)
    set_bio(sandbox, tt["user_id"], row.code)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(creator.id)
    assert err.value.code == "no_code"


def test_an_unknown_handle_and_a_blocked_profile_are_told_apart(ctx, sandbox):
    creator = factories.creator(handle="nobody.here")
    bio.issue_code(creator.id)
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(creator.id)
    assert err.value.code == "no_account"
    requests.post(sandbox.base_url + "/_sandbox/knobs", json={"error_rate": 1.0}, timeout=5)
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(creator.id)
    assert err.value.code == "tiktok_down"


def test_one_tiktok_account_verifies_one_viewpay_account(sari, sandbox):
    creator, tt = sari
    set_bio(sandbox, tt["user_id"], bio.issue_code(creator.id).code)
    bio.check_bio(creator.id)
    # A TikTok account can rename itself to another ViewPay account's handle: its stable id
    # is still bound to the first account.
    twin = factories.creator("twin@example.com", "sari.renamed")
    requests.patch(sandbox.base_url + f"/_sandbox/users/{tt['user_id']}",
                   json={"handle": "sari.renamed"}, timeout=5).raise_for_status()
    set_bio(sandbox, tt["user_id"], bio.issue_code(twin.id).code)
    with pytest.raises(TikTokLinkError) as err:
        bio.check_bio(twin.id)
    assert err.value.code == "taken"


def test_the_bio_journey_through_the_page(app, act, sandbox):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        auth.set_locale(factories.creator(), "en")
    act.login("sari@example.com")
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert "Get my code" in page
    fragment = act.hx_post("/account/tiktok/bio-code").get_data(as_text=True)
    assert 'id="tiktok-bio"' in fragment and "Check my bio" in fragment
    with app.app_context():
        code = bio.current_code(1).code
    assert code in fragment
    missing = act.hx_post("/account/tiktok/bio-check")
    assert missing.status_code == 422
    assert f"We could not find {code} in the bio of @sari.dance" in missing.get_data(as_text=True)
    set_bio(sandbox, tt["user_id"], f"hi {code}")
    done = act.hx_post("/account/tiktok/bio-check").get_data(as_text=True)
    assert "Verified: TikTok account @sari.dance is yours" in done
    # Without htmx the forms still work (redirect back with a message).
    response = act.client.post("/account/tiktok/bio-code",
                               data={"csrf_token": csrf_token(act.client)})
    assert response.status_code == 303
