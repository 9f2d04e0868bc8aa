"""Withdrawals against the real database: what each step books, and what it refuses."""
import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.test_earnings_services import RATE, earn, key, new_creator, observe, with_bank
from webapp.audit.models import AuditEvent
from webapp.earnings import export, payouts
from webapp.earnings import services as earnings
from webapp.earnings.bank import save_account
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import PAYOUT_PAID, PAYOUT_RELEASE, PAYOUT_RESERVE, LedgerEntry
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db

RICH = 1_000_000_000  # views: Rp 24.890 at the default rate


@pytest.fixture
def sari(ctx):
    ctx.config["PAYOUT_MINIMUM"] = Decimal(10_000)  # an operator's fixed minimum (default: derived)
    creator = new_creator("sari")
    earn(creator, RICH)
    with_bank(creator)
    return creator


@pytest.fixture
def admin(ctx):
    from tests import factories

    return factories.admin()


def entries_of(payout):
    return {e.kind: (e.amount, e.reserved) for e in payouts.entries_of(payout.id)}


def test_a_request_holds_money_without_touching_the_balance(sari):
    before = earnings.totals(sari.id)
    assert before.balance == before.available == Decimal("24890.00000000")
    payout = payouts.request_payout(sari.id, Decimal(20_000), key())
    after = earnings.totals(sari.id)
    assert after.balance == before.balance
    assert after.reserved == Decimal(20_000)
    assert after.available == Decimal("4890.00000000")
    assert payout.status == "requested" and payout.amount == Decimal(20_000)
    assert entries_of(payout) == {PAYOUT_RESERVE: (Decimal(0), Decimal(20_000))}


def test_rejecting_releases_the_hold_and_books_the_reason(sari, admin):
    payout = payouts.request_payout(sari.id, Decimal(20_000), key())
    payouts.reject(payout.id, admin.id, "Nama pemilik rekening tidak cocok")
    totals = earnings.totals(sari.id)
    assert totals.available == totals.balance == Decimal("24890.00000000")
    release = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == PAYOUT_RELEASE))
    assert release.reserved == Decimal(-20_000) and release.amount == 0
    assert release.note == "Nama pemilik rekening tidak cocok"
    reserve = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == PAYOUT_RESERVE))
    assert release.corrects_id == reserve.id  # the release undoes that hold


def test_paying_lowers_the_balance_by_the_held_amount(sari, admin):
    payout = payouts.request_payout(sari.id, Decimal(20_000), key())
    payouts.approve(payout.id, admin.id)
    assert earnings.totals(sari.id).reserved == Decimal(20_000)  # approval books nothing
    paid = payouts.mark_paid(payout.id, admin.id, "BCA-TRX 2026112500123")
    totals = earnings.totals(sari.id)
    assert (totals.balance, totals.reserved, totals.available) == (
        Decimal("4890.00000000"), Decimal(0), Decimal("4890.00000000"))
    assert paid.status == "paid" and paid.transfer_reference == "BCA-TRX 2026112500123"
    assert entries_of(payout) == {PAYOUT_RESERVE: (0, Decimal(20_000)),
                                  PAYOUT_PAID: (Decimal(-20_000), Decimal(-20_000))}
    assert verify_ledger() == []


@pytest.mark.parametrize("amount,code", [
    (Decimal(9_999), "below_minimum"), (Decimal("10000.5"), "amount_invalid"),
    (Decimal(25_000), "insufficient"), (Decimal(0), "below_minimum"),
    (Decimal(-10_000), "below_minimum"),
])
def test_refused_requests_book_nothing(sari, amount, code):
    with pytest.raises(MoneyError) as refused:
        payouts.request_payout(sari.id, amount, key())
    assert refused.value.code == code
    assert earnings.totals(sari.id).reserved == 0
    assert payouts.for_creator(sari.id) == []


def test_a_float_amount_is_refused(sari):
    with pytest.raises(MoneyError):
        payouts.request_payout(sari.id, 20000.0, key())


def test_no_bank_details_no_request(ctx):
    creator = new_creator()
    earn(creator, RICH)
    with pytest.raises(MoneyError) as refused:
        payouts.request_payout(creator.id, Decimal(10_000), key())
    assert refused.value.code == "no_bank"


def test_the_same_form_posted_twice_makes_one_payout(sari):
    form_key = key()
    first = payouts.request_payout(sari.id, Decimal(10_000), form_key)
    second = payouts.request_payout(sari.id, Decimal(10_000), form_key)
    assert first.id == second.id
    assert earnings.totals(sari.id).reserved == Decimal(10_000)


def test_a_second_request_can_only_take_what_is_left(sari):
    payouts.request_payout(sari.id, Decimal(20_000), key())
    with pytest.raises(MoneyError) as refused:
        payouts.request_payout(sari.id, Decimal(10_000), key())
    assert refused.value.code == "insufficient"
    assert earnings.totals(sari.id).available == Decimal("4890.00000000")


