"""Earned today / 7 / 28 days in Jakarta days, the ledger grouped per video per day and paged
by keyset, the live summary's ETag, and a payout minimum a creator can reach."""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert

from tests import factories
from tests.conftest import csrf_token
from tests.test_earnings_services import (RATE, approved_submission, earn, key, new_creator,
                                          observe, with_bank)
from webapp.earnings import ledger_groups, payouts, periods, rates, summary
from webapp.earnings import services as earnings
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)  # 10:00 WIB, 3 December
_keys = iter(range(1, 10**9))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def book(creator, sub, amount: str, at: datetime, kind="accrual", views=None, reserved="0"):
    """A ledger entry at a chosen moment (the credit path stamps the present; these tests are
    about where moments fall)."""
    entry = LedgerEntry(creator_id=creator.id, submission_id=sub.id if sub else None,
                        kind=kind, amount=Decimal(amount), reserved=Decimal(reserved),
                        idempotency_key=f"test:{next(_keys)}", created_at=at,
                        views_from=views[0] if views else None,
                        views_to=views[1] if views else None)
    db.session.add(entry)
    db.session.commit()
    return entry


def test_periods_start_at_midnight_in_jakarta_and_are_exact(ctx):
    sari, budi = new_creator(), new_creator()
    video = approved_submission(sari)
    book(sari, video, "0.00027379", utc(2026, 12, 2, 17, 0, 0), views=(100, 111))  # 00:00 WIB
    book(sari, video, "0.00002489", utc(2026, 12, 2, 16, 59, 59), views=(99, 100))  # 23:59:59
    book(sari, video, "-0.00001", utc(2026, 12, 3, 1, 0), kind="reversal")  # taken back today
    book(sari, None, "-10", utc(2026, 12, 3, 2, 0), kind="payout_paid", reserved="-10")
    book(sari, video, "1.5", utc(2026, 11, 26, 17, 0))  # 27 Nov 00:00 WIB: first of the 7 days
    book(sari, video, "20", utc(2026, 11, 26, 16, 59, 59))  # 26 Nov: the 8th day back
    book(sari, video, "300", utc(2026, 11, 5, 17, 0))  # 6 Nov 00:00 WIB: first of the 28
    book(sari, video, "4000", utc(2026, 11, 5, 16, 59, 59))  # 5 Nov: older
    book(budi, approved_submission(budi), "99", utc(2026, 12, 3, 0, 0))

    earned = periods.earned(sari.id, NOW)
    today = Decimal("0.00026379")  # 0,00027379 - 0,00001: a withdrawal earns nothing
    week = today + Decimal("0.00002489") + Decimal("1.5")
    assert (earned.today, earned.week) == (today, week)
    assert (earned.month, earned.all_time) == (week + 320, week + 4320)
    assert all(isinstance(v, Decimal) for v in (earned.today, earned.all_time))

    days = periods.daily(sari.id, 28, NOW)
    assert len(days) == 28 and (days[0].day.isoformat(), days[-1].day.isoformat()) == (
        "2026-11-06", "2026-12-03")
    assert (days[-1].amount, days[-1].views) == (today, 11)
    assert (days[-2].amount, days[-2].views) == (Decimal("0.00002489"), 1)
    assert [d.amount for d in days if d.day.isoformat() in ("2026-11-26", "2026-11-27")] == [
        Decimal(20), Decimal("1.5")]
    assert days[0].amount == 300 and sum(d.amount for d in days) == week + 320


def walk(creator_id: int, per_page: int) -> list:
    """Every group, page after page, the way the "Older" link goes."""
    seen, cursor = [], None
    while True:
        page = ledger_groups.page(creator_id, cursor, per_page=per_page)
        seen += page.groups
        if page.older is None:
            return seen
        cursor = ledger_groups.parse_cursor(page.older)


