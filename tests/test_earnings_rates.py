"""Rates: a dated history for new approvals, locked per video, changed only by an audited step."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.test_earnings_services import RATE, earn, new_creator, observe
from webapp.audit.models import AuditEvent
from webapp.earnings import rates
from webapp.earnings import services as earnings
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import ADJUSTMENT, LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.money import earnings as exact
from webapp.submissions.models import Submission
from webapp.timeutil import utcnow


@pytest.fixture
def admin(ctx):
    return factories.admin("rates-admin@example.com")


def test_without_a_dated_rate_approvals_use_the_configured_default(ctx):
    assert rates.current_rate() == RATE


def test_a_new_rate_applies_from_now_and_keeps_the_history(admin):
    first = rates.set_rate(Decimal("0.00003"), admin.id)
    second = rates.set_rate(Decimal("0.000025"), admin.id)
    assert rates.current_rate() == Decimal("0.00002500")
    assert rates.current_rate(first.effective_from) == Decimal("0.00003000")
    assert rates.current_rate(first.effective_from - timedelta(seconds=1)) == RATE
    assert [r.id for r in rates.history()] == [second.id, first.id]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "set_rate")).all()
    assert [e.subject_id for e in events] == [str(first.id), str(second.id)]


def test_approval_locks_the_rate_in_force_and_later_rates_leave_it_alone(admin, sandbox):
    rates.set_rate(Decimal("0.00005"), admin.id)
    video = factories.approved_video(sandbox, views=1_000, handle="rate.test")
    rates.set_rate(Decimal("0.00000001"), admin.id)
    sub = db.session.get(Submission, video["sub_id"])
    assert sub.rate == Decimal("0.00005")
    assert earnings.balance(video["creator_id"]) == Decimal("0.05")
    assert verify_ledger() == []


@pytest.mark.parametrize("value,code", [
    (Decimal("-0.00000001"), "rate_negative"), (Decimal("0.000000001"), "rate_places"),
    (Decimal("1.00000001"), "rate_too_high"), (Decimal("NaN"), "rate_invalid"),
    (Decimal("Infinity"), "rate_invalid"),
])
def test_invalid_rates_are_refused(admin, value, code):
    with pytest.raises(MoneyError) as refused:
        rates.set_rate(value, admin.id)
    assert refused.value.code == code
    assert rates.history() == []


def test_a_float_rate_is_a_type_error(admin):
    with pytest.raises(TypeError):
        rates.set_rate(0.00002489, admin.id)


@pytest.mark.parametrize("text,value", [
    ("0,00002489", "0.00002489"), ("0.00002489", "0.00002489"), ("Rp 0,5", "0.5"), ("0", "0"),
])
def test_rates_are_parsed_as_people_type_them(ctx, text, value):
    assert rates.parse_rate(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "1,000.5", "0,1,2"])
def test_unreadable_rates_are_refused(ctx, text):
    with pytest.raises(MoneyError):
        rates.parse_rate(text)


def test_changing_a_live_rate_books_the_difference_and_future_credits_use_the_new_rate(admin):
    creator = new_creator()
    sub = earn(creator, 150_247)
    entry = rates.change_submission_rate(sub.id, Decimal("0.0001"), admin.id, "top creator")
    assert entry.kind == ADJUSTMENT and entry.reason == "rate_change"
    assert entry.amount == 150_247 * (Decimal("0.0001") - RATE) == Decimal("11.28505217")
    assert entry.previous_rate == RATE and entry.note == "top creator"
    assert entry.idempotency_key == f"rate:{sub.id}:1"
    assert earnings.earned_by_submission(creator.id)[sub.id] == exact(150_247, Decimal("0.0001"))
    earnings.credit_snapshot(sub.id, observe(sub, 1_000_000).id)
    assert earnings.balance(creator.id) == Decimal("100.00000000")  # 1.000.000 x 0,0001
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "change_rate"))
    assert '"old": "0.00002489"' in event.detail and '"new": "0.00010000"' in event.detail
    assert verify_ledger() == []


def test_lowering_a_rate_books_a_negative_adjustment_linked_to_the_last_credit(admin):
    creator = new_creator()
    sub = earn(creator, 10_000)
    credit = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.submission_id == sub.id))
    entry = rates.change_submission_rate(sub.id, Decimal("0.00001"), admin.id, "fraud review")
    assert entry.amount == Decimal("-0.14890000") and entry.corrects_id == credit
    assert earnings.balance(creator.id) == Decimal("0.1")


def test_a_rate_change_before_any_credit_is_still_on_the_ledger(admin):
    creator = new_creator()
    sub = earn(creator, 0)
    entry = rates.change_submission_rate(sub.id, Decimal("0.001"), admin.id, "launch deal")
    assert entry.amount == 0
    earnings.credit_snapshot(sub.id, observe(sub, 10).id)
    assert earnings.balance(creator.id) == Decimal("0.01")
    assert verify_ledger() == []  # verify knows the new rate from that entry


@pytest.mark.parametrize("setup,code", [
    (lambda sub: None, "same_rate"),
    (lambda sub: setattr(sub, "status", "rejected"), "not_live"),
])
def test_a_rate_change_needs_a_live_video_and_a_different_rate(admin, setup, code):
    sub = earn(new_creator(), 500)
    setup(sub)
    db.session.commit()
    with pytest.raises(MoneyError) as refused:
        rates.change_submission_rate(sub.id, RATE, admin.id, "why")
    assert refused.value.code == code
    assert db.session.scalar(select(db.func.count()).where(
        LedgerEntry.kind == ADJUSTMENT)) == 0


def test_a_rate_change_needs_a_reason(admin):
    sub = earn(new_creator(), 500)
    with pytest.raises(MoneyError):
        rates.change_submission_rate(sub.id, Decimal("0.1"), admin.id, " ")


def test_unknown_video_is_a_lookup_error(admin):
    with pytest.raises(LookupError):
        rates.change_submission_rate(999_999, Decimal("0.1"), admin.id, "x")


def test_rate_history_entries_are_dated_in_utc(admin):
    from webapp.timeutil import aware

    rate = rates.set_rate(Decimal("0.00002"), admin.id)
    db.session.expire_all()
    stored = db.session.get(type(rate), rate.id).effective_from
    assert abs((utcnow() - aware(stored)).total_seconds()) < 60
