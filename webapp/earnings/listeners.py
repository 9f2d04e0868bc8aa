"""Earnings' answers to news from the areas below it: money follows counts and approvals.

Money moves only here; submissions and tracking announce what happened (their signals) and
never import this area.
"""
from sqlalchemy import BigInteger, bindparam, func, select, type_coerce

from webapp.earnings import availability, rates, recovery, services
from webapp.earnings.models import EARNING_KINDS, REVERSAL, LedgerEntry
from webapp.extensions import db
from webapp.money import from_units
from webapp.submissions import signals as submission_signals
from webapp.submissions.models import Submission
from webapp.tracking import services as tracking
from webapp.tracking import signals as tracking_signals
from webapp.tracking.models import OPEN, Flag


@submission_signals.approving.connect
def _lock_rate(submission_id: int, at) -> None:
    _lock_rate_of_many(None, [submission_id], at)


@submission_signals.approving_many.connect
def _lock_rate_of_many(_sender, submission_ids, at) -> None:
    """Each video keeps the rate in force when it was approved (same transaction); one rate
    for a whole bulk approval, read once."""
    rate = rates.current_rate(at)
    for submission_id in submission_ids:
        db.session.get(Submission, submission_id).rate = rate


@submission_signals.approved.connect
def _credit_first_counts(submission_id: int) -> None:
    snap = tracking.latest_payable_snapshot(submission_id)
    if snap is not None:
        services.credit_snapshot(submission_id, snap.id)


@submission_signals.approved_many.connect
def _credit_first_counts_of_many(_sender, submission_ids) -> None:
    recovery.credit_approved(submission_ids)


@submission_signals.earned.connect
def _earned(creator_id: int, submission_ids) -> dict:
    """What a page of videos earned, by the (submission_id, kind) index: the page costs the
    same for a creator with 5 videos or 5.000 (services.earned_by_submission sums them all)."""
    ids = list(submission_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.submission_id, func.sum(type_coerce(LedgerEntry.amount, BigInteger)))
        .where(LedgerEntry.submission_id.in_(ids), LedgerEntry.creator_id == creator_id,
               LedgerEntry.kind.in_(EARNING_KINDS + (REVERSAL,)))
        .group_by(LedgerEntry.submission_id))
    return {sub_id: from_units(int(total)) for sub_id, total in rows}


@submission_signals.live_parts.connect
def _live_parts(_sender) -> list:
    """Money on the creator's page moves when an entry is booked (entries are never updated),
    when an entry leaves the validation window (pending becomes available) and when a hold
    opens or ends (a flag raised or decided). Each is an index probe or a few flag rows."""
    creator = bindparam("creator_id")
    ledger = LedgerEntry.creator_id == creator
    flags = Flag.creator_id == creator
    Part = submission_signals.LivePart
    return [
        # (creator_id, created_at) index: the latest entry, and the latest past the window.
        Part(select(func.max(LedgerEntry.created_at)).where(ledger).scalar_subquery(),
             changed_at=True),
        Part(select(func.max(LedgerEntry.created_at))
             .where(ledger, LedgerEntry.created_at <= bindparam("validated_before"))
             .scalar_subquery(),
             params=lambda now: {"validated_before": now - availability.window()}),
        Part(select(func.count(Flag.id)).where(flags, Flag.status == OPEN).scalar_subquery()),
        Part(select(func.max(Flag.id)).where(flags).scalar_subquery()),
        Part(select(func.max(Flag.decided_at)).where(flags).scalar_subquery(), changed_at=True),
    ]


@tracking_signals.count_recorded.connect
def _credit(submission_id: int, snapshot_id: int, note: str | None = None):
    return services.credit_snapshot(submission_id, snapshot_id, note=note)


@tracking_signals.counts_stored.connect
def _credit_batch(_sender, pairs):
    return recovery.credit_many(pairs)


@tracking_signals.money_flag_confirmed.connect
def _reverse(flag_id: int, creator_id: int, submission_id: int, from_snapshot_id: int,
             reason: str):
    return services.reverse_held(flag_id, creator_id, submission_id, from_snapshot_id, reason)


@tracking_signals.scan_started.connect
def _recover(_sender) -> None:
    recovery.credit_missing()
