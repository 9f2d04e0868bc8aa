"""What auth tells the other areas, without importing them (they subscribe; auth knows none).

- handle_released(loser_id, handle=, tiktok_user_id=, unproven=): inside the proof's
  transaction, before it commits; submissions ends the loser's claims on that account's videos.
- password_reset_requested(user_id, token=): in the request's transaction (auth commits);
  notifications puts the mail with the reset link in its outbox (auth sends no mail itself).
- identity_proven(user_id): after the proof committed; tracking releases the money that only
  waited for it.
"""
from blinker import Namespace

_signals = Namespace()
handle_released = _signals.signal("handle-released")
identity_proven = _signals.signal("identity-proven")
password_reset_requested = _signals.signal("password-reset-requested")
