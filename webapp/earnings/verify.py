"""`ledger verify`: recompute every video's earnings and every balance from first principles.

Expected figures come from snapshots, rates and payouts only; actual figures are sums of ledger
entries and the cached credited_views. Any difference is a Mismatch; none means the ledger holds.
"""
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce

from webapp.earnings import availability
from webapp.earnings.models import (
    EARNING_KINDS, PAID, PAYOUT_PAID, PAYOUT_RELEASE, PAYOUT_RESERVE, PENDING, REJECTED,
    REVERSAL, LedgerCheck, LedgerEntry, Payout, Rate)
from webapp.txn import begin_snapshot
from webapp.extensions import db
from webapp.money import earnings, from_units
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow
from webapp.tracking.models import CONFIRMED, OK, Flag, ViewSnapshot

ZERO = Decimal(0)
_units = lambda column: func.sum(type_coerce(column, BigInteger))  # noqa: E731


@dataclass(frozen=True)
class Mismatch:
    subject: str
    check: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.subject}: {self.check} expected {self.expected}, found {self.actual}"


def verify_ledger() -> list[Mismatch]:
    """Every mismatch between the ledger and what snapshots, rates and payouts say it must hold."""
    begin_snapshot()
    try:
        owed: dict[int, Decimal] = defaultdict(Decimal)
        held: dict[int, Decimal] = defaultdict(Decimal)
        problems = _videos(owed) + _snapshot_entries() + _reversals(owed) + _payouts(owed, held)
        return problems + _creators(owed, held) + _buckets() + _uncredited()
    finally:
        db.session.rollback()


def _videos(owed: dict) -> list[Mismatch]:
    """Each video's accruals + adjustments = views of its credited snapshot x its rate."""
    found = defaultdict(Decimal, {(s, c): from_units(int(t)) for s, c, t in db.session.execute(
        select(LedgerEntry.submission_id, LedgerEntry.creator_id, _units(LedgerEntry.amount))
        .where(LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.submission_id.is_not(None))
        .group_by(LedgerEntry.submission_id, LedgerEntry.creator_id))})
    changed = dict(db.session.execute(  # the latest admin rate change per video, if any
        select(LedgerEntry.submission_id, LedgerEntry.rate)
        .where(LedgerEntry.idempotency_key.like("rate:%")).order_by(LedgerEntry.id)).all())
    in_force = _rate_at()
    problems = []
    rows = db.session.execute(
        select(Submission, ViewSnapshot).outerjoin(
            ViewSnapshot, ViewSnapshot.id == Submission.credited_snapshot_id)
        .where(Submission.rate.is_not(None)).execution_options(yield_per=1000))
    for sub, snap in rows:
        name = f"submission {sub.id}"
        views = snap.views if snap is not None else 0
        if sub.credited_snapshot_id is not None and (
                snap is None or snap.submission_id != sub.id or snap.state != OK
                or not snap.exact):
            problems.append(Mismatch(name, "credited snapshot",
                                     "an ok, exact snapshot of this video",
                                     sub.credited_snapshot_id))
        if sub.credited_views != views:
            problems.append(Mismatch(name, "credited views", views, sub.credited_views))
        rate = changed.get(sub.id)
        rate = rate if rate is not None else in_force(sub.reviewed_at)
        rate = rate if rate is not None else sub.rate  # approved on the configured default
        if rate != sub.rate:
            problems.append(Mismatch(name, "locked rate", rate, sub.rate))
        expected = earnings(views, rate)
        owed[sub.creator_id] += expected
        actual = found.pop((sub.id, sub.creator_id), ZERO)
        if actual != expected:
            problems.append(Mismatch(name, f"earnings ({views} views x {rate})", expected, actual))
    for (sub_id, creator_id), total in found.items():
        problems.append(Mismatch(f"submission {sub_id}", f"earnings booked to creator {creator_id}",
                                 ZERO, total))
    return problems


def _rate_at():
    """Rate in force at a moment, from the dated history (None before the first dated rate)."""
    rates = list(db.session.execute(
        select(Rate.effective_from, Rate.per_view).order_by(Rate.effective_from, Rate.id)))
    moments = [aware(moment) for moment, _ in rates]

    def lookup(at):
        i = bisect_right(moments, aware(at)) if at is not None else 0
        return rates[i - 1][1] if i else None
    return lookup


def _snapshot_entries() -> list[Mismatch]:
    """Each credit from a snapshot books exactly views_to x rate - views_from x rate."""
    problems = []
    rows = db.session.execute(
        select(LedgerEntry, ViewSnapshot).join(ViewSnapshot,
                                               ViewSnapshot.id == LedgerEntry.snapshot_id)
        .execution_options(yield_per=1000))
    for entry, snap in rows:
        name = f"entry {entry.id}"
        if snap.submission_id != entry.submission_id or entry.views_to != snap.views:
            problems.append(Mismatch(name, "snapshot", f"{snap.views} views of submission "
                                     f"{snap.submission_id}", entry.views_to))
        if entry.rate is None or entry.views_from is None or entry.views_to is None:
            problems.append(Mismatch(name, "credit", "views and rate", "missing"))
            continue
        step = earnings(entry.views_to, entry.rate) - earnings(entry.views_from, entry.rate)
        if entry.amount != step or entry.reserved != 0:
            problems.append(Mismatch(name, "credit", step, entry.amount))
    return problems


