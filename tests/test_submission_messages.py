"""Statuses, stored details and fetch errors in plain words (webapp.submissions.messages).

The stored details are what verification and refreshes write for logs; here they come from the
real code running against the sandbox where the sandbox can produce them, and from the stored
formats themselves for what it cannot (our own limiter, a revoked token)."""
import pytest
import requests
from flask_babel import force_locale

from tests import factories
from webapp.extensions import db
from webapp.submissions import messages, services
from webapp.submissions.models import Submission
from webapp.tiktok import errors as tt

# Raw tokens that must never reach a reader.
RAW = ("statusCode", "10204", "oEmbed", "posted by", "unavailable:", "blocked:", "garbled:",
       "throttled:", "(page)", "circuit breaker", "None")


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


def words(raw):
    return messages.error_in_words(raw)


def plain(text):
    assert text and not any(token in text for token in RAW), text
    return text


# (stored detail, words the sentence must carry) for every branch of error_in_words
STORED = [
    ("not_found: deleted (10217 is UNCONFIRMED: seen in one third-party test only): "
     "statusCode 10217", "does not exist"),
    ("not_found: user not found: statusCode 10221", "account that posted this video no longer"),
    ("not_found: short link not found", "short link leads to no video"),
    ("private: private post: statusCode 10216", "video is private"),
    ("private: private account: statusCode 10222", "account is private"),
    ("unavailable: page unavailable (not available (maybe deleted or private; unconfirmed on one "
     "sighting): statusCode 10204); oEmbed not available (deleted, private or invalid): oEmbed "
     "400, not proof of deletion", "page says the video is not available"),
    ("unavailable: page blocked (WAF challenge page); oEmbed oEmbed 404", "kept us from reading"),
    ("unavailable: page region_blocked (withheld in the requesting region: statusCode 10204); "
     "oEmbed oEmbed 404", "not show this video in our region"),
    ("unavailable: page garbled (no webapp.video-detail in the page data); oEmbed oEmbed 404",
     "page could not be read"),
    ("unavailable: under review: statusCode 10204 (author_status,status_reviewing)",
     "reviewing this video"),
    ("unavailable: not available (maybe deleted or private; unconfirmed on one sighting): "
     "statusCode 10204", "One sighting does not prove"),
    ("region_blocked: region-locked: statusCode 10231", "in our region"),
    ("blocked: age-gated post: needs a logged-in session", "age-restricted"),
    ("blocked: WAF challenge page", "blocked the automatic check"),
    ("garbled: photo page (https://www.tiktok.com/@a/photo/1): fetch the /video/ URL",
     "photo post"),
    ("garbled: no playCount in statsV2 or stats", "could not be read"),
    ("rate_limited: page HTTP 429", "slow down"),
    ("throttled: page: circuit breaker open", "paused for a moment"),
    ("throttled: page: rate budget of 60 per 60 s spent", "spaced out"),
    ("upstream: TikTok request deadline passed", "did not answer in time"),
    ("auth: access_token_invalid", "connect again"),
    ("not_owned: not in the Display API answer", "among the creator's own videos"),
    ("invalid_views: the source gave no view count", "no usable view count"),
    ("invalid_url: bad id", "link cannot be used"),
    ("unsafe_url: scheme", "link cannot be used"),
    ("TikTok did not say who posted it", "did not say who posted"),
    ("claimed by the proven owner of this TikTok account", "proven owner of this TikTok account"),
    ("@budi_masak was proven by its owner on another account", "@budi_masak was proven"),
    ("posted by @budi_masak", "@budi_masak posted this video"),
    ("posted by @None", "another account as the author"),
    ("verified view count decreased", "went down"),
]


@pytest.mark.parametrize("raw,expected", STORED)
def test_every_stored_detail_becomes_a_sentence(en, raw, expected):
    assert expected in plain(words(raw))
    assert words(raw) != str(messages.UNKNOWN)


@pytest.mark.parametrize("raw", ["", None, "   "])
def test_nothing_stored_says_nothing(en, raw):
    assert words(raw) is None


@pytest.mark.parametrize("raw", ["surprise: something new happened", "Traceback (most recent",
                                 "error: statusCode 99999", "weird"])
def test_an_unknown_detail_gets_the_generic_sentence_never_the_raw_text(en, raw):
    assert words(raw) == str(messages.UNKNOWN)


def test_every_reason_the_tiktok_layer_can_raise_has_words(en):
    """A new error class added to webapp.tiktok.errors without words fails here."""
    reasons = {cls.reason for cls in vars(tt).values()
               if isinstance(cls, type) and issubclass(cls, tt.TikTokError)} - {"error"}
    generic = str(messages.UNKNOWN)
    assert {reason for reason in reasons if words(f"{reason}: x") == generic} == set()


