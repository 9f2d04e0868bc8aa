"""Real concurrency: threads, each with its own app context, session and database connection,
released together by a barrier. Required on PostgreSQL (row locks, conditional UPDATEs, unique
keys); on SQLite they also run and exercise the single-writer lock (BEGIN IMMEDIATE)."""
import os
import threading
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from tests import factories
from tests.test_earnings_services import RATE, earn, key, new_creator, observe, with_bank
from webapp.audit.models import AuditEvent
from webapp.earnings import payouts, rates
from webapp.earnings import services as earnings
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import PAYOUT_PAID, LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.money import earnings as exact
from webapp.submissions.models import Submission

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
ROUNDS = 5


def race(app, *calls):
    """Run each call in its own thread and app context, all released at once; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                outcomes[i] = ("ok", call())
            except Exception as exc:  # noqa: BLE001 (the outcome is what the test asserts on)
                outcomes[i] = ("error", exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads), "a racer hung"
    return outcomes


@contextmanager
def slow_writes(app, table: str, seconds: float = 0.15):
    """Make the database itself linger on every INSERT/UPDATE of `table` (a test-only trigger).

    It widens the gap between a racer's read and its commit, so a missing lock shows up as a
    double booking every time instead of once in a while. No code of ours is replaced.
    """
    with app.app_context():
        engine = db.engine
        if ON_POSTGRES:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"""
                    CREATE OR REPLACE FUNCTION test_linger() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END $$;
                    CREATE TRIGGER test_linger_{table} BEFORE INSERT OR UPDATE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION test_linger();""")
        else:
            def add_sleep(dbapi_connection, _record):
                dbapi_connection.create_function("test_linger", 0, lambda: time.sleep(seconds))
            event.listen(engine, "connect", add_sleep)
            engine.dispose()  # pooled connections predate the function
            with engine.begin() as conn:
                for op in ("INSERT", "UPDATE"):
                    conn.exec_driver_sql(
                        f"CREATE TRIGGER test_linger_{table}_{op} BEFORE {op} ON {table} "
                        "BEGIN SELECT test_linger(); END")
    try:
        yield
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                if ON_POSTGRES:
                    conn.exec_driver_sql(f"DROP TRIGGER test_linger_{table} ON {table}")
                else:
                    for op in ("INSERT", "UPDATE"):
                        conn.exec_driver_sql(f"DROP TRIGGER test_linger_{table}_{op}")
            if not ON_POSTGRES:
                event.remove(db.engine, "connect", add_sleep)
                db.engine.dispose()


def oks(outcomes):
    return [value for kind, value in outcomes if kind == "ok"]


def refusals(outcomes):
    unexpected = [v for kind, v in outcomes if kind == "error" and not isinstance(v, MoneyError)]
    assert unexpected == [], unexpected
    return [v for kind, v in outcomes if kind == "error"]


def funded_creator() -> int:
    """A creator with bank details and Rp 24.890 available (1e9 views); needs an app context."""
    creator = new_creator()
    earn(creator, 1_000_000_000)
    with_bank(creator)
    return creator.id


def test_two_workers_crediting_the_same_snapshot_book_it_once(app):
    for _ in range(ROUNDS):
        with app.app_context():
            creator = new_creator()
            sub = earn(creator, 100)
            snap_id, sub_id, creator_id = observe(sub, 150_247).id, sub.id, creator.id
        with slow_writes(app, "submissions"):
            outcomes = race(app, *(lambda: earnings.credit_snapshot(sub_id, snap_id),) * 4)
        assert [k for k, _ in outcomes] == ["ok"] * 4
        assert len([e for e in oks(outcomes) if e is not None]) == 1
        with app.app_context():
            assert earnings.balance(creator_id) == Decimal("3.73964783")
            assert db.session.scalar(select(func.count()).where(
                LedgerEntry.snapshot_id == snap_id)) == 1


def test_workers_crediting_different_snapshots_at_once_end_exact(app):
    with app.app_context():
        creator = new_creator()
        sub = earn(creator, 10)
        snaps = [observe(sub, views).id for views in (500, 1_000, 1_500, 2_000, 2_500, 3_000)]
        sub_id, creator_id = sub.id, creator.id
    race(app, *[lambda s=s: earnings.credit_snapshot(sub_id, s) for s in snaps])
    with app.app_context():
        sub = db.session.get(Submission, sub_id)
        assert earnings.balance(creator_id) == exact(sub.credited_views, RATE)
        assert verify_ledger() == []


def test_two_admins_approving_the_same_payout_approve_it_once(app):
    with app.app_context():
        admins = [factories.admin(f"admin{i}@example.com").id for i in range(2)]
    for _ in range(ROUNDS):
        with app.app_context():
            creator_id = funded_creator()
            payout_id = payouts.request_payout(creator_id, Decimal(10_000), key()).id
        with slow_writes(app, "payouts"):
            outcomes = race(app, *[lambda a=a: payouts.approve(payout_id, a) for a in admins])
        assert len(oks(outcomes)) == 1 and len(refusals(outcomes)) == 1
        with app.app_context():
            assert db.session.scalar(select(func.count()).where(
                AuditEvent.action == "payout_approve",
                AuditEvent.subject_id == str(payout_id))) == 1


def test_double_click_and_two_admins_marking_paid_pay_once(app):
    with app.app_context():
        admins = [factories.admin(f"payer{i}@example.com").id for i in range(3)]
    for _ in range(ROUNDS):
        with app.app_context():
            creator_id = funded_creator()
            payout_id = payouts.request_payout(creator_id, Decimal(20_000), key()).id
            payouts.approve(payout_id, admins[0])
        with slow_writes(app, "payouts"):
            outcomes = race(app, *[lambda a=a: payouts.mark_paid(payout_id, a, f"REF-{a}")
                                   for a in admins])
        assert len(oks(outcomes)) == 1 and len(refusals(outcomes)) == 2
        with app.app_context():
            assert db.session.scalar(select(func.count()).where(
                LedgerEntry.payout_id == payout_id, LedgerEntry.kind == PAYOUT_PAID)) == 1
            assert earnings.balance(creator_id) == Decimal("4890.00000000")


def test_reject_racing_mark_paid_settles_one_way(app):
    with app.app_context():
        admin = factories.admin().id
    for _ in range(ROUNDS):
        with app.app_context():
            creator_id = funded_creator()
            payout_id = payouts.request_payout(creator_id, Decimal(20_000), key()).id
            payouts.approve(payout_id, admin)
        outcomes = race(app, lambda: payouts.mark_paid(payout_id, admin, "REF-1"),
                        lambda: payouts.reject(payout_id, admin, "account closed"))
        assert len(oks(outcomes)) == 1 and len(refusals(outcomes)) == 1
        with app.app_context():
            assert verify_ledger() == []


def test_a_creator_racing_two_withdrawals_never_overdraws(app):
    for _ in range(ROUNDS):
        with app.app_context():
            creator_id = funded_creator()
        with slow_writes(app, "payouts"):
            outcomes = race(app, *[lambda: payouts.request_payout(creator_id, Decimal(15_000),
                                                                  key()) for _ in range(2)])
        assert len(oks(outcomes)) == 1
        assert [e.code for e in refusals(outcomes)] == ["insufficient"]
        with app.app_context():
            assert earnings.totals(creator_id).available == Decimal("9890.00000000")


def test_many_requests_at_once_take_at_most_what_is_available(app):
    with app.app_context():
        creator_id = funded_creator()
    with slow_writes(app, "payouts"):
        outcomes = race(app, *[lambda: payouts.request_payout(creator_id, Decimal(10_000), key())
                               for _ in range(6)])
    assert len(oks(outcomes)) == 2 and len(refusals(outcomes)) == 4
    with app.app_context():
        totals = earnings.totals(creator_id)
        assert totals.reserved == Decimal(20_000) and totals.available >= 0


def test_a_double_clicked_withdrawal_form_makes_one_payout(app):
    with app.app_context():
        creator_id = funded_creator()
        form_key = key()
    with slow_writes(app, "payouts"):
        outcomes = race(app, *[lambda: payouts.request_payout(creator_id, Decimal(10_000),
                                                              form_key).id for _ in range(3)])
    assert len(set(oks(outcomes))) == 1 and refusals(outcomes) == []
    with app.app_context():
        assert earnings.totals(creator_id).reserved == Decimal(10_000)


def test_a_rate_change_racing_a_credit_keeps_the_invariant(app):
    with app.app_context():
        admin = factories.admin().id
    for _ in range(ROUNDS):
        with app.app_context():
            creator = new_creator()
            sub = earn(creator, 1_000)
            snap_id, sub_id, creator_id = observe(sub, 5_000).id, sub.id, creator.id
        with slow_writes(app, "submissions"):
            outcomes = race(app, lambda: earnings.credit_snapshot(sub_id, snap_id),
                            lambda: rates.change_submission_rate(sub_id, Decimal("0.001"), admin,
                                                                 "campaign bonus"))
        refusals(outcomes)  # only a "busy" MoneyError is acceptable
        with app.app_context():
            sub = db.session.get(Submission, sub_id)
            assert earnings.earned_by_submission(creator_id)[sub_id] == exact(
                sub.credited_views, sub.rate)
            assert verify_ledger() == []


@pytest.mark.skipif(not ON_POSTGRES, reason="FOR UPDATE row locks exist only on PostgreSQL")
def test_postgres_request_holds_a_row_lock_on_the_bank_account(app):
    """While one request's transaction is open, a second waits on the lock instead of reading."""
    from webapp.earnings.models import BankAccount

    with app.app_context():
        creator_id = funded_creator()
    locked, released = threading.Event(), threading.Event()

    def hold_lock():
        with app.app_context():
            db.session.scalar(select(BankAccount).where(BankAccount.creator_id == creator_id)
                              .with_for_update())
            locked.set()
            released.wait(10)
            db.session.rollback()
            db.session.remove()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(10)
    done = []
    requester = threading.Thread(target=lambda: _request_in_context(app, creator_id, done))
    requester.start()
    requester.join(timeout=1)
    assert requester.is_alive() and done == []  # blocked behind the lock
    released.set()
    requester.join(timeout=10)
    holder.join(timeout=10)
    assert done == ["ok"]


def _request_in_context(app, creator_id, done):
    with app.app_context():
        payouts.request_payout(creator_id, Decimal(10_000), key())
        done.append("ok")
        db.session.remove()
