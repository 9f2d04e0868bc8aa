"""Earnings' answers to news from the areas below it: money follows counts and approvals.

Money moves only here; submissions and tracking announce what happened (their signals) and
never import this area.
"""
from webapp.earnings import rates, recovery, services
from webapp.extensions import db
from webapp.submissions import signals as submission_signals
from webapp.submissions.models import Submission
from webapp.tracking import services as tracking
from webapp.tracking import signals as tracking_signals


@submission_signals.approving.connect
def _lock_rate(submission_id: int, at) -> None:
    """Each video keeps the rate in force when it was approved (same transaction)."""
    db.session.get(Submission, submission_id).rate = rates.current_rate(at)


@submission_signals.approved.connect
def _credit_first_counts(submission_id: int) -> None:
    snap = tracking.latest_payable_snapshot(submission_id)
    if snap is not None:
        services.credit_snapshot(submission_id, snap.id)


@submission_signals.dashboard_parts.connect
def _ledger_version(creator_id: int) -> str:
    entries, last = services.ledger_version(creator_id)
    return f"{entries}-{last}"


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
