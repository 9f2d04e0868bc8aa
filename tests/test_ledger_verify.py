"""`ledger verify` and `ledger balance`: clean ledgers pass, tampered ones fail loudly, and the
daily job (registered with the scheduler, run by a real RQ worker) records what it found."""
from decimal import Decimal

import pytest
from rq_scheduler import Scheduler
from sqlalchemy import text

from jobs.scheduler import LEDGER_VERIFY, PERIODIC, register, register_ledger_verify
from tests.conftest import run_worker
from webapp.tracking import decisions, flags
from tests.test_earnings_services import earn, key, new_creator, observe, with_bank
from webapp.earnings import payouts, rates
from webapp.earnings import services as earnings
from webapp.earnings.models import LedgerCheck
from webapp.earnings.verify import latest_check, verify_ledger
from webapp.extensions import db, jobqueue
from webapp.timeutil import utcnow


@pytest.fixture
def books(ctx):
    """A small, busy, correct ledger: credits, a drop, a rate change and every payout state."""
    from tests import factories

    admin = factories.admin()
    sari, budi = new_creator("sari"), new_creator("budi")
    video = earn(sari, 150_247)
    earnings.credit_snapshot(video.id, observe(video, 2_000_000_000).id)
    for flag in flags.open_for_creator(sari.id):  # the jump is held; an admin vouches for it
        decisions.clear(flag.id, admin.id, "campaign went viral, checked on TikTok")
    earnings.credit_snapshot(video.id, observe(video, 1_900_000_000).id)
    rates.change_submission_rate(video.id, Decimal("0.00003"), admin.id, "campaign bonus")
    earn(budi, 777)
    with_bank(sari)
    ids = [payouts.request_payout(sari.id, Decimal(10_000), key()).id for _ in range(4)]
    payouts.approve(ids[1], admin.id)
    payouts.approve(ids[2], admin.id)
    payouts.mark_paid(ids[2], admin.id, "REF-1")
    payouts.reject(ids[3], admin.id, "duplicate")
    return dict(admin=admin, sari=sari, budi=budi, video=video, payouts=ids)


def forge_entry(creator_id, submission_id=None, payout_id=None, kind="accrual", units=100,
                reserved=0):
    """A row nobody's code would write, straight into the table with SQL."""
    db.session.execute(text(
        "INSERT INTO ledger_entries (creator_id, submission_id, payout_id, kind, amount, reserved,"
        " idempotency_key, created_at) VALUES (:c, :s, :p, :k, :a, :r, :key, :at)"),
        dict(c=creator_id, s=submission_id, p=payout_id, k=kind, a=units, r=reserved,
             key=f"forged:{key()}", at=utcnow()))
    db.session.commit()


def test_a_correct_ledger_verifies_clean(books, runner):
    assert verify_ledger() == []
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ledger ok" in result.output
    assert latest_check().ok and latest_check().trigger == "cli"


def test_a_forged_accrual_fails_verify_with_a_non_zero_exit(books, runner):
    forge_entry(books["sari"].id, books["video"].id)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"MISMATCH submission {books['video'].id}: earnings" in result.output
    assert f"MISMATCH creator {books['sari'].id}: balance" in result.output
    check = latest_check()
    assert not check.ok and check.mismatch_count == 2 and "0.00000100" in check.report


def test_an_entry_without_any_video_still_breaks_the_balance(books):
    forge_entry(books["budi"].id, units=-1)
    assert [str(m).split(":")[0] for m in verify_ledger()] == [f"creator {books['budi'].id}"]


def test_a_tampered_cached_view_count_is_caught(books):
    db.session.execute(text("UPDATE submissions SET credited_views = credited_views + 1 "
                            "WHERE id = :id"), {"id": books["video"].id})
    db.session.commit()
    assert any(m.check == "credited views" for m in verify_ledger())


def test_a_tampered_locked_rate_is_caught(books):
    db.session.execute(text("UPDATE submissions SET rate = rate + 1 WHERE id = :id"),
                       {"id": books["video"].id})
    db.session.commit()
    assert any(m.check == "locked rate" for m in verify_ledger())


def test_a_payout_paid_twice_is_caught(books):
    paid = books["payouts"][2]
    forge_entry(books["sari"].id, payout_id=paid, kind="payout_paid", units=-10_000 * 10**8,
                reserved=0)
    subjects = {m.subject for m in verify_ledger()}
    assert f"payout {paid} (paid)" in subjects and f"creator {books['sari'].id}" in subjects


def test_a_credit_that_does_not_match_its_snapshot_is_caught(books):
    snap = observe(books["video"], 2_100_000_000)
    db.session.execute(text(
        "INSERT INTO ledger_entries (creator_id, submission_id, snapshot_id, kind, amount,"
        " reserved, idempotency_key, views_from, views_to, rate, created_at)"
        " VALUES (:c, :s, :snap, 'accrual', 1, 0, 'forged-step', 1900000000, 2100000000, 3000,"
        " :at)"), dict(c=books["sari"].id, s=books["video"].id, snap=snap.id, at=utcnow()))
    db.session.commit()
    assert any(m.subject.startswith("entry ") and m.check == "credit" for m in verify_ledger())


def test_ledger_balance_prints_the_exact_balance_and_the_sum_of_entries(books, runner):
    result = runner.invoke(args=["ledger", "balance", books["sari"].email])
    assert result.exit_code == 0, result.output
    totals = earnings.totals(books["sari"].id)
    assert f"balance: {totals.balance}\n" in result.output
    assert f"available: {totals.available}\n" in result.output
    assert f"sum {totals.balance}\n" in result.output
    assert "entries: 10," in result.output  # 3 credits, 1 rate change, 4 + 1 + 1 payout steps
    assert runner.invoke(args=["ledger", "balance", "nobody@example.com"]).exit_code != 0


def test_the_daily_verify_is_registered_once_next_to_the_refresh_scan(ctx):
    scheduler = Scheduler(queue_name=ctx.config["RQ_QUEUE"], connection=jobqueue.connection)
    register(scheduler, 3600, ctx.config["RQ_QUEUE"])
    for _ in range(2):  # a restarted scheduler must not double it
        register_ledger_verify(scheduler, ctx.config["LEDGER_VERIFY_SECONDS"],
                               ctx.config["RQ_QUEUE"])
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {PERIODIC, LEDGER_VERIFY}
    assert jobs[LEDGER_VERIFY].meta["interval"] == 86400
    assert jobs[LEDGER_VERIFY].func_name == "jobs.ledger.verify"


def test_the_scheduled_verify_runs_on_a_worker_and_alerts_admins(app, act, sandbox):
    with app.app_context():
        from tests import factories

        factories.admin("boss@example.com")
        creator = new_creator("job")
        video = earn(creator, 1_000)
        forge_entry(creator.id, video.id)
        jobqueue.connection.flushdb()
        scheduler = Scheduler(queue_name=app.config["RQ_QUEUE"], connection=jobqueue.connection)
        register_ledger_verify(scheduler, 86400, app.config["RQ_QUEUE"])
        scheduler.enqueue_jobs()  # what the scheduler loop does when the job is due
    run_worker(app)
    with app.app_context():
        check = db.session.scalar(db.select(LedgerCheck))
        assert (check.trigger, check.ok, check.mismatch_count) == ("job", False, 2)
    act.login("boss@example.com")
    page = act.client.get("/admin/money/payouts").get_data(as_text=True)
    assert 'id="ledger-alert"' in page and "2" in page
