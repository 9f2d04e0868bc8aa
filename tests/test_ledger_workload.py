"""One seeded workload, the same exact balances on SQLite and PostgreSQL, to the last decimal.

The plan is generated from a seed without looking at the database; it is applied through the
real services, and separately folded into expected balances with plain Decimal arithmetic.
Both legs also compare against pinned figures, and the PostgreSQL leg replays the plan on a
temporary SQLite file in the same test.
"""
import os
import random
from decimal import Decimal

from webapp.tracking import decisions, flags
from tests.test_earnings_services import approved_submission, key, new_creator, observe
from webapp.earnings import payouts, rates
from webapp.earnings import services as earnings
from webapp.earnings.bank import save_account
from webapp.earnings.verify import verify_ledger
from webapp.extensions import db
from webapp.tracking import holds

SEED = 20261125
RATES = [Decimal("0.00002489"), Decimal("0.00000001"), Decimal("0.12345678"), Decimal("0.5")]
# Pinned once from the independent Decimal model below; any engine drifting changes them.
PINNED = {
    "balance": {0: "1635.64825894", 1: "965517.58592864", 2: "48989380.84840300",
                3: "282291.73971889"},
    # Negative: real view drops after withdrawals were requested (see the services docstring).
    "available": {0: "-121920.35174106", 1: "818912.58592864", 2: "48979281.84840300",
                  3: "-89077.26028111"},
}


