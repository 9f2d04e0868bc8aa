"""Trust before money, through real parts: the sandbox over HTTP, a real RQ worker, both
databases. Money that is not believable yet is accrued and shown, never withdrawable."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import run_worker
from tests.test_earnings_services import key, with_bank
from webapp.audit.models import AuditEvent
from webapp.earnings import payouts
from webapp.earnings import services as earnings
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import REVERSAL, LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import utcnow
from webapp.tracking import decisions, flags
from webapp.tracking import services as tracking
from webapp.tracking.models import Flag, ViewSnapshot

RATE = Decimal("0.00002489")


def refresh_all(app, runner):
    """What the scheduler does: queue the due refreshes, then a real worker runs them."""
    with app.app_context():
        db.session.execute(db.update(Submission).values(next_refresh_at=utcnow()))
        db.session.commit()
    assert "queued" in runner.invoke(args=["jobs", "refresh-due"]).output
    run_worker(app)


@pytest.fixture
def spiked(app, sandbox, runner):
    """The issue's scenario: a video at 12.500.000 views jumps to 500.000.000 in one refresh."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=12_500_000)
        with_bank(db.session.get(Submission, video["sub_id"]).creator)
    factories.set_views(sandbox, video["vid"], 500_000_000, likes=25_000_000)
    refresh_all(app, runner)
    return video


def test_a_40x_spike_is_credited_but_held_and_not_withdrawable(app, spiked):
    with app.app_context():
        t = earnings.totals(spiked["creator_id"])
        assert t.balance == RATE * 500_000_000
        assert t.held == RATE * 487_500_000 and t.available == RATE * 12_500_000
        assert t.pending + t.held + t.available + t.reserved == t.balance
        flag = db.session.scalar(select(Flag))
        assert (flag.kind, flag.status) == ("spike", "open")
        evidence = flags.evidence_of(flag)
        assert (evidence["views_before"], evidence["views_after"]) == (12_500_000, 500_000_000)
        app.config["PAYOUT_MINIMUM"] = Decimal(1)
        with pytest.raises(MoneyError) as refused:
            payouts.request_payout(spiked["creator_id"], Decimal(400), key())
        assert refused.value.code == "insufficient"
        assert verify_ledger() == []


def test_a_payout_of_a_flagged_creator_shows_the_flag_and_needs_an_override(app, spiked, act):
    with app.app_context():
        app.config["PAYOUT_MINIMUM"] = Decimal(1)
        payout_id = payouts.request_payout(spiked["creator_id"], Decimal(300), key()).id
    act.login("admin@example.com")
    page = act.client.get("/admin/money/payouts").get_data(as_text=True)
    row = re.search(rf'<tr id="payout-{payout_id}".*?</tr>', page, re.S).group(0)
    assert "/admin/flags/" in row and 'name="override"' not in row and '"override": "1"' in row
    refused = act.hx_post(f"/admin/money/payouts/{payout_id}/approve")
    assert refused.status_code == 409
    assert act.hx_post(f"/admin/money/payouts/{payout_id}/approve",
                       {"override": "1"}).status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payout_approve"))
        assert "override_flags" in event.detail and event.creator_id == spiked["creator_id"]


def test_clearing_makes_it_pending_then_available_after_the_window(app, spiked):
    app.config["VALIDATION_DAYS"] = 3
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        decisions.clear(flag.id, spiked["admin_id"], "viral on TikTok, checked by hand")
        now = utcnow()
        t = earnings.totals(spiked["creator_id"], now)
        assert (t.held, t.available) == (0, 0)
        assert t.pending == RATE * 500_000_000
        (moment, amount), = earnings_schedule(spiked["creator_id"], now)
        assert amount == RATE * 500_000_000
        assert now + timedelta(days=3) <= moment <= now + timedelta(days=4)
        later = earnings.totals(spiked["creator_id"], now + timedelta(days=3, seconds=1))
        assert (later.pending, later.available) == (0, RATE * 500_000_000)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "flag_cleared"))
        assert event.actor_id == spiked["admin_id"] and "checked by hand" in event.detail
        assert verify_ledger() == []


def earnings_schedule(creator_id, now):
    from webapp.earnings.availability import pending_schedule

    return pending_schedule(creator_id, now)


def test_confirming_reverses_once_even_if_clicked_twice(app, spiked, act):
    with app.app_context():
        flag_id = db.session.scalar(select(Flag.id))
    act.login("admin@example.com")
    first = act.hx_post(f"/admin/flags/{flag_id}/confirm", {"reason": "bought views"})
    second = act.hx_post(f"/admin/flags/{flag_id}/confirm", {"reason": "bought views"})
    assert (first.status_code, second.status_code) == (200, 409)
    with app.app_context():
        reversals = list(db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.kind == REVERSAL)))
        assert [r.amount for r in reversals] == [-(RATE * 487_500_000)]
        t = earnings.totals(spiked["creator_id"])
        assert (t.balance, t.held, t.available) == (RATE * 12_500_000, 0, RATE * 12_500_000)
        assert verify_ledger() == []
    act.logout()
    act.login("sari@example.com")
    page = act.client.get("/earnings/").get_data(as_text=True)
    assert "bought views" in page  # the creator is told, with the reason
    ledger = act.client.get("/earnings/ledger").get_data(as_text=True)
    assert f'kind-{REVERSAL}' in ledger and "bought views" in ledger


