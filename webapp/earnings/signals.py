"""What earnings tells the areas above it (notifications), without importing them.

After the sender committed:
- payout_approved(payout_id, creator_id=): an admin accepted a withdrawal request.
- payout_paid(payout_id, creator_id=): an admin recorded its bank transfer.
- payout_rejected(payout_id, creator_id=): an admin refused it (with a reason); the reserve
  was released.
"""
from blinker import Namespace

_signals = Namespace()
payout_approved = _signals.signal("payout-approved")
payout_paid = _signals.signal("payout-paid")
payout_rejected = _signals.signal("payout-rejected")
