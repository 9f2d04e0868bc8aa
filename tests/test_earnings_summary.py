"""The earnings summary in one aggregate: every bucket and period still exactly what the entries
say (checked entry by entry in Python, not by another SQL sum), and a page that reads the rate
once and the ledger's sums in one statement."""
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.conftest import csrf_token
from tests.test_earnings_periods import NOW
from tests.test_earnings_periods import book as book_at
from tests.test_earnings_services import (approved_submission, earn, new_creator, observe,
                                          with_bank)
from tests.test_page_queries import statements
from webapp import local_days
from webapp.earnings import availability, periods, summary
from webapp.earnings.models import EARNING_KINDS, LedgerEntry
from webapp.extensions import db
from webapp.tracking.models import Flag

WINDOW = timedelta(days=3)


def book(creator, sub, amount: str, at, snapshot=None, **kw):
    """An entry at a chosen moment, optionally of a snapshot (set at insert: the ledger
    refuses UPDATE)."""
    if snapshot is None:
        return book_at(creator, sub, amount, at, **kw)
    entry = LedgerEntry(creator_id=creator.id, submission_id=sub.id, snapshot_id=snapshot.id,
                        kind="accrual", amount=Decimal(amount),
                        idempotency_key=f"summary-test:{snapshot.id}:{amount}", created_at=at)
    db.session.add(entry)
    db.session.commit()
    return entry


def flag(sub, snapshot, status="open", kind="spike"):
    db.session.add(Flag(submission_id=sub.id, creator_id=sub.creator_id, kind=kind,
                        status=status, snapshot_id=snapshot.id if snapshot else None))
    db.session.commit()


def by_hand(creator_id: int) -> dict:
    """Each entry put in its bucket by the README's definitions, summed in Python."""
    entries = db.session.scalars(db.select(LedgerEntry).where(
        LedgerEntry.creator_id == creator_id)).all()
    open_flags = db.session.scalars(db.select(Flag).where(Flag.status == "open")).all()
    sums = dict.fromkeys(("balance", "reserved", "available", "pending", "held"), Decimal(0))
    for e in entries:
        sums["balance"] += e.amount
        sums["reserved"] += e.reserved
        earning = e.kind in EARNING_KINDS and e.amount > 0
        held = earning and e.snapshot_id is not None and any(
            f.submission_id == e.submission_id and (f.snapshot_id or 0) <= e.snapshot_id
            for f in open_flags)
        created = e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=NOW.tzinfo)
        bucket = ("held" if held else "pending" if earning and created > NOW - WINDOW
                  else "available")
        sums[bucket] += e.amount - (e.reserved if bucket == "available" else 0)
    today = local_days.start(local_days.today(NOW))
    starts = {"today": today, "week": today - timedelta(days=6),
              "month": today - timedelta(days=27)}
    earned = [e for e in entries if e.kind in periods.EARNED_KINDS]
    for name, start in starts.items():
        sums[name] = sum((e.amount for e in earned if (
            e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=NOW.tzinfo)
        ) >= start), Decimal(0))
    sums["all_time"] = sum((e.amount for e in earned), Decimal(0))
    return sums


def test_the_single_aggregate_puts_every_entry_where_the_definitions_say(ctx):
    ctx.config["VALIDATION_DAYS"] = 3
    sari, budi = new_creator(), new_creator()
    spiked, unproven, cleared = (approved_submission(sari) for _ in range(3))
    first, second, third = (observe(spiked, views, confirm_drop=True)
                            for views in (1000, 2000, 3000))
    book(sari, spiked, "0.02489", NOW - timedelta(days=9))  # old: available
    book(sari, spiked, "0.02489", NOW - timedelta(days=8), first)  # before the flag: available
    book(sari, spiked, "0.02489", NOW - timedelta(days=5), second)  # from it on: held, however old
    book(sari, spiked, "0.00002489", NOW - timedelta(hours=1), third)  # held too
    flag(spiked, second)
    flag(spiked, third, kind="engagement")  # two open flags: the entry is held once
    snap = observe(unproven, 500, confirm_drop=True)
    book(sari, unproven, "7.5", NOW - timedelta(days=40), snap)
    flag(unproven, None, kind="identity")  # no snapshot: everything of the video is held
    snap = observe(cleared, 700, confirm_drop=True)
    book(sari, cleared, "3.25", NOW - timedelta(hours=2), snap)  # cleared flag: pending
    flag(cleared, snap, status="cleared")
    book(sari, cleared, "0.5", NOW - timedelta(days=2, hours=23))  # pending, no snapshot
    book(sari, cleared, "-0.3", NOW - timedelta(hours=1), kind="adjustment")  # counts at once
    book(sari, cleared, "-0.2", NOW - timedelta(minutes=5), kind="reversal")
    book(sari, None, "0", NOW - timedelta(days=1), kind="payout_reserve", reserved="5")
    book(sari, None, "0", NOW - timedelta(days=1), kind="payout_reserve", reserved="2")
    book(sari, None, "0", NOW - timedelta(hours=3), kind="payout_release", reserved="-2")
    book(sari, None, "-1", NOW - timedelta(hours=2), kind="payout_paid", reserved="-1")
    book(sari, None, "0.00000001", local_days.start(local_days.today(NOW)))  # midnight WIB
    book(sari, None, "0.00000002", local_days.start(local_days.today(NOW)) - timedelta(
        microseconds=1))  # the instant before: yesterday
    theirs = approved_submission(budi)  # another creator's money and flag change nothing
    snap = observe(theirs, 10, confirm_drop=True)
    book(budi, theirs, "99", NOW - timedelta(hours=1), snap)
    flag(theirs, snap)

    totals, (today, week, month, ever) = availability.summarize(sari.id, NOW,
                                                               *periods.sums(NOW))
    expected = by_hand(sari.id)
    assert totals == availability.totals(sari.id, NOW)
    assert {name: getattr(totals, name) for name in
            ("balance", "reserved", "available", "pending", "held")} == {
        name: expected[name] for name in ("balance", "reserved", "available", "pending", "held")}
    assert totals.held == Decimal("0.02489") + Decimal("0.00002489") + Decimal("7.5")
    # 3,25 (its flag was cleared) + 0,5 + the two entries around midnight WIB
    assert totals.pending == Decimal("3.75000003") and totals.reserved == Decimal(4)
    assert totals.pending + totals.held + totals.available + totals.reserved == totals.balance
    earned = periods.from_sums((today, week, month, ever))
    assert earned == periods.earned(sari.id, NOW)
    assert (earned.today, earned.week, earned.month, earned.all_time) == tuple(
        expected[name] for name in ("today", "week", "month", "all_time"))
    assert all(value.as_tuple().exponent == -8 for value in (
        totals.balance, totals.available, totals.held, earned.today, earned.all_time))
    assert availability.totals(budi.id, NOW).held == Decimal(99)


