"""Properties of the ledger, checked by Hypothesis against the real database.

Each example works on a fresh creator, so examples share the test's database without sharing
money; example counts are modest so the file runs in seconds on either engine.
"""
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.test_earnings_services import approved_submission, key, new_creator, observe, with_bank
from webapp.earnings import payouts
from webapp.earnings import services as earnings
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import PENDING, LedgerEntry, Payout
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.money import earnings as exact

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
rates = st.decimals(min_value=0, max_value=1, places=8, allow_nan=False, allow_infinity=False)
view_counts = st.integers(min_value=0, max_value=50_000_000_000)


@pytest.fixture
def money_ctx(ctx):
    ctx.config["PAYOUT_MINIMUM"] = Decimal(1)  # let small balances exercise every payout path
    return ctx


def video_entries(sub_id: int) -> list[LedgerEntry]:
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.submission_id == sub_id)))


@SETTINGS
@given(series=st.lists(view_counts, min_size=1, max_size=10),
       credit_after=st.lists(st.booleans(), min_size=10, max_size=10), rate=rates)
def test_any_series_split_into_any_runs_sums_to_final_views_times_rate(money_ctx, series,
                                                                      credit_after, rate):
    """A run stores one or more snapshots and credits its latest one; the last run always ends."""
    sub = approved_submission(new_creator("run"), rate=rate)
    for i, views in enumerate(series):
        snap = observe(sub, views, confirm_drop=True)
        if credit_after[i] or i == len(series) - 1:
            earnings.credit_snapshot(sub.id, snap.id)
    amounts = [e.amount for e in video_entries(sub.id)]
    assert all(isinstance(a, Decimal) for a in amounts)
    assert sum(amounts, Decimal(0)) == exact(series[-1], rate) == rate * series[-1]
    assert earnings.balance(sub.creator_id) == rate * series[-1]


@SETTINGS
@given(series=st.lists(view_counts, min_size=1, max_size=8), rate=rates, data=st.data())
def test_replaying_any_refresh_books_nothing_new(money_ctx, series, rate, data):
    sub = approved_submission(new_creator("replay"), rate=rate)
    snaps = []
    for views in series:
        snaps.append(observe(sub, views, confirm_drop=True).id)
        earnings.credit_snapshot(sub.id, snaps[-1])
    before = [(e.id, e.amount) for e in video_entries(sub.id)]
    replays = data.draw(st.lists(st.sampled_from(snaps), min_size=1, max_size=12))
    for snap_id in replays:
        assert earnings.credit_snapshot(sub.id, snap_id) is None
    assert [(e.id, e.amount) for e in video_entries(sub.id)] == before
    assert earnings.balance(sub.creator_id) == exact(series[-1], rate)


operations = st.lists(st.one_of(
    st.tuples(st.just("views"), st.integers(0, 4_000_000), st.booleans()),
    st.tuples(st.just("request"), st.integers(1, 150_000), st.booleans()),
    st.tuples(st.sampled_from(["approve", "reject", "pay"]), st.integers(0, 5), st.booleans()),
), min_size=1, max_size=14)


def _apply(op, sub, creator_id: int, admin_id: int, mine: list[int]) -> None:
    kind, number, flag = op
    if kind == "views":  # flag: an admin confirmed a big drop (else it is held as suspect)
        earnings.credit_snapshot(sub.id, observe(sub, number, confirm_drop=flag).id)
    elif kind == "request":
        available = earnings.totals(creator_id).available
        try:
            mine.append(payouts.request_payout(creator_id, Decimal(number), key()).id)
        except MoneyError as refused:
            assert refused.code == "insufficient" and Decimal(number) > available
        else:
            assert Decimal(number) <= available
    elif mine:
        payout_id = mine[number % len(mine)]
        decide = {"approve": lambda: payouts.approve(payout_id, admin_id),
                  "reject": lambda: payouts.reject(payout_id, admin_id, "no"),
                  "pay": lambda: payouts.mark_paid(payout_id, admin_id, f"REF-{payout_id}")}
        try:
            decide[kind]()
        except MoneyError:
            pass  # a decision that no longer applies changes nothing (checked below)


def _check_sums(creator_id: int, sub) -> None:
    entries = list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.creator_id == creator_id)))
    totals = earnings.totals(creator_id)
    assert totals.balance == sum((e.amount for e in entries), Decimal(0))
    assert totals.reserved == sum((e.reserved for e in entries), Decimal(0))
    pending = db.session.scalars(select(Payout.amount).where(
        Payout.creator_id == creator_id, Payout.status.in_(PENDING))).all()
    assert totals.reserved == sum(pending, Decimal(0))
    paid = db.session.scalars(select(Payout.amount).where(
        Payout.creator_id == creator_id, Payout.status == "paid")).all()
    db.session.refresh(sub)
    assert totals.balance == exact(sub.credited_views, sub.rate) - sum(paid, Decimal(0))


@SETTINGS
@given(ops=operations)
def test_balance_is_the_sum_of_entries_after_any_sequence(money_ctx, ops):
    admin = new_creator("seqadmin")  # any user id can stand for the admin in these services
    creator = new_creator("seq")
    with_bank(creator)
    sub = approved_submission(creator, rate=Decimal("0.05"))
    mine: list[int] = []
    for op in ops:
        _apply(op, sub, creator.id, admin.id, mine)
        _check_sums(creator.id, sub)
    assert verify_ledger() == []


@SETTINGS
@given(ops=st.lists(st.one_of(
    st.tuples(st.just("views"), st.integers(0, 4_000_000), st.just(False)),
    st.tuples(st.just("request"), st.integers(1, 150_000), st.booleans()),
    st.tuples(st.sampled_from(["approve", "reject", "pay"]), st.integers(0, 5), st.booleans()),
), min_size=1, max_size=14))
def test_no_payout_sequence_makes_available_negative(money_ctx, ops):
    """Views only rise here (a real drop may lower available; payouts alone never can)."""
    admin = new_creator("availadmin")
    creator = new_creator("avail")
    with_bank(creator)
    sub = approved_submission(creator, rate=Decimal("0.05"))
    mine: list[int] = []
    highest = 0
    for kind, number, flag in ops:
        if kind == "views":
            highest = max(highest, number)
            number = highest
        _apply((kind, number, flag), sub, creator.id, admin.id, mine)
        assert earnings.totals(creator.id).available >= 0
