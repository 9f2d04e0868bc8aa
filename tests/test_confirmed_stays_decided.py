"""A flag an admin confirmed stays decided: the next refreshes of the same (reversed) views
raise no new flag, so nothing blocks the creator's next withdrawal; views that grow again
still hold their new money. Real worker, sandbox over HTTP, both engines."""
from decimal import Decimal

from sqlalchemy import select

from tests import factories
from tests.test_earnings_services import with_bank
from tests.test_trust_money import refresh_all
from webapp.earnings import services as earnings
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking import decisions
from webapp.tracking.models import Flag

RATE = Decimal("0.00002489")


def open_flags(sub_id) -> list[str]:
    return list(db.session.scalars(select(Flag.kind).where(
        Flag.submission_id == sub_id, Flag.status == "open").order_by(Flag.id)))


def test_a_confirmed_flag_is_not_raised_again_for_the_same_views(app, sandbox, runner):
    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
        with_bank(db.session.get(Submission, video["sub_id"]).creator)
    # Bought views: three million with no likes, comments or shares.
    factories.set_views(sandbox, video["vid"], 3_000_000, likes=0, comments=0, shares=0)
    refresh_all(app, runner)
    with app.app_context():
        sub_id = video["sub_id"]
        assert open_flags(sub_id) == ["spike", "engagement"]
        flag_id = db.session.scalar(select(Flag.id).where(Flag.submission_id == sub_id,
                                                          Flag.kind == "engagement"))
        # One decision for the money both hold: both confirmed, one reversal.
        decisions.confirm(flag_id, video["admin_id"], "Tayangan dibeli")
        assert earnings.totals(video["creator_id"]).balance == RATE * 1_000

    refresh_all(app, runner)  # the same three million, again
    # A few more views of the same video, still without likes: no new case.
    factories.set_views(sandbox, video["vid"], 3_000_010, likes=0, comments=0, shares=0)
    refresh_all(app, runner)
    with app.app_context():
        assert open_flags(sub_id) == []
        t = earnings.totals(video["creator_id"])
        assert t.balance == RATE * 1_010 and t.held == 0
        assert verify_ledger() == []

    # More bought views later: their new money is held again, for a new decision.
    factories.set_views(sandbox, video["vid"], 3_500_000, likes=0, comments=0, shares=0)
    refresh_all(app, runner)
    with app.app_context():
        assert "engagement" in open_flags(sub_id)
        t = earnings.totals(video["creator_id"])
        assert t.held == RATE * 499_990
        assert verify_ledger() == []


def test_the_creator_is_told_what_was_taken_back_and_never_all_fine_beside_it(
        app, sandbox, runner, act):
    from webapp.earnings import reviews
    from webapp.notifications.models import TAKEN_BACK, Notification

    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
    factories.set_views(sandbox, video["vid"], 3_000_000, likes=0, comments=0, shares=0)
    refresh_all(app, runner)
    with app.app_context():
        sub_id = video["sub_id"]
        spike, engagement = db.session.scalars(select(Flag.id).where(
            Flag.submission_id == sub_id).order_by(Flag.id)).all()
        decisions.clear(spike, video["admin_id"], "Lonjakan wajar")
        # The engagement flag holds the same money on its own now.
        assert earnings.totals(video["creator_id"]).held == RATE * 2_999_000
        decisions.confirm(engagement, video["admin_id"], "Tayangan dibeli")
        told = db.session.scalar(select(Notification).where(Notification.kind == TAKEN_BACK))
        assert told.params["reason"] == "Tayangan dibeli"
        assert Decimal(told.params["amount"]) == RATE * 2_999_000
        assert told.link == f"/submissions/{sub_id}"
        said = {r.status: r for r in reviews.for_creator(video["creator_id"])}
        assert said["cleared"].others_decide and said["confirmed"].reversed == RATE * 2_999_000

    act.login("sari@example.com")
    page = act.client.get("/earnings/").get_data(as_text=True)
    assert "uangnya tidak ditahan lagi" not in page and "menentukan uangnya" in page
    video_page = act.client.get(f"/submissions/{sub_id}").get_data(as_text=True)
    assert "Ditarik kembali setelah ditinjau. Alasan: Tayangan dibeli" in video_page
    inbox = act.client.get("/notifications").get_data(as_text=True)
    assert "Pendapatan ditarik kembali setelah ditinjau" in inbox