def test_the_ledger_groups_per_video_per_day_and_pages_without_repeats_or_gaps(ctx):
    sari, budi = new_creator(), new_creator()
    videos = [approved_submission(sari) for _ in range(3)]
    instant = utc(2026, 12, 2, 20, 0)  # 3 Dec 03:00 WIB: nine entries at the very same moment
    for video in videos:
        for n in range(3):
            book(sari, video, "0.00027379", instant, views=(11 * n, 11 * n + 11))
    for back in range(1, 4):  # three earlier days, two videos each, two entries a day
        for video in videos[:2]:
            for hour in (1, 2):
                book(sari, video, "0.01", instant - timedelta(days=back, hours=hour))
    book(sari, None, "0", instant, kind="payout_reserve", reserved="5")
    book(budi, approved_submission(budi), "7", instant)

    everything = ledger_groups.page(sari.id, per_page=100).groups
    keys = [(g.day, g.submission_id, g.payout_id) for g in everything]
    assert len(everything) == 3 + 1 + 3 * 2 and len(set(keys)) == len(keys)
    assert [(g.day, g.last_id) for g in everything] == sorted(
        ((g.day, g.last_id) for g in everything), reverse=True)
    for per_page in (1, 2, 3):  # page boundaries inside one day of equal timestamps
        assert [(g.day, g.submission_id, g.last_id) for g in walk(sari.id, per_page)] == [
            (g.day, g.submission_id, g.last_id) for g in everything]

    newest = [g for g in everything if g.submission_id == videos[0].id][0]
    assert newest.day.isoformat() == "2026-12-03"
    assert (newest.count, newest.amount, newest.views) == (3, Decimal("0.00082137"), 33)
    for group in everything:
        entries = ledger_groups.entries(sari.id, group.day, group.submission_id,
                                        group.payout_id, group.kind, group.manual)
        assert len(entries) == group.count and max(e.id for e in entries) == group.last_id
        assert sum(e.amount for e in entries) == group.amount
        assert sum(e.reserved for e in entries) == group.reserved
        assert (group.entry is not None) == (group.count == 1)
    assert ledger_groups.entries(budi.id, newest.day, videos[0].id, None, "accrual") == []
    assert sum(g.amount for g in everything) == earnings.balance(sari.id)


@pytest.mark.parametrize("text", ["x", "2026-12-03", "2026-13-01.5", "2026-12-03.0",
                                  "2026-12-03.-4", "2026-12-03.abc"])
def test_a_bad_cursor_is_refused(text):
    with pytest.raises(ValueError):
        ledger_groups.parse_cursor(text)


def test_ledger_routes_refuse_bad_days_and_other_creators_groups(act, ctx):
    sari, budi = new_creator(), new_creator()
    video = earn(sari, 150_247)
    day = ledger_groups.page(sari.id).groups[0].day.isoformat()
    act.login(budi.email)
    assert act.client.get(f"/earnings/ledger/{day}?video={video.id}&kind=accrual").status_code == 404
    assert act.client.get("/earnings/ledger/2026-02-30").status_code == 404
    assert act.client.get("/earnings/ledger?before=yesterday").status_code == 404
    act.logout()
    act.login(sari.email)
    page = act.client.get(f"/earnings/ledger/{day}?video={video.id}&kind=accrual").get_data(as_text=True)
    assert "0 → 150.247" in page and "<html" in page  # works without JavaScript too