def test_a_decision_needs_a_reason_and_changes_nothing_without(app, spiked, act):
    with app.app_context():
        flag_id = db.session.scalar(select(Flag.id))
    act.login("admin@example.com")
    assert act.hx_post(f"/admin/flags/{flag_id}/confirm", {"reason": "  "}).status_code == 422
    with app.app_context():
        assert db.session.get(Flag, flag_id).status == "open"
        assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == REVERSAL)) == 0


def test_the_flags_page_lists_open_flags_with_evidence_and_a_chart(app, spiked, act):
    act.login("admin@example.com")
    page = act.client.get("/admin/flags").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page and 'class="raised"' in page
    assert "12.500.000" in page and "500.000.000" in page  # the evidence, in Indonesian digits
    assert act.client.get("/admin/flags?status=bogus").status_code == 404
    assert act.client.get("/admin/money/holds").status_code == 301


def test_organic_growth_through_the_worker_raises_no_flag(app, sandbox, runner):
    with app.app_context():
        video = factories.approved_video(sandbox, views=200_000)
    views = 200_000
    for step in range(6):  # an accelerating, plausible day: +30 % per refresh
        views = int(views * 1.3)
        factories.set_views(sandbox, video["vid"], views, likes=views // 15)
        refresh_all(app, runner)
    with app.app_context():
        assert db.session.scalar(select(func.count(Flag.id))) == 0
        t = earnings.totals(video["creator_id"])
        assert t.available == t.balance == RATE * views


def test_views_without_likes_raise_an_engagement_flag(app, sandbox, runner):
    with app.app_context():
        video = factories.approved_video(sandbox, views=50_000)
    factories.set_views(sandbox, video["vid"], 400_000, likes=12, comments=0, shares=0)
    refresh_all(app, runner)
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        assert flag.kind == "engagement" and flags.evidence_of(flag)["likes"] == 12
        assert earnings.totals(video["creator_id"]).held == RATE * 350_000


def test_an_unproven_creator_s_money_is_held_until_the_proof(app, sandbox):
    with app.app_context():
        video = factories.approved_video(sandbox, views=100_000, proven=False)
        flag = db.session.scalar(select(Flag))
        assert (flag.kind, flags.evidence_of(flag)) == ("identity", {"proven": False})
        assert earnings.totals(video["creator_id"]).held == RATE * 100_000
        sub = db.session.get(Submission, video["sub_id"])
        factories.prove(sub.creator, sub.author_id_seen)  # the proof clears what it answers
        db.session.expire_all()
        assert db.session.get(Flag, flag.id).status == "cleared"
        assert decisions.on_identity_proven(video["creator_id"]) == []  # nothing left to clear
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "flag_cleared"))
        assert event.actor_id is None  # the system's decision
        assert earnings.totals(video["creator_id"]).available == RATE * 100_000


def manual_then_lower_fetch(app, sandbox, runner, reason_code, note):
    """An admin counted 60.000 views by hand (credited); TikTok's next count says 45.316."""
    with app.app_context():
        video = factories.approved_video(sandbox, views=40_000)
        snap = tracking.record_snapshot(
            video["sub_id"], VideoStats(video_id=video["vid"], source="manual", views=60_000),
            entered_by_id=video["admin_id"], manual={"reason_code": reason_code, "note": note})
        earnings.credit_snapshot(video["sub_id"], snap.id)
    factories.set_views(sandbox, video["vid"], 45_316)
    refresh_all(app, runner)
    return video


def test_a_manual_count_is_not_silently_reversed_by_a_lower_fetch(app, sandbox, runner, act):
    video = manual_then_lower_fetch(app, sandbox, runner, "fetch_blocked", "read on TikTok by hand")
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        assert flag.kind == "count_mismatch"
        assert flags.evidence_of(flag)["manual_views"] == 60_000
        assert earnings.balance(video["creator_id"]) == RATE * 60_000  # nothing reversed
        assert db.session.get(Submission, video["sub_id"]).current_views == 60_000
        assert verify_ledger() == []
    refresh_all(app, runner)  # TikTok still says less: held again, no second flag, no money
    with app.app_context():
        assert db.session.scalar(select(func.count(Flag.id))) == 1
        assert earnings.balance(video["creator_id"]) == RATE * 60_000
    act.login("sari@example.com")
    ledger = act.client.get("/earnings/ledger").get_data(as_text=True)
    assert "read on TikTok by hand" in ledger
    assert "Tayangan turun di TikTok" not in ledger and "Views decreased" not in ledger