def make_plan(seed: int) -> list[tuple]:
    rng = random.Random(seed)
    plan, views = [], {}
    for step in range(240):
        c, v = rng.randrange(4), rng.randrange(3)
        roll = rng.random()
        current = views.get((c, v), 0)
        if roll < 0.55:
            views[(c, v)] = current + rng.choice([1, 7, 999, 150_247, 2_000_003, 17_777_777])
            plan.append(("views", c, v, views[(c, v)]))
        elif roll < 0.65 and current:
            views[(c, v)] = current - rng.randrange(0, current // 3 + 1)  # a real small drop
            plan.append(("views", c, v, views[(c, v)]))
        elif roll < 0.70 and current:
            views[(c, v)] = current // rng.choice([3, 10])  # a big drop an admin confirms
            plan.append(("drop", c, v, views[(c, v)]))
        elif roll < 0.75:
            plan.append(("rate", c, v, rng.choice(RATES)))
        elif roll < 0.88:
            plan.append(("request", c, None, rng.choice([1, 50, 1_000, 9_999, 123_456])))
        else:
            plan.append((rng.choice(["approve", "reject", "pay"]), c, None, rng.randrange(50)))
    return plan


def expected_figures(plan: list[tuple]) -> dict:
    """The same plan folded into balances with nothing but Decimal arithmetic."""
    views = {(c, v): 0 for c in range(4) for v in range(3)}
    rate = {(c, v): RATES[(c + v) % len(RATES)] for c in range(4) for v in range(3)}
    payout_list, status = [], {}
    for kind, c, v, x in plan:
        if kind in ("views", "drop"):
            views[(c, v)] = x
        elif kind == "rate" and x != rate[(c, v)]:
            rate[(c, v)] = x
        elif kind == "request":
            if Decimal(x) <= _available(c, views, rate, payout_list, status):
                payout_list.append((c, Decimal(x)))
                status[len(payout_list) - 1] = "requested"
        elif kind != "rate":
            _decide(kind, c, x, payout_list, status)
    figures = {"balance": {}, "available": {}}
    for c in range(4):
        figures["balance"][c] = _earned(c, views, rate) - sum(
            (a for i, (pc, a) in enumerate(payout_list) if pc == c and status[i] == "paid"),
            Decimal(0))
        figures["available"][c] = _available(c, views, rate, payout_list, status)
    return figures


def _earned(c, views, rate):
    return sum((rate[(c, v)] * views[(c, v)] for v in range(3)), Decimal(0))


def _available(c, views, rate, payout_list, status):
    held_or_paid = sum((a for i, (pc, a) in enumerate(payout_list)
                        if pc == c and status[i] in ("requested", "approved", "paid")), Decimal(0))
    return _earned(c, views, rate) - held_or_paid


def _decide(kind, c, x, payout_list, status):
    mine = [i for i, (pc, _) in enumerate(payout_list) if pc == c]
    if not mine:
        return
    i = mine[x % len(mine)]
    allowed = {"approve": ("requested",), "reject": ("requested", "approved"), "pay": ("approved",)}
    if status[i] in allowed[kind]:
        status[i] = {"approve": "approved", "reject": "rejected", "pay": "paid"}[kind]


def run_plan(plan: list[tuple]) -> dict:
    """Apply the plan through the real services (inside an app context); return the figures."""
    from tests import factories

    admin = factories.admin(f"workload-admin-{os.getpid()}-{id(plan)}@example.com")
    creators = [new_creator("wl") for _ in range(4)]
    for person in creators:
        save_account(person.id, "bri", "0021 0100 1234 567", "Wayan Sudarsana")
    subs = {(c, v): approved_submission(creators[c], rate=RATES[(c + v) % len(RATES)])
            for c in range(4) for v in range(3)}
    mine = {c: [] for c in range(4)}
    for kind, c, v, x in plan:
        if kind == "views":
            earnings.credit_snapshot(subs[(c, v)].id, observe(subs[(c, v)], x).id)
            # The plan's random jumps trip the spike rule; an admin vouches for each at once,
            # so the figures stay plain arithmetic (the flags are tested in test_trust_*).
            for flag in flags.open_for_creator(creators[c].id):
                decisions.clear(flag.id, admin.id, "plan")
        elif kind == "drop":
            held = observe(subs[(c, v)], x)
            assert held.state == "suspect"
            holds.confirm(held.id, admin.id)
        elif kind == "rate":
            _try(lambda: rates.change_submission_rate(subs[(c, v)].id, x, admin.id, "plan"))
        elif kind == "request":
            p = _try(lambda: payouts.request_payout(creators[c].id, Decimal(x), key()))
            if p is not None:
                mine[c].append(p.id)
        elif mine[c]:
            pid = mine[c][x % len(mine[c])]
            _try({"approve": lambda: payouts.approve(pid, admin.id),
                  "reject": lambda: payouts.reject(pid, admin.id, "plan"),
                  "pay": lambda: payouts.mark_paid(pid, admin.id, f"REF-{pid}")}[kind])
    assert verify_ledger() == []
    totals = [earnings.totals(person.id) for person in creators]
    return {"balance": {c: t.balance for c, t in enumerate(totals)},
            "available": {c: t.available for c, t in enumerate(totals)}}


def _try(action):
    from webapp.earnings.errors import MoneyError

    try:
        return action()
    except MoneyError:
        return None


def test_the_seeded_workload_matches_decimal_arithmetic_to_the_last_decimal(ctx, tmp_path,
                                                                           sandbox):
    ctx.config["PAYOUT_MINIMUM"] = Decimal(1)
    plan = make_plan(SEED)
    expected = expected_figures(plan)
    got = run_plan(plan)
    assert got == expected
    assert all(isinstance(v, Decimal) for figures in got.values() for v in figures.values())
    assert {k: {c: str(v) for c, v in d.items()} for k, d in got.items()} == PINNED
    if db.engine.dialect.name == "postgresql":
        assert run_on_temporary_sqlite(plan, tmp_path, sandbox) == got


def run_on_temporary_sqlite(plan, tmp_path, sandbox) -> dict:
    """The same plan on a fresh, migrated SQLite file, in its own app, in this same test."""
    from flask_migrate import upgrade

    from tests.conftest import _make_app

    app = _make_app(tmp_path, sandbox, f"sqlite:///{tmp_path / 'workload.db'}")
    app.config["PAYOUT_MINIMUM"] = Decimal(1)
    with app.app_context():
        upgrade()
        try:
            figures = run_plan(plan)
        finally:
            db.session.remove()
            db.engine.dispose()
    return figures
