"""Held view drops: an admin confirms (earnings follow) or dismisses (nothing changes)."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.test_earnings_services import RATE, earn, new_creator, observe
from webapp.audit.models import AuditEvent
from webapp.earnings import services as earnings
from webapp.earnings.models import ADJUSTMENT, LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking import holds


@pytest.fixture
def held(ctx):
    """A video credited at 10.000 views whose latest fetch says 100 (held as suspect)."""
    creator = new_creator()
    sub = earn(creator, 10_000)
    snap = observe(sub, 100)
    assert snap.state == "suspect"
    return dict(creator=creator, sub=sub, snap=snap, admin=factories.admin())


def test_open_holds_lists_the_latest_suspect_snapshot_with_its_video(held):
    assert [(s.id, sub.id) for s, sub in holds.open_holds()] == [
        (held["snap"].id, held["sub"].id)]
    assert holds.open_hold_for(held["sub"].id)[0].id == held["snap"].id


def test_confirming_makes_earnings_follow_the_drop(held):
    snap = holds.confirm(held["snap"].id, held["admin"].id)
    assert snap.state == "ok"
    assert earnings.balance(held["creator"].id) == RATE * 100
    entry = db.session.scalar(select(LedgerEntry).order_by(LedgerEntry.id.desc()))
    assert (entry.kind, entry.amount, entry.views_from, entry.views_to) == (
        ADJUSTMENT, -(RATE * 9_900), 10_000, 100)
    sub = db.session.get(Submission, held["sub"].id)
    assert sub.current_views == 100 and sub.credited_views == 100
    # Deciding the hold decides its cliff flag: one audited decision, with the counts.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "flag_confirmed"))
    assert event.actor_id == held["admin"].id and '"views_before": 10000' in event.detail
    assert event.submission_id == held["sub"].id and event.creator_id == held["creator"].id
    assert holds.open_holds() == [] and verify_ledger() == []


def test_dismissing_changes_nothing_and_the_next_low_fetch_is_held_again(held):
    holds.dismiss(held["snap"].id, held["admin"].id)
    assert earnings.balance(held["creator"].id) == RATE * 10_000
    assert db.session.get(Submission, held["sub"].id).current_views == 10_000
    again = observe(held["sub"], 101)  # a dismissed drop is not a first sighting
    assert again.state == "suspect"
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.submission_id == held["sub"].id)) == "flag_cleared"


@pytest.mark.parametrize("decide", [holds.confirm, holds.dismiss])
def test_a_hold_is_decided_once(held, decide):
    decide(held["snap"].id, held["admin"].id)
    for second in (holds.confirm, holds.dismiss):
        with pytest.raises(holds.HoldError):
            second(held["snap"].id, held["admin"].id)


def test_a_hold_superseded_by_a_newer_fetch_cannot_be_confirmed(held):
    newer = observe(held["sub"], 10_500)  # the count recovered on its own
    earnings.credit_snapshot(held["sub"].id, newer.id)
    with pytest.raises(holds.HoldError):
        holds.confirm(held["snap"].id, held["admin"].id)
    assert earnings.balance(held["creator"].id) == RATE * 10_500


def test_a_drop_to_zero_is_held_and_can_be_confirmed(ctx):
    creator = new_creator()
    sub = earn(creator, 5_000)
    zero = observe(sub, 0)
    assert zero.state == "suspect"
    holds.confirm(zero.id, factories.admin().id)
    assert earnings.balance(creator.id) == Decimal(0)


def test_unknown_snapshot_is_a_lookup_error(ctx):
    with pytest.raises(LookupError):
        holds.confirm(999_999, 1)