def test_an_admin_upholding_the_manual_count_is_asked_no_more(app, sandbox, runner):
    video = manual_then_lower_fetch(app, sandbox, runner, "correction", "x")
    with app.app_context():
        decisions.clear(db.session.scalar(select(Flag.id)), video["admin_id"], "entry is right")
    refresh_all(app, runner)
    with app.app_context():
        assert db.session.scalar(select(func.count(Flag.id)).where(Flag.status == "open")) == 0
        assert earnings.balance(video["creator_id"]) == RATE * 60_000
    factories.set_views(sandbox, video["vid"], 61_000)  # TikTok catches up: money follows
    refresh_all(app, runner)
    with app.app_context():
        assert earnings.balance(video["creator_id"]) == RATE * 61_000
        assert verify_ledger() == []


def test_accepting_tiktok_s_lower_count_books_the_decrease_with_the_reason(app, sandbox,
                                                                           runner):
    video = manual_then_lower_fetch(app, sandbox, runner, "other", "typo")
    with app.app_context():
        flag_id = db.session.scalar(select(Flag.id))
        decisions.confirm(flag_id, video["admin_id"], "my entry had a typo")
        with pytest.raises(flags.FlagError):
            decisions.confirm(flag_id, video["admin_id"], "my entry had a typo")
        assert earnings.balance(video["creator_id"]) == RATE * 45_316
        last = db.session.scalar(select(LedgerEntry).order_by(LedgerEntry.id.desc()))
        assert (last.amount, last.note) == (-(RATE * 14_684), "my entry had a typo")
        assert db.session.get(Submission, video["sub_id"]).current_views == 45_316
        assert verify_ledger() == []


def test_ledger_balance_prints_every_bucket_exactly(app, spiked, runner):
    result = runner.invoke(args=["ledger", "balance", "sari@example.com"])
    lines = dict(line.split(": ", 1) for line in result.output.splitlines()[:5])
    assert list(lines) == ["balance", "reserved", "pending", "held", "available"]
    assert lines["reserved"] == lines["pending"] == "0.00000000"
    assert Decimal(lines["held"]) == RATE * 487_500_000
    assert result.output.splitlines()[5].startswith("entries: ")
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_a_cliff_is_a_flag_and_a_second_sighting_settles_it(app, sandbox, runner):
    with app.app_context():
        video = factories.approved_video(sandbox, views=100_000)
    factories.set_views(sandbox, video["vid"], 10_000, likes=2_000)
    refresh_all(app, runner)
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        assert (flag.kind, flag.status) == ("cliff", "open")
        assert earnings.balance(video["creator_id"]) == RATE * 100_000
    refresh_all(app, runner)  # TikTok says so again: the drop is real
    with app.app_context():
        assert db.session.get(Flag, flag.id).status == "superseded"
        assert earnings.balance(video["creator_id"]) == RATE * 10_000
        assert db.session.scalar(select(func.count(ViewSnapshot.id)).where(
            ViewSnapshot.state == "suspect")) == 1
        assert verify_ledger() == []


def test_a_count_stored_but_never_credited_is_caught_and_recovered_once(app, sandbox, runner):
    """A worker killed between storing a snapshot and crediting it: `ledger verify` says so
    after the grace period, and the recovery credits it exactly once (twice is once)."""
    from webapp.earnings import recovery

    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
        snap = tracking.record_snapshot(  # stored; the credit "never ran"
            video["sub_id"], VideoStats(video_id=video["vid"], source="page", views=5_000,
                                        likes=300))
        assert verify_ledger() == []  # within the grace period: a credit may be under way
        later = utcnow() + timedelta(seconds=app.config["CREDIT_GRACE_SECONDS"] + 1)
        assert recovery.uncredited(later) == [(video["sub_id"], snap.id)]
        app.config["CREDIT_GRACE_SECONDS"] = 0
        assert [p.check for p in verify_ledger()] == ["verified but not credited"]
    result = runner.invoke(args=["ledger", "credit-missing"])
    assert "credited 1 missing credit(s)" in result.output
    assert "credited 0 missing credit(s)" in runner.invoke(args=["ledger", "credit-missing"]).output
    with app.app_context():
        assert earnings.balance(video["creator_id"]) == RATE * 5_000
        assert verify_ledger() == []


def test_the_periodic_scan_recovers_an_uncredited_count(app, sandbox, runner):
    with app.app_context():
        video = factories.approved_video(sandbox, views=1_000)
        tracking.record_snapshot(video["sub_id"], VideoStats(
            video_id=video["vid"], source="page", views=7_000, likes=400))
    app.config["CREDIT_GRACE_SECONDS"] = 0
    runner.invoke(args=["jobs", "refresh-due"])  # the scan, as the scheduler runs it
    with app.app_context():
        assert earnings.balance(video["creator_id"]) == RATE * 7_000
        assert verify_ledger() == []
