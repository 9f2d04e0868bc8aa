"""Logins as server-side rows: a session lasts while its row exists, whatever a cookie says.

Flask's session cookie is signed, not stored: without a row to delete, a copy of it would stay
valid after logout. Each login stores the SHA-256 of a random session id (kept in the Flask
session) and, if the user asked to be remembered, of a random remember-me token (its own
cookie), which is replaced every time it brings the user back.
"""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update

from webapp.auth.models import User, UserSession
from webapp.extensions import db
from webapp.timeutil import utcnow


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token() -> str:
    return secrets.token_urlsafe(32)


def start(user_id: int, *, remember: bool) -> tuple[str, str | None]:
    """A new login: returns its session id and, when remembered, its remember-me token."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                                 UserSession.expires_at <= now))
    sid, token = _token(), (_token() if remember else None)
    db.session.add(UserSession(
        user_id=user_id, session_hash=_hash(sid), remember_hash=token and _hash(token),
        created_at=now, expires_at=now + timedelta(days=current_app.config["SESSION_DAYS"])))
    db.session.commit()
    return sid, token


# Every logged-in request runs this: built once, because building a select and its cache key
# cost as many Python calls as running it (655 calls per load before, 343 now).
_LIVE_LOGIN = (
    select(User).join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.session_hash == bindparam("session_hash"), User.id == bindparam("user_id"),
           UserSession.expires_at > bindparam("now")))


# The same check as a column of someone else's statement (the live fragment's poll asks it
# together with its ETag, in one round trip): the user's locale ('' for none) while the
# login lives, NULL once it ended or expired.
LIVE_LOGIN_LOCALE = (
    select(func.coalesce(User.locale, "")).join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.session_hash == bindparam("login_session_hash"),
           User.id == bindparam("login_user_id"), UserSession.expires_at > bindparam("login_now"))
    .scalar_subquery())


def live_login_params(sid: str, user_id: int, now) -> dict:
    """The bind values of LIVE_LOGIN_LOCALE for this browser's login."""
    return {"login_session_hash": _hash(sid), "login_user_id": user_id, "login_now": now}


def user_for(sid: str | None, user_id: int) -> User | None:
    """The user of a live login, or None once it was ended or has expired (one statement)."""
    if not sid:
        return None
    return db.session.scalar(_LIVE_LOGIN, {"session_hash": _hash(sid), "user_id": user_id,
                                           "now": utcnow()})


def resume(token: str) -> tuple[User, str, str] | None:
    """Bring a remembered user back: the login gets a new session id and a new remember-me
    token (the one presented stops working). None when the token is unknown, used or expired."""
    sid, fresh = _token(), _token()
    now = utcnow()
    # One UPDATE guarded by the old hash: of two requests racing with the same token, one wins.
    row_id = db.session.scalar(
        update(UserSession)
        .where(UserSession.remember_hash == _hash(token), UserSession.expires_at > now)
        .values(session_hash=_hash(sid), remember_hash=_hash(fresh), last_resumed_at=now)
        .returning(UserSession.user_id))
    db.session.commit()
    if row_id is None:
        return None
    return db.session.get(User, row_id), sid, fresh


def end(sid: str | None) -> None:
    """End one login (this browser's)."""
    if sid:
        db.session.execute(delete(UserSession).where(UserSession.session_hash == _hash(sid)))
        db.session.commit()


def end_all(user_id: int, *, commit: bool = True) -> None:
    """End every login of this user (log out everywhere; a new password, in its transaction)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    if commit:
        db.session.commit()