def _reversals(owed: dict) -> list[Mismatch]:
    """Each reversal belongs to one confirmed flag and takes back exactly what that flag held:
    the video's positive earnings from the flag's snapshot on, booked before the reversal."""
    problems = []
    for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == REVERSAL)):
        name = f"entry {entry.id}"
        flag_id = entry.idempotency_key.removeprefix("flag:").removesuffix(":reverse")
        flag = db.session.get(Flag, int(flag_id)) if flag_id.isdigit() else None
        owed[entry.creator_id] += entry.amount
        if flag is None or flag.status != CONFIRMED or flag.submission_id != entry.submission_id \
                or flag.creator_id != entry.creator_id:
            problems.append(Mismatch(name, "reversal", "a confirmed flag of this video",
                                     flag.id if flag else None))
            continue
        took = from_units(int(db.session.scalar(
            select(func.coalesce(_units(LedgerEntry.amount), 0)).where(
                LedgerEntry.submission_id == entry.submission_id,
                LedgerEntry.kind.in_(EARNING_KINDS), LedgerEntry.amount > ZERO,
                LedgerEntry.snapshot_id >= (flag.snapshot_id or 0),
                LedgerEntry.id < entry.id))))
        if entry.amount != -took or flag.reversed_amount != took or entry.reserved != 0:
            problems.append(Mismatch(name, f"reversal of flag {flag.id}", -took, entry.amount))
    return problems


def _uncredited() -> list[Mismatch]:
    """A verified count the ledger never followed (beyond CREDIT_GRACE_SECONDS): the ledger
    agrees with itself, but not with what TikTok said; the periodic scan recovers it."""
    from webapp.earnings.recovery import uncredited

    return [Mismatch(f"submission {sub_id}", "verified but not credited",
                     f"credit of snapshot {snap_id}", "none")
            for sub_id, snap_id in uncredited()]


def _buckets() -> list[Mismatch]:
    """pending + held + available + reserved = balance for every creator (each figure is its
    own sum, so an entry counted in two buckets, or in none, shows up here)."""
    problems = []
    for creator_id in db.session.scalars(select(LedgerEntry.creator_id).distinct()):
        t = availability.totals(creator_id)
        if t.pending + t.held + t.available + t.reserved != t.balance:
            problems.append(Mismatch(
                f"creator {creator_id}", "pending + held + available + reserved", t.balance,
                t.pending + t.held + t.available + t.reserved))
    return problems


def _payouts(owed: dict, held: dict) -> list[Mismatch]:
    """Each payout's entries match its status: reserved while pending, released or paid after."""
    booked = defaultdict(dict)
    for payout_id, kind, creator_id, amount, reserved, count in db.session.execute(
            select(LedgerEntry.payout_id, LedgerEntry.kind, LedgerEntry.creator_id,
                   _units(LedgerEntry.amount), _units(LedgerEntry.reserved), func.count())
            .where(LedgerEntry.payout_id.is_not(None))
            .group_by(LedgerEntry.payout_id, LedgerEntry.kind, LedgerEntry.creator_id)):
        booked[payout_id][kind] = (creator_id, from_units(int(amount)),
                                   from_units(int(reserved)), count)
    problems = []
    for p in db.session.scalars(select(Payout)):
        a = p.amount
        expected = {PAYOUT_RESERVE: (p.creator_id, ZERO, a, 1)}
        if p.status == REJECTED:
            expected[PAYOUT_RELEASE] = (p.creator_id, ZERO, -a, 1)
        if p.status == PAID:
            expected[PAYOUT_PAID] = (p.creator_id, -a, -a, 1)
            owed[p.creator_id] -= a
        if p.status in PENDING:
            held[p.creator_id] += a
        actual = booked.pop(p.id, {})
        if actual != expected:
            problems.append(Mismatch(f"payout {p.id} ({p.status})", "entries", expected, actual))
    for payout_id, actual in booked.items():
        problems.append(Mismatch(f"payout {payout_id}", "entries", "no such payout", actual))
    return problems


def _creators(owed: dict, held: dict) -> list[Mismatch]:
    """Each balance (and reserve) = what videos earned minus what was paid (and what is pending)."""
    problems = []
    rows = db.session.execute(
        select(LedgerEntry.creator_id, _units(LedgerEntry.amount), _units(LedgerEntry.reserved))
        .group_by(LedgerEntry.creator_id))
    sums = {c: (from_units(int(a)), from_units(int(r))) for c, a, r in rows}
    for creator_id in sorted(set(sums) | set(owed) | set(held)):
        balance, reserved = sums.get(creator_id, (ZERO, ZERO))
        expected = (owed.get(creator_id, ZERO), held.get(creator_id, ZERO))
        for check, want, got in zip(("balance", "reserved"), expected, (balance, reserved)):
            if want != got:
                problems.append(Mismatch(f"creator {creator_id}", check, want, got))
    return problems


def run_and_record(trigger: str) -> tuple[LedgerCheck, list[Mismatch]]:
    """Verify, and keep the result so the admin dashboard can alert on it."""
    started = utcnow()
    problems = verify_ledger()
    check = LedgerCheck(trigger=trigger, ok=not problems, mismatch_count=len(problems),
                        report="\n".join(str(p) for p in problems[:200]) or None,
                        started_at=started, finished_at=utcnow())
    db.session.add(check)
    db.session.commit()
    return check, problems


def latest_check() -> LedgerCheck | None:
    return db.session.scalar(select(LedgerCheck).order_by(LedgerCheck.id.desc()).limit(1))


def recent_checks(limit: int = 30) -> list[LedgerCheck]:
    return list(db.session.scalars(select(LedgerCheck).order_by(LedgerCheck.id.desc())
                                   .limit(limit)))