def test_a_hundred_thousand_entries_page_stably(ctx):
    """A creator with 100 videos refreshed hourly for six weeks: 100.000 entries, paged by
    day and video without gaps or repeats. (How fast: `bench/pages.py`, the ledger rows.)"""
    sari = new_creator()
    videos = [approved_submission(sari).id for _ in range(100)]
    start = utc(2026, 10, 20, 0, 0)
    rows = [dict(creator_id=sari.id, submission_id=videos[n % 100], kind="accrual",
                 amount=Decimal("0.00027379"), reserved=Decimal(0), idempotency_key=f"bulk:{n}",
                 created_at=start + timedelta(hours=n // 100), views_from=0, views_to=11)
            for n in range(100_000)]
    db.session.execute(insert(LedgerEntry), rows)
    db.session.commit()

    first = ledger_groups.page(sari.id, per_page=20)
    middle = ledger_groups.page(sari.id, ledger_groups.parse_cursor("2026-11-10.99999999"))
    oldest = ledger_groups.page(sari.id, ledger_groups.parse_cursor("2026-10-20.99999999"),
                                per_page=100)
    # The last entries are at 22:00 WIB on 30 Nov (23 hours of that day); the first at 07:00
    # WIB on 20 Oct (17 hours).
    assert [(g.day.isoformat(), g.count) for g in first.groups] == [("2026-11-30", 23)] * 20
    assert first.older is not None and len({g.submission_id for g in first.groups}) == 20
    assert [(g.day.isoformat(), g.count) for g in middle.groups] == [("2026-11-10", 24)] * 20
    assert [(g.day.isoformat(), g.count) for g in oldest.groups] == [("2026-10-20", 17)] * 100
    assert oldest.older is None
    total = ledger_groups.page(sari.id, per_page=100_000).groups
    assert len(total) == 42 * 100 and sum(g.count for g in total) == 100_000
    assert sum(g.amount for g in total) == Decimal("27.379")


def test_the_default_minimum_is_what_a_million_views_earn_at_the_rate_in_force(ctx):
    assert ctx.config["PAYOUT_MINIMUM"] is None
    assert payouts.minimum() == Decimal(25)  # 1.000.000 x 0,00002489 = 24,89, rounded up
    rates.set_rate(Decimal("0.00001"), factories.admin().id)
    assert payouts.minimum() == Decimal(10)
    ctx.config["PAYOUT_MIN_VIEWS"] = 10
    assert payouts.minimum() == Decimal(1)  # never below one whole rupiah
    ctx.config["PAYOUT_MINIMUM"] = Decimal(10_000)  # an operator's fixed amount wins
    assert payouts.minimum() == Decimal(10_000)


def test_progress_toward_the_minimum_and_a_withdrawal_once_reached(ctx):
    sari = new_creator()
    with_bank(sari)
    earn(sari, 150_247)  # Rp3,73964783
    progress = payouts.progress(earnings.available(sari.id))
    assert (progress.reached, progress.missing, progress.percent) == (
        False, Decimal("21.26035217"), 14)
    with pytest.raises(MoneyError) as refused:
        payouts.request_payout(sari.id, Decimal(24), key())
    assert refused.value.code == "below_minimum"
    earn(sari, 1_000_000)  # Rp24,89 more: Rp28,62964783 available
    assert payouts.progress(earnings.available(sari.id)).reached
    payouts.request_payout(sari.id, Decimal(25), key())
    after = payouts.progress(earnings.available(sari.id))
    assert after.missing == Decimal("21.37035217") and after.percent == 14
    assert payouts.progress(Decimal("-3")).percent == 0


def test_the_earnings_page_shows_periods_progress_chart_and_the_schedule(act, ctx):
    sari = new_creator()
    with_bank(sari)
    earn(sari, 150_247)
    act.login(sari.email)
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    html = act.client.get("/earnings/").get_data(as_text=True)
    assert 'id="earned-today" data-live-value="3.73964783"' in html
    assert 'id="earned-all" data-live-value="3.73964783"' in html
    assert 'id="earn-progress" data-live-value="21.26035217"' in html
    assert '<progress id="earn-progress-bar" max="100" value="14">' in html
    assert 'aria-live="polite"' in html and 'role="img"' in html
    assert '<table class="chart-table">' in html
    assert "more to go before you can withdraw" in html
    assert "Our team checks the request within 2 days." in html  # the schedule in words
    assert 'data-etag=' in html and "hx-trigger=\"every 10s\"" in html


def test_the_summary_answers_304_until_money_moves(act, ctx):
    sari = new_creator()
    video = earn(sari, 150_247)
    act.login(sari.email)
    first = act.hx_get("/earnings/summary")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and 'data-live-value="3.73964783"' in first.get_data(
        as_text=True)
    assert act.hx_get("/earnings/summary", **{"If-None-Match": etag}).status_code == 304
    earnings.credit_snapshot(video.id, observe(video, 1_000_000).id)
    changed = act.hx_get("/earnings/summary", **{"If-None-Match": etag})
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert 'id="earnings-balance" data-exact="24.89000000" data-live-value="24.89000000"' in body
    assert 'id="earn-chart"' in body and 'hx-swap-oob="true"' in body  # the chart comes along
    ledger_page = act.hx_get("/earnings/summary?chart=0").get_data(as_text=True)
    assert 'id="earn-chart"' not in ledger_page


def test_the_summary_version_moves_when_money_leaves_the_validation_window(ctx):
    ctx.config["VALIDATION_DAYS"] = 3
    sari = new_creator()
    earn(sari, 150_247)
    with ctx.test_request_context():
        now = datetime.now(timezone.utc)
        assert summary.version(sari.id, now) == summary.version(sari.id, now)
        later = now + timedelta(days=3, seconds=1)
        assert summary.version(sari.id, later) != summary.version(sari.id, later - timedelta(
            seconds=2))


def test_a_withdrawal_request_says_it_worked(act, ctx):
    sari = new_creator()
    with_bank(sari)
    earn(sari, 2_000_000)
    act.login(sari.email)
    response = act.hx_post("/earnings/payouts", {"amount": "30", "request_key": key()})
    assert response.status_code == 200
    shown = response.get_data(as_text=True) + act.client.get("/earnings/").get_data(as_text=True)
    assert "Penarikan diajukan" in shown or "Withdrawal requested" in shown
    assert re.search(r'id="reserved" data-exact="30(\.0+)?"', response.get_data(as_text=True))
    assert RATE * 2_000_000 - 30 == earnings.available(sari.id)


def test_one_videos_chart_counts_only_that_video(app, ctx):
    sari = new_creator()
    one, other = earn(sari, 150_247), earn(sari, 1_000_000)
    mine = periods.daily(sari.id, 28, submission_id=one.id)
    both = periods.daily(sari.id, 28)
    assert (mine[-1].views, mine[-1].amount) == (150_247, Decimal("3.73964783"))
    assert (both[-1].views, both[-1].amount) == (1_150_247, Decimal("28.62964783"))
    with app.test_request_context():
        chart = app.jinja_env.globals["earnings_chart"](sari.id, other.id)
    assert chart.has_data and 'role="img"' in chart.svg and "1.000.000" in chart.table