def test_status_labels_and_sources(en):
    for status in ("checking", "pending_review", "not_yours", "not_found", "check_failed",
                   "approved", "rejected", "superseded"):
        label = str(messages.status_label(status))
        assert label and "_" not in label
    assert str(messages.status_label("superseded")) == "Superseded"
    assert str(messages.status_label("no-such-status")) == "Unknown status"
    assert messages.source_in_words("page") == "from the TikTok page"
    assert messages.source_in_words("manual") == "entered by an admin"
    assert messages.source_in_words("bogus") == "from an unknown source"


# What the sandbox makes real verification store, and its words (VERIFY_MAX_ATTEMPTS is 2).
VERIFIED = [
    ({"status": "private"}, "not_found", "video is private"),
    ({"status": "private_account"}, "not_found", "account is private"),
    ({"status": "deleted"}, "not_found", "page says the video is not available"),
    ({"status": "under_review"}, "not_found", "page says the video is not available"),
]


@pytest.mark.parametrize("video,status,expected", VERIFIED)
def test_what_verification_stores_reads_as_words(app, sandbox, video, status, expected):
    with app.app_context():
        tt_user = factories.tiktok_user(sandbox, "sari.dance")
        creator = factories.creator()
        vid = factories.tiktok_video(sandbox, tt_user["user_id"], views=5, **video)
        sub_id = services.submit(creator.id, f"https://www.tiktok.com/@sari.dance/video/{vid}").id
        for _ in range(2):
            try:
                services.verify(sub_id)
            except services.RetryLater:
                pass
        sub = db.session.get(Submission, sub_id)
        assert sub.status == status and sub.status_detail
        with app.test_request_context(), force_locale("en"):
            assert expected in plain(messages.detail_in_words(sub))


def test_not_yours_names_the_author_and_a_failed_attempt_says_we_retry(app, sandbox):
    with app.app_context():
        budi = factories.tiktok_user(sandbox, "budi_masak")
        sari = factories.creator()
        vid = factories.tiktok_video(sandbox, budi["user_id"], views=5)
        sub_id = services.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}").id
        assert services.verify(sub_id) == "not_yours"
        deleted = factories.tiktok_video(sandbox, budi["user_id"], status="deleted")
        retried = services.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{deleted}").id
        with pytest.raises(services.RetryLater):
            services.verify(retried)
        with app.test_request_context(), force_locale("en"):
            not_yours = messages.detail_in_words(db.session.get(Submission, sub_id))
            assert "@budi_masak posted this video, not this creator" in plain(not_yours)
            checking = messages.detail_in_words(db.session.get(Submission, retried))
            assert plain(checking).endswith("We will try again shortly.")


def test_what_a_failed_refresh_stores_reads_as_words(app, sandbox):
    from webapp.tracking.refresh import refresh_submission

    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
    expected = {"waf": "blocked the automatic check", "login": "blocked the automatic check",
                "garbled": "could not be read"}
    for mode, sentence in expected.items():
        requests.patch(sandbox.base_url + f"/_sandbox/videos/{video['vid']}",
                       json={"page_mode": mode}, timeout=5).raise_for_status()
        with app.app_context():
            refresh_submission(video["sub_id"])
            sub = db.session.get(Submission, video["sub_id"])
            assert sub.last_fetch_error, mode
            with app.test_request_context(), force_locale("en"):
                assert sentence in plain(messages.error_in_words(sub.last_fetch_error)), mode


def test_owner_evidence_in_words(app, sandbox):
    with app.app_context():
        sari_tt = factories.tiktok_user(sandbox, "sari.dance")
        budi_tt = factories.tiktok_user(sandbox, "budi_masak")
        sari = factories.creator()
        budi = factories.creator("budi@example.com", "budi_masak")
        factories.prove(budi, budi_tt["user_id"])

        def verified(creator, owner_tt):
            vid = factories.tiktok_video(sandbox, owner_tt["user_id"], views=5)
            sub_id = services.submit(
                creator.id, f"https://www.tiktok.com/@{creator.tiktok_handle}/video/{vid}").id
            services.verify(sub_id)
            return db.session.get(Submission, sub_id)

        proven, typed = verified(budi, budi_tt), verified(sari, sari_tt)
        other = verified(sari, budi_tt)
        unchecked = db.session.get(Submission, services.submit(
            sari.id, f"https://www.tiktok.com/@sari.dance/video/{factories.video_id()}").id)
        with app.test_request_context(), force_locale("en"):
            kind, text = messages.owner_evidence(proven, via_login=False)
            assert kind == "proven" and "code in their TikTok bio" in text
            kind, text = messages.owner_evidence(proven, via_login=True)
            assert kind == "proven" and "signing in with TikTok" in text
            kind, text = messages.owner_evidence(typed, via_login=False)
            assert kind == "matches" and "only typed at sign-up" in text
            kind, text = messages.owner_evidence(other, via_login=False)
            assert kind == "mismatch" and "@budi_masak, the creator is @sari.dance" in text
            assert messages.owner_evidence(unchecked, via_login=False)[0] == "unknown"
