"""Ledger rules against the real database (SQLite or PostgreSQL).

The builders below (new_creator, approved_submission, observe, earn, with_bank) are shared by
the other money test modules (test_earnings_*, test_payouts*, test_ledger_*).
"""
import itertools
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from tests import factories
from webapp.earnings import services as earnings
from webapp.earnings.models import ACCRUAL, ADJUSTMENT, LedgerEntry
from webapp.extensions import db
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.stats import VideoStats
from webapp.tracking import services as tracking

RATE = Decimal("0.00002489")


_people = itertools.count(1)
_password_hash: list[str] = []


def new_creator(prefix: str = "c"):
    """A creator with a unique email and handle, password "password123".

    Property tests make hundreds, so the (deliberately slow) password hash is computed once.
    """
    from webapp.auth.models import User

    if not _password_hash:
        _password_hash.append(factories.creator(f"{prefix}0-{uuid.uuid4().hex[:8]}@example.com",
                                                f"{prefix}_0{uuid.uuid4().hex[:6]}").password_hash)
    n = next(_people)
    # Proven (as a bio code would): these tests are about the ledger, not about identity.
    user = User(email=f"{prefix}{n}@example.com", tiktok_handle=f"{prefix}_{n}", role="creator",
                password_hash=_password_hash[0], tiktok_user_id=str(6_000_000_000 + n),
                tiktok_verified_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    db.session.add(user)
    db.session.commit()
    return user


def approved_submission(creator, views=None, rate=RATE):
    sub = Submission(creator_id=creator.id, video_id=factories.video_id(),
                     canonical_url="https://www.tiktok.com/@_/video/1", submitted_url="x",
                     status=APPROVED, rate=rate, verify_attempts=0, refresh_failures=0,
                     credited_views=0, credit_seq=0)
    db.session.add(sub)
    db.session.commit()
    return sub


def observe(sub, views, **kw):
    return tracking.record_snapshot(sub.id, VideoStats(video_id=sub.video_id, source="page",
                                                      views=views), **kw)


def earn(creator, views: int, rate=RATE):
    """An approved video of `creator` credited up to `views` (returns the submission)."""
    sub = approved_submission(creator, rate=rate)
    earnings.credit_snapshot(sub.id, observe(sub, views, confirm_drop=True).id)
    return sub


def with_bank(creator, bank="bca", number="1234567890", holder="Sari Dewi"):
    from webapp.earnings.bank import save_account

    return save_account(creator.id, bank, number, holder)


def key() -> str:
    return uuid.uuid4().hex


def test_seed_example_credits_exactly_and_is_stored_exactly(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    entry = earnings.credit_snapshot(sub.id, observe(sub, 150_247).id)
    assert entry.amount == Decimal("3.73964783")
    db.session.expire_all()
    stored = db.session.scalar(select(LedgerEntry.amount))
    assert isinstance(stored, Decimal) and stored == Decimal("3.73964783")
    raw = db.session.execute(text("SELECT amount FROM ledger_entries")).scalar()
    assert raw == 373964783  # integer units of 10^-8 rupiah on both engines, never a float
    assert earnings.balance(creator.id) == Decimal("3.73964783")


def test_crediting_the_same_snapshot_twice_books_once(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    snap = observe(sub, 1000)
    assert earnings.credit_snapshot(sub.id, snap.id) is not None
    assert earnings.credit_snapshot(sub.id, snap.id) is None
    assert db.session.scalar(select(db.func.count(LedgerEntry.id))) == 1


def test_series_of_refreshes_sums_to_final_views_times_rate(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    for views in (10, 11, 999, 150_247, 150_247, 2_000_001):
        earnings.credit_snapshot(sub.id, observe(sub, views).id)
    assert earnings.balance(creator.id) == (RATE * 2_000_001).quantize(Decimal("1E-8"))
    entries = earnings.entries_for(creator.id)
    assert all(e.kind == ACCRUAL for e in entries)
    assert sum((e.amount for e in entries), Decimal(0)) == earnings.balance(creator.id)


def test_an_older_snapshot_never_rolls_earnings_back(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    old = observe(sub, 100)
    new = observe(sub, 200)
    earnings.credit_snapshot(sub.id, new.id)
    assert earnings.credit_snapshot(sub.id, old.id) is None
    assert earnings.balance(creator.id) == RATE * 200


def test_a_real_small_decrease_books_a_negative_adjustment(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    earnings.credit_snapshot(sub.id, observe(sub, 1000).id)
    entry = earnings.credit_snapshot(sub.id, observe(sub, 900).id)
    assert entry.kind == ADJUSTMENT and entry.amount == -(RATE * 100)
    assert earnings.balance(creator.id) == RATE * 900


def test_a_big_drop_is_held_until_a_second_sighting(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    earnings.credit_snapshot(sub.id, observe(sub, 10_000).id)
    held = observe(sub, 100)
    assert held.state == "suspect"
    assert earnings.credit_snapshot(sub.id, held.id) is None
    assert earnings.balance(creator.id) == RATE * 10_000
    confirmed = observe(sub, 101)
    assert confirmed.state == "ok"
    earnings.credit_snapshot(sub.id, confirmed.id)
    assert earnings.balance(creator.id) == RATE * 101


def test_nothing_is_credited_before_approval(ctx):
    creator = factories.creator()
    sub = approved_submission(creator)
    sub.status = "pending_review"
    db.session.commit()
    assert earnings.credit_snapshot(sub.id, observe(sub, 500).id) is None
    assert earnings.balance(creator.id) == 0


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entries SET amount = 1",
    "DELETE FROM ledger_entries",
])
def test_the_ledger_is_append_only_in_the_database(ctx, statement):
    creator = factories.creator()
    sub = approved_submission(creator)
    earnings.credit_snapshot(sub.id, observe(sub, 10).id)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(LedgerEntry.id))) == 1


def test_a_rounded_count_is_never_paid_on(ctx):
    creator = new_creator()
    sub = approved_submission(creator)
    earnings.credit_snapshot(sub.id, observe(sub, 1_000).id)
    rounded = tracking.record_snapshot(sub.id, VideoStats(video_id=sub.video_id, source="page",
                                                         views=1_600_000, exact=False))
    assert earnings.credit_snapshot(sub.id, rounded.id) is None
    assert earnings.balance(creator.id) == RATE * 1_000
