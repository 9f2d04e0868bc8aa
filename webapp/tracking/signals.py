"""What tracking tells earnings (the area above it), without importing it.

- count_recorded(submission_id, snapshot_id=, note=): after the count committed; earnings
  credits it (idempotently: a second sending books nothing). Returns the ledger entry or None.
- money_flag_confirmed(flag_id, creator_id=, submission_id=, from_snapshot_id=, reason=): in
  the decision's transaction; earnings books the reversal of what the flag held and returns
  the (negative) amount.
- scan_started(): the periodic scan begins; earnings credits counts a killed worker left.
"""
from blinker import Namespace

_signals = Namespace()
count_recorded = _signals.signal("count-recorded")
money_flag_confirmed = _signals.signal("money-flag-confirmed")
scan_started = _signals.signal("scan-started")


def answer(signal, sender, **kwargs):
    """The one receiver's answer (None when nobody listens)."""
    values = [value for _, value in signal.send(sender, **kwargs)]
    return values[0] if values else None
