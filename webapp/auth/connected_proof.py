"""The proof a Login Kit connection gives, when the profile could not be read at once.

Connecting binds the TikTok account's stable user id from its public profile (Login Kit names
the account but does not give that id). TikTok's profile page may be blocked, throttled or down
just then; the creator stays connected, and a job binds the id once the page can be read
(retried with back-off for about a day; the account page queues it again after that).
"""
import logging

from rq import Retry
from sqlalchemy import select

from webapp.auth import bio
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import TikTokConnection, User
from webapp.extensions import db, jobqueue
from webapp.tiktok.client import Sources
from webapp.tiktok.errors import TikTokError

log = logging.getLogger(__name__)
JOB = "jobs.identity.prove_connection"
RETRY = (6, [60, 300, 900, 3600, 6 * 3600, 24 * 3600])


class ProofPending(Exception):
    """The profile of a connected account could not be read now; try again later."""


def queue(user_id: int) -> None:
    """Bind the connected account's user id in the background (one job per creator at a time)."""
    jobqueue.enqueue(JOB, user_id, job_id=f"prove-connection-{user_id}", timeout=60,
                     retry=Retry(max=RETRY[0], interval=RETRY[1]))


def pending(user: User, conn: TikTokConnection | None) -> bool:
    """Connected, but the account's user id is not bound yet."""
    return bool(conn and conn.is_active and not user.identity_proven)


def prove(user_id: int) -> bool:
    """Bind the user id of the TikTok account this creator connected, exactly as a bio code
    does (same binding, same `identity_proven` signal). True when the creator is proven (now or
    already); False when there is nothing to prove with (no active connection, or the profile
    now names another account). Raises ProofPending while the profile cannot be read."""
    user = db.session.get(User, user_id)
    conn = db.session.scalar(select(TikTokConnection).where(TikTokConnection.user_id == user_id))
    if user is None or user.identity_proven:
        return user is not None
    if not pending(user, conn) or not conn.username:
        return False
    username = conn.username
    db.session.rollback()  # nothing held open across the network call
    try:
        profile = Sources().profile.fetch(username)
    except TikTokError as exc:
        raise ProofPending(f"profile of @{username} unreadable: {exc.message}") from exc
    if not profile.user_id or (profile.handle or username).lower() != username.lower():
        log.warning("profile of @%s names no matching user id; not bound", username)
        return False
    try:
        bio.bind_identity(user_id, profile.user_id, profile.handle or username)
    except TikTokLinkError:  # another ViewPay account proved this TikTok account first
        log.warning("TikTok account @%s is proven by another account; not bound", username)
        return False
    return True