def test_the_context_etag_is_the_one_the_poll_answers_304_with(ctx):
    sari = new_creator()
    earn(sari, 150_247)
    with ctx.test_request_context():
        shown = summary.context(sari.id, NOW)
        assert shown["etag"] == summary.version(sari.id, NOW)
        assert shown["minimum"] == Decimal(25) and shown["progress"].minimum == Decimal(25)
        assert summary.poll(sari.id, [shown["etag"]], now=NOW) == (shown["etag"], None)
        etag, fresh = summary.poll(sari.id, ["something else"], now=NOW)
        assert etag == shown["etag"] and fresh["totals"] == shown["totals"]


def _sent(app, client, url, **headers) -> tuple[int, list[str]]:
    with statements(app) as sent:
        response = client.get(url, headers=headers)
    return response.status_code, [" ".join(s.split()).lower() for s in sent]


@pytest.mark.parametrize("url", ["/earnings/", "/earnings/ledger", "/earnings/summary"])
def test_a_summary_page_reads_the_rate_once_and_sums_the_ledger_in_one_statement(app, act,
                                                                                 url):
    app.config["VALIDATION_DAYS"] = 3
    with app.app_context():
        sari = new_creator()
        video = earn(sari, 150_247)  # pending money: the schedule is asked for too
        flag(video, None)  # and some of it held
        earn(sari, 2_000_000)
        email = sari.email
    act.login(email)
    act.client.get(url)  # warm
    status, sent = _sent(app, act.client, url, **{"HX-Request": "true"} if "summary" in url
                         else {})
    assert status == 200
    assert len([s for s in sent if " from rates " in s]) == 1
    # Sums of the whole ledger (the chart's and the schedule's per-day sums start "select date(")
    sums = [s for s in sent if s.startswith("select sum(")]
    assert len(sums) == 1 and "from ledger_entries" in sums[0], sums


def test_an_unchanged_summary_answers_304_reading_the_rate_once(app, act):
    with app.app_context():
        sari = new_creator()
        earn(sari, 150_247)
        email = sari.email
    act.login(email)
    etag = act.hx_get("/earnings/summary").headers["ETag"]
    with statements(app) as sent:
        response = act.hx_get("/earnings/summary", **{"If-None-Match": etag})
    assert response.status_code == 304
    assert len([s for s in sent if " rates" in s.lower()]) == 1
    assert not [s for s in sent if "sum(" in s.lower()]  # the cheap version: counts only


def test_the_page_shows_the_figures_of_the_aggregate(app, act):
    app.config["VALIDATION_DAYS"] = 3
    with app.app_context():
        sari = new_creator()
        with_bank(sari)  # the withdrawal form, which shows the minimum
        video = earn(sari, 150_247)
        flag(video, None)
        earn(sari, 2_000_000)
        with app.test_request_context():
            totals = availability.totals(sari.id)
        email = sari.email
    act.login(email)
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    html = act.client.get("/earnings/").get_data(as_text=True)
    assert totals.held == Decimal("3.73964783") and totals.pending == Decimal("49.78")
    assert f'data-exact="{totals.balance}"' in html
    assert 'id="earned-all" data-live-value="53.51964783"' in html
    assert "at least Rp25" in html or "at least Rp 25" in html
    assert "available on" in html.lower() or "tersedia pada" in html.lower()
