"""What submissions tells the areas above it (tracking, earnings), without importing them.

In the sender's transaction (receivers add to it; the sender commits):
- approving(submission_id, at=): earnings locks the rate in force `at`.
- claim_superseded(submission_id, creator_id=, was_approved=, detail=): tracking holds what an
  approved claim earned until an admin decides.
After the sender committed:
- approved(submission_id): earnings credits the count verification stored.
- rejected(submission_id): notifications tells the creator, with the reason.
- verified(submission_id, stats=): tracking stores the first counts.
Questions (receivers answer; the answers are combined):
- may_auto_approve(submission_id) -> bool: tracking says no while a flag is open.
- dashboard_parts(creator_id) -> str: earnings adds its part of the dashboard's ETag.
- view_history(creator_id, submission_ids=, since=) -> {submission_id: [(when, views), ...]}:
  tracking gives the counts of those videos since `since` (None: all), oldest first, in one
  query for the whole list.
- open_holds(creator_id, submission_ids=) -> {submission_id: {flag kind, ...}}: tracking names
  the open flags holding each video's money.
"""
from blinker import Namespace

_signals = Namespace()
approving = _signals.signal("submission-approving")
approved = _signals.signal("submission-approved")
rejected = _signals.signal("submission-rejected")
verified = _signals.signal("submission-verified")
claim_superseded = _signals.signal("claim-superseded")
may_auto_approve = _signals.signal("may-auto-approve")
dashboard_parts = _signals.signal("dashboard-parts")
view_history = _signals.signal("view-history")
open_holds = _signals.signal("open-holds")


def answers(signal, sender, **kwargs) -> list:
    """The receivers' return values, in connection order."""
    return [value for _, value in signal.send(sender, **kwargs)]
