"""No float ever touches money: every money value our code hands out is a Decimal, and the
database stores integers of 10^-8 rupiah."""
import csv
import io
from decimal import Decimal

from sqlalchemy import select, text

from tests import factories
from tests.test_earnings_services import earn, key, new_creator, observe, with_bank
from webapp.earnings import export, payouts, rates
from webapp.earnings import services as earnings
from webapp.earnings.models import BankAccount, LedgerCheck, LedgerEntry, Payout, Rate
from webapp.earnings.verify import run_and_record
from webapp.extensions import db
from webapp.submissions.models import Submission

MONEY_ATTRIBUTES = {LedgerEntry: ("amount", "reserved", "rate"), Payout: ("amount",),
                    Rate: ("per_view",), Submission: ("rate",)}


def _no_floats(obj):
    values = {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}
    assert not [k for k, v in values.items() if isinstance(v, float)], values


def test_money_is_decimal_everywhere_and_integer_units_in_the_database(ctx):
    admin = factories.admin()
    creator = new_creator()
    rates.set_rate(Decimal("0.00003"), admin.id)
    sub = earn(creator, 2_000_000_000)
    earnings.credit_snapshot(sub.id, observe(sub, 1_999_999_999).id)
    rates.change_submission_rate(sub.id, Decimal("0.00002"), admin.id, "campaign ended")
    with_bank(creator)
    paid = payouts.request_payout(creator.id, Decimal(10_000), key())
    payouts.approve(paid.id, admin.id)
    payouts.mark_paid(paid.id, admin.id, "REF-9")
    held = payouts.request_payout(creator.id, Decimal(10_000), key())
    payouts.approve(held.id, admin.id)

    totals = earnings.totals(creator.id)
    service_values = [totals.balance, totals.reserved, totals.available,
                      earnings.balance(creator.id), earnings.available(creator.id),
                      rates.current_rate(), *earnings.earned_by_submission(creator.id).values(),
                      *rates.earned([sub.id]).values()]
    assert all(type(v) is Decimal for v in service_values), service_values
    db.session.expire_all()
    for model, columns in MONEY_ATTRIBUTES.items():
        for obj in db.session.scalars(select(model)):
            _no_floats(obj)
            for column in columns:
                value = getattr(obj, column)
                assert value is None or type(value) is Decimal, (model, column, value)
    for table, column in [("ledger_entries", "amount"), ("ledger_entries", "reserved"),
                          ("payouts", "amount"), ("rates", "per_view"), ("submissions", "rate")]:
        raw = db.session.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
        assert all(type(v) is int for v in raw), (table, raw)

    for obj in db.session.scalars(select(BankAccount)):
        _no_floats(obj)
    check, problems = run_and_record("cli")
    assert check.ok and problems == []
    _no_floats(db.session.scalar(select(LedgerCheck)))

    rows = list(csv.reader(io.StringIO(export.approved_csv(admin.id))))
    amount = rows[1][rows[0].index("amount_idr")]
    assert amount == "10000" and Decimal(amount) == held.amount  # no "10000.0", no exponent
