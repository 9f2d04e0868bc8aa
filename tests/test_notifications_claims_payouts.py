"""A creator hears when a withdrawal is refused and when the TikTok account's proven owner takes
over their claim: once each, worded when read, in the reader's language; and every kind of
notification has its words in the one table."""
import uuid
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests import factories
from tests.test_claims import prove_by_bio, squatted_then_proven, url
from webapp.auth import services as auth
from webapp.earnings import payouts
from webapp.earnings.bank import save_account
from webapp.earnings.errors import MoneyError
from webapp.extensions import db
from webapp.notifications import messages
from webapp.notifications.models import (
    CLAIM_SUPERSEDED, FLAGGED, KINDS, PAYOUT_REJECTED, TRACKING_STOPPED, Notification,
    OutboxMail)
from webapp.submissions import services


def notes(user_id: int, kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id)))


def english(kind: str, params: dict) -> messages.Words:
    with force_locale("en"):
        return messages.words(kind, params)


def test_a_refused_withdrawal_is_told_once_with_the_reason(app, ctx, sandbox):
    app.config["PAYOUT_MINIMUM"] = Decimal(1)
    video = factories.approved_video(sandbox, views=150_000)
    sari, admin = video["creator_id"], video["admin_id"]
    save_account(sari, "bca", "1234567890", "Sari Dewi")
    payout = payouts.request_payout(sari, Decimal(2), uuid.uuid4().hex)
    assert notes(sari, PAYOUT_REJECTED) == []
    payouts.reject(payout.id, admin, "Nama pemilik rekening tidak cocok")
    with pytest.raises(MoneyError):  # a second admin's click changes nothing
        payouts.reject(payout.id, admin, "again")
    (told,) = notes(sari, PAYOUT_REJECTED)
    assert told.key == str(payout.id) and told.link == f"/earnings/payouts/{payout.id}"
    assert (Decimal(told.params["amount"]), told.params["reason"]) == (
        Decimal(2), "Nama pemilik rekening tidak cocok")
    said = english(told.kind, told.params)
    assert said.title == "Withdrawal not approved"
    assert said.body == ("Your withdrawal of Rp2 was not approved, so the money is available "
                         "again. Reason: Nama pemilik rekening tidak cocok")
    mailed = db.session.scalar(select(func.count(OutboxMail.id)).where(
        OutboxMail.user_id == sari, OutboxMail.kind == PAYOUT_REJECTED))
    assert mailed == 1


def test_an_approved_claim_taken_by_the_proven_owner_is_told_once(act, ctx, sandbox):
    squatter, owner, vid, loser = squatted_then_proven(sandbox, desc="Pantai Kuta sore ini")
    auth.set_locale(squatter, "en")
    assert notes(squatter.id, CLAIM_SUPERSEDED) == []

    services.submit(owner.id, url(vid, "rina.new"))
    (told,) = notes(squatter.id, CLAIM_SUPERSEDED)
    assert (told.key, told.params["was_approved"]) == (str(loser), True)
    assert told.link == f"/submissions/{loser}" and notes(owner.id, CLAIM_SUPERSEDED) == []
    said = english(told.kind, told.params)
    assert said.title == "Video claimed by its owner"
    assert "“Pantai Kuta sore ini”" in said.body and "on hold until an admin" in said.body

    act.login("squat@example.com")  # worded when read, in the reader's language
    page = act.client.get("/notifications").get_data(as_text=True)
    assert "Video claimed by its owner" in page and "on hold until an admin decides" in page


def test_a_claim_still_being_checked_is_told_without_money_on_hold(ctx, sandbox):
    tt = factories.tiktok_user(sandbox, "budi_masak")
    squatter = factories.creator("squat@example.com", "squatter")
    owner = factories.creator("budi@example.com", "budi_masak")
    prove_by_bio(sandbox, owner.id, tt["user_id"])
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    loser = services.submit(squatter.id, url(vid)).id  # still checking
    services.submit(owner.id, url(vid))
    (told,) = notes(squatter.id, CLAIM_SUPERSEDED)
    assert (told.key, told.params["was_approved"]) == (str(loser), False)
    body = english(told.kind, told.params).body
    assert "no longer counted for you" in body and "hold" not in body


def test_every_kind_and_variant_has_words_in_both_languages(ctx):
    params = {"caption": "Resep", "video_id": "7301234567890123456", "reason": "r",
              "amount": "1.5", "reference": "TRF", "views": 10000}
    variants = {kind: [None] for kind in KINDS}
    variants[FLAGGED] = ["spike", "engagement", "cliff", "count_mismatch", "identity"]
    variants[TRACKING_STOPPED] = ["deleted", "private", "blocked"]
    for kind, kinds_variants in variants.items():
        for variant in kinds_variants:
            extra = {"flag": variant, "state": variant} if variant else {}
            for language in ("en", "id"):
                with force_locale(language):
                    said = messages.words(kind, {**params, **extra})
                assert said.title and said.body and "%(" not in said.body, (kind, variant)
    assert {kind for kind, _ in messages.WORDS} == set(KINDS)
    # An unknown variant (a flag kind added later) still reads as its kind.
    assert english(FLAGGED, {"flag": "new-kind", **params}).title == (
        "Earnings on hold for a check")
    assert english("no-such-kind", params) == messages.Words("Notification", "")
