"""What tracking tells earnings (the area above it), without importing it.

- count_recorded(submission_id, snapshot_id=, note=): after the count committed; earnings
  credits it (idempotently: a second sending books nothing). Returns the ledger entry or None.
- money_flag_confirmed(flag_id, creator_id=, submission_id=, from_snapshot_id=, reason=): in
  the decision's transaction; earnings books the reversal of what the flag held and returns
  the (negative) amount.
- scan_started(): the periodic scan begins; earnings credits counts a killed worker left.
- counts_stored(pairs=[(submission_id, snapshot_id), ...]): a refresh batch's counts, flushed
  in its transaction and not yet committed; earnings books their credits in that same
  transaction (the caller commits: counts and money land together). Returns how many.
- flag_raised(submission_id, creator_id=, kind=, snapshot_id=, shown=): a flag was opened, in
  the caller's transaction (not yet committed); `shown` is what it is about for the creator
  (flags.shown_kind). Notifications tells the creator if the video earns (is approved).
- money_taken_back(submission_id, creator_id=, flag_id=, amount=, reason=): an admin confirmed a
  money flag and earnings reversed `amount` (positive), in the decision's transaction;
  notifications tells the creator.
- tracking_stopped(submission_id, reason=, since=): a fetch found the video deleted, private
  or withheld, in the caller's transaction; `since` is its last good count's time (None: none),
  so one disappearance is told once. Notifications tells the creator.
"""
from blinker import Namespace

_signals = Namespace()
count_recorded = _signals.signal("count-recorded")
money_flag_confirmed = _signals.signal("money-flag-confirmed")
scan_started = _signals.signal("scan-started")
counts_stored = _signals.signal("counts-stored")
flag_raised = _signals.signal("flag-raised")
tracking_stopped = _signals.signal("tracking-stopped")
money_taken_back = _signals.signal("money-taken-back")


def answer(signal, sender, **kwargs):
    """The one receiver's answer (None when nobody listens)."""
    values = [value for _, value in signal.send(sender, **kwargs)]
    return values[0] if values else None