def test_each_decision_happens_once(sari, admin):
    payout = payouts.request_payout(sari.id, Decimal(10_000), key())
    with pytest.raises(MoneyError):  # not approved yet
        payouts.mark_paid(payout.id, admin.id, "REF-1")
    payouts.approve(payout.id, admin.id)
    with pytest.raises(MoneyError):
        payouts.approve(payout.id, admin.id)
    payouts.mark_paid(payout.id, admin.id, "REF-1")
    for decide in (lambda: payouts.mark_paid(payout.id, admin.id, "REF-2"),
                   lambda: payouts.reject(payout.id, admin.id, "late"),
                   lambda: payouts.approve(payout.id, admin.id)):
        with pytest.raises(MoneyError):
            decide()
    assert earnings.totals(sari.id).balance == Decimal("14890.00000000")
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "payout")).all()
    assert sorted(actions) == ["payout_approve", "payout_paid"]


def test_an_approved_payout_can_still_be_rejected(sari, admin):
    payout = payouts.request_payout(sari.id, Decimal(10_000), key())
    payouts.approve(payout.id, admin.id)
    payouts.reject(payout.id, admin.id, "Rekening ditutup")
    assert earnings.totals(sari.id).available == earnings.totals(sari.id).balance


@pytest.mark.parametrize("reference", ["", "ab", "x" * 65, "=cmd|' /C calc'!A0"])
def test_paid_needs_a_plain_transfer_reference(sari, admin, reference):
    payout = payouts.request_payout(sari.id, Decimal(10_000), key())
    payouts.approve(payout.id, admin.id)
    with pytest.raises(MoneyError) as refused:
        payouts.mark_paid(payout.id, admin.id, reference)
    assert refused.value.code == "reference_invalid"
    assert payouts.get(payout.id).status == "approved"


def test_reject_needs_a_reason(sari, admin):
    payout = payouts.request_payout(sari.id, Decimal(10_000), key())
    with pytest.raises(MoneyError):
        payouts.reject(payout.id, admin.id, "  ")


def test_a_payout_keeps_the_bank_details_it_was_requested_with(sari):
    payout = payouts.request_payout(sari.id, Decimal(10_000), key())
    save_account(sari.id, "gopay", "+62 812-3456-7890", "Sari Dewi")
    payout = payouts.get(payout.id)
    assert (payout.bank_code, payout.account_number, payout.masked) == (
        "bca", "1234567890", "••••7890")


def test_a_real_drop_after_a_request_can_leave_available_negative_and_blocks_new_requests(ctx):
    creator = new_creator()
    sub = earn(creator, RICH)
    with_bank(creator)
    payouts.request_payout(creator.id, Decimal(20_000), key())
    earnings.credit_snapshot(sub.id, observe(sub, RICH // 2, confirm_drop=True).id)
    totals = earnings.totals(creator.id)
    assert totals.available == Decimal("12445.00000000") - Decimal(20_000)
    with pytest.raises(MoneyError):
        payouts.request_payout(creator.id, Decimal(10_000), key())


def test_csv_batch_has_exact_whole_rupiah_amounts_and_only_approved_payouts(sari, admin):
    other = new_creator("budi")
    earn(other, 2 * RICH)
    save_account(other.id, "dana", "+62 812 3456 7890", "Budi Santoso")
    approved = payouts.request_payout(sari.id, Decimal(12_345), key())
    payouts.approve(approved.id, admin.id)
    waiting = payouts.request_payout(sari.id, Decimal(10_000), key())
    budi = payouts.request_payout(other.id, Decimal(49_780), key())
    payouts.approve(budi.id, admin.id)
    rows = list(csv.DictReader(io.StringIO(export.approved_csv(admin.id))))
    assert [r["payout_id"] for r in rows] == [str(approved.id), str(budi.id)]
    assert waiting.id not in {int(r["payout_id"]) for r in rows}
    assert [r["amount_idr"] for r in rows] == ["12345", "49780"]
    assert rows[0]["account_number"] == "1234567890" and rows[0]["bank_name"] == "BCA"
    assert rows[1]["account_number"] == "081234567890" and rows[1]["bank_name"] == "DANA"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payout_export"))


@pytest.mark.parametrize("text", ["=HYPERLINK(x)", "+1", "-1", "@SUM(A1)"])
def test_csv_cells_never_start_a_spreadsheet_formula(text):
    assert export._cell(text) == "'" + text


def test_whole_rupiah_refuses_rather_than_rounds():
    assert export.whole_rupiah(Decimal("50000.00000000")) == "50000"
    with pytest.raises(ValueError):
        export.whole_rupiah(Decimal("50000.5"))


@pytest.mark.parametrize("text,value", [
    ("50000", 50_000), ("50.000", 50_000), ("50,000", 50_000), ("Rp 1.250.000", 1_250_000),
    (" 10000 ", 10_000),
])
def test_amounts_are_parsed_as_people_type_them(text, value):
    assert payouts.parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "10,5", "10.50", "1.000,000", "-5", "1e5",
                                  "10 000,00"])
def test_amounts_that_are_not_whole_rupiah_are_refused(text):
    with pytest.raises(MoneyError):
        payouts.parse_amount(text)


def test_rate_is_the_default_used_for_these_figures():
    assert RATE * RICH == Decimal("24890")
