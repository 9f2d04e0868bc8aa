"""What the templates ask the models (can_approve, can_reject, ...) is what the services allow,
and the rows show exactly the buttons those properties allow."""
from decimal import Decimal

import pytest
from flask import render_template

from tests import factories
from tests.test_earnings_services import earn, key, new_creator, with_bank
from webapp.earnings import payouts
from webapp.earnings.errors import MoneyError
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.errors import ReviewError
from webapp.submissions.models import (
    APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS, PENDING_REVIEW, REJECTED, SUPERSEDED,
    Submission)
from webapp.tracking.models import DISMISSED, OK, PROPOSED, SUSPECT, ViewSnapshot

STATUSES = (CHECKING, PENDING_REVIEW, NOT_YOURS, NOT_FOUND, CHECK_FAILED, APPROVED, REJECTED,
            SUPERSEDED)


def _submission(creator, status: str) -> Submission:
    sub = Submission(creator_id=creator.id, video_id=factories.video_id(), status=status,
                     canonical_url="https://www.tiktok.com/@_/video/1", submitted_url="x")
    db.session.add(sub)
    db.session.commit()
    return sub


def _allowed(action) -> bool:
    try:
        action()
    except ReviewError:
        return False
    return True


@pytest.mark.parametrize("status", STATUSES)
def test_submission_properties_match_what_the_review_services_allow(ctx, status):
    admin, creator = factories.admin(), new_creator("rules")
    subs = {name: _submission(creator, status) for name in ("approve", "reject", "recheck")}
    expected = {name: getattr(sub, f"can_{name}") for name, sub in subs.items()}
    assert subs["approve"].is_earning == (status == APPROVED)
    assert expected == {
        "approve": _allowed(lambda: submissions.approve(subs["approve"].id, admin.id)),
        "reject": _allowed(lambda: submissions.reject(subs["reject"].id, admin.id, "no")),
        "recheck": _allowed(lambda: submissions.recheck(subs["recheck"].id, admin.id))}


def test_only_proven_creators_videos_can_be_approved_in_bulk(ctx):
    proven = new_creator("proven")  # bound to a TikTok user id, as a bio code does
    unproven = factories.creator(f"unproven-{key()}@example.com", f"unproven_{key()[:8]}")
    assert _submission(proven, PENDING_REVIEW).can_bulk_approve
    assert not _submission(unproven, PENDING_REVIEW).can_bulk_approve
    assert not _submission(proven, CHECK_FAILED).can_bulk_approve


@pytest.mark.parametrize("status", STATUSES)
def test_the_queue_row_offers_exactly_what_the_submission_allows(app, ctx, status):
    sub = _submission(new_creator("row"), status)
    with app.test_request_context():
        row = render_template("admin/_row.html", sub=sub, others={}, error=None, need_ack=False)
    assert (f"/admin/submissions/{sub.id}/approve\"" in row) == sub.can_approve
    assert (f"/admin/submissions/{sub.id}/reject\"" in row) == sub.can_reject
    assert (f"/admin/submissions/{sub.id}/recheck\"" in row) == sub.can_recheck
    # Any rejectable row can be ticked (bulk reject); only proven, verified ones join a bulk
    # approve, which the row says in data-approvable.
    assert ('name="ids"' in row) == sub.can_reject
    assert ('data-approvable="1"' in row) == sub.can_bulk_approve


def _payout_in(status: str):
    creator = new_creator("payout")
    earn(creator, 1_000_000_000)
    with_bank(creator)
    admin = factories.admin(email=f"admin-{key()}@example.com")
    payout = payouts.request_payout(creator.id, Decimal(20_000), key())
    if status in ("approved", "paid"):
        payout = payouts.approve(payout.id, admin.id)
    if status == "paid":
        payout = payouts.mark_paid(payout.id, admin.id, "TRF-0001")
    if status == "rejected":
        payout = payouts.reject(payout.id, admin.id, "wrong name")
    return payout, admin


ACTIONS = {
    "can_approve": lambda p, admin: payouts.approve(p.id, admin.id),
    "can_mark_paid": lambda p, admin: payouts.mark_paid(p.id, admin.id, "TRF-0002"),
    "can_reject": lambda p, admin: payouts.reject(p.id, admin.id, "no"),
}


@pytest.mark.parametrize("status", ("requested", "approved", "paid", "rejected"))
@pytest.mark.parametrize("prop", ACTIONS)
def test_payout_properties_match_what_the_payout_services_allow(ctx, status, prop):
    payout, admin = _payout_in(status)
    assert payout.status == status
    allowed = getattr(payout, prop)
    try:
        ACTIONS[prop](payout, admin)
    except MoneyError:
        assert not allowed
    else:
        assert allowed


@pytest.mark.parametrize("state", (OK, SUSPECT, DISMISSED, PROPOSED))
def test_a_snapshot_is_held_only_while_suspect(state):
    assert ViewSnapshot(state=state, views=1, source="page").is_held == (state == SUSPECT)


@pytest.mark.parametrize("state, admin_id, approvable", [
    (PROPOSED, 2, True), (PROPOSED, 1, False), (OK, 2, False), (DISMISSED, 2, False)])
def test_a_proposal_is_approvable_by_a_second_admin_only_while_open(state, admin_id, approvable):
    snap = ViewSnapshot(state=state, views=1, source="manual", entered_by_id=1)
    assert snap.awaits_second_admin == (state == PROPOSED)
    assert snap.approvable_by(admin_id) == approvable
