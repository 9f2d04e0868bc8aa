"""Proving a TikTok identity in the background (webapp.auth.connected_proof)."""
from jobs.context import app_context


def prove_connection(user_id: int) -> str:
    """Bind the user id of the TikTok account a creator connected. Raises ProofPending while
    TikTok's profile page cannot be read, so RQ retries it (the Retry it was queued with)."""
    from webapp.auth import connected_proof

    with app_context():
        return "proven" if connected_proof.prove(user_id) else "nothing to prove with"
