"""What submissions tells the areas above it (tracking, earnings), without importing them.

In the sender's transaction (receivers add to it; the sender commits):
- approving(submission_id, at=): earnings locks the rate in force `at`.
- approving_many(submission_ids=[...], at=): the same for a bulk approval (the rate read once).
- claim_superseded(submission_id, creator_id=, was_approved=, detail=): tracking holds what an
  approved claim earned until an admin decides.
After the sender committed:
- approved(submission_id): earnings credits the count verification stored.
- rejected(submission_id): notifications tells the creator, with the reason.
- verified(submission_id, stats=): tracking stores the first counts.
- verified_many(found={submission_id: stats}): the same for a batch, in one transaction.
- approved_many(submission_ids=[...]): `approved` for a bulk approval: earnings credits them
  in one transaction, notifications tells each creator.
Questions (receivers answer; the answers are combined):
- may_auto_approve(submission_id) -> bool: tracking says no while a flag is open.
- earned(creator_id, submission_ids=) -> {submission_id: Decimal}: earnings says what each of
  those videos earned in all (videos with nothing booked left out), in one query.
- live_parts() -> [LivePart, ...]: each area's part of the live fragment's ETag as scalar
  subqueries over bindparam("creator_id"), asked once per process: live_etag sends them all in
  one statement (webapp.submissions.live_etag).
- view_history(creator_id, submission_ids=, since=) -> {submission_id: [(when, views), ...]}:
  tracking gives the counts of those videos since `since` (None: all), oldest first, in one
  query for the whole list.
- open_holds(creator_id, submission_ids=) -> {submission_id: {flag kind, ...}}: tracking names
  the open flags holding each video's money.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from blinker import Namespace

_signals = Namespace()
approving = _signals.signal("submission-approving")
approving_many = _signals.signal("submissions-approving")
approved = _signals.signal("submission-approved")
rejected = _signals.signal("submission-rejected")
verified = _signals.signal("submission-verified")
verified_many = _signals.signal("submissions-verified")
approved_many = _signals.signal("submissions-approved")
claim_superseded = _signals.signal("claim-superseded")
may_auto_approve = _signals.signal("may-auto-approve")
view_history = _signals.signal("view-history")
open_holds = _signals.signal("open-holds")
live_parts = _signals.signal("live-parts")
earned = _signals.signal("earned")


@dataclass(frozen=True)
class LivePart:
    """One value of the live fragment's ETag: it changes whenever that part of the page does."""
    value: Any  # a scalar SQL expression over bindparam("creator_id") (and its own params)
    changed_at: bool = False  # the time of the latest change (see live_etag's settling)
    params: Callable[[datetime], dict] | None = None  # its bind values at `now`


def answers(signal, sender, **kwargs) -> list:
    """The receivers' return values, in connection order."""
    return [value for _, value in signal.send(sender, **kwargs)]
