"""Accounts: sign-up, credentials, roles, and the TikTok handle each account claims.

A handle typed at sign-up is a claim, not a reservation: several unproven accounts may name the
same handle; once someone proves the TikTok account (bio code or Login Kit), the others lose it.
"""
import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.auth import passwords, sessions, signals
from webapp.auth.errors import AuthError, EmailTaken
from webapp.auth.models import ADMIN, CREATOR, User
from webapp.extensions import db
from webapp.timeutil import utcnow

HANDLE_RE = re.compile(r"^[A-Za-z0-9_.]{2,24}$")


def normalise_handle(handle: str) -> str:
    handle = (handle or "").strip().lstrip("@")
    if not HANDLE_RE.match(handle) or handle.endswith("."):
        raise AuthError("A TikTok handle has 2-24 letters, digits, '_' or '.', not ending in '.'.")
    return handle


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str | None, *, role: str = CREATOR,
                handle: str | None = None, password_hash: str | None = None) -> User:
    """Create an account; raises EmailTaken, or AuthError on a short password or bad handle.

    Where a person chooses the password (sign-up, `users create-*`) `passwords.check` runs
    first; test factories and the demo use this directly. `password_hash` instead of
    `password`: a hash werkzeug's generate_password_hash made (as User.set_password does):
    `demo load` hashes the demo password once for its thousands of accounts, as hashing is
    slow on purpose (~0,1 s each).
    """
    email = email.strip().lower()
    if password_hash is None and len(password or "") < passwords.MIN_LENGTH:
        raise AuthError(f"The password needs at least {passwords.MIN_LENGTH} characters.")
    if role == CREATOR:
        handle = normalise_handle(handle or "")
        if handle_taken(handle):
            raise AuthError("The owner of this TikTok account has proven it on another account.")
    user = User(email=email, role=role, tiktok_handle=handle)
    # Hashed before looking the email up, so that a taken email answers no faster than a new one.
    if password_hash is None:
        user.set_password(password)
    else:
        user.password_hash = password_hash
    if find_by_email(email):
        raise EmailTaken("An account with this email already exists.")
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # two sign-ups racing for the same email
        db.session.rollback()
        raise EmailTaken("An account with this email already exists.") from exc
    return user


def handle_taken(handle: str, *, except_user_id: int | None = None) -> bool:
    """Held by an account that proved it owns the TikTok account (unproven claims don't count:
    a squatter's sign-up must not lock the real owner out)."""
    query = select(User.id).where(func.lower(User.tiktok_handle) == handle.lower(),
                                  User.tiktok_user_id.is_not(None))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query.limit(1)) is not None


def set_handle(user_id: int, handle: str) -> User:
    """An unproven creator names (again) the TikTok account they claim, e.g. after losing one."""
    user = db.session.get(User, user_id)
    if user.identity_proven:
        raise AuthError("A proven account takes its handle from TikTok.")
    handle = normalise_handle(handle)
    if handle_taken(handle):
        raise AuthError("The owner of this TikTok account has proven it on another account.")
    previous, user.tiktok_handle = user.tiktok_handle, handle
    audit.record(user_id, "handle_set", "user", user_id, creator_id=user_id, handle=handle,
                 previous=previous)
    db.session.commit()
    return user


def release_handle(owner_id: int, handle: str, tiktok_user_id: str) -> list[int]:
    """`owner_id` just proved the TikTok account `handle` / `tiktok_user_id`: every other account
    naming that handle loses it (and is told why on its dashboard), and the live claims those
    unproven accounts made on that account's videos end. Returns the losers; the caller commits.

    A proven loser only held a stale spelling (TikTok now gives the handle to another id); its
    videos are recognised by its own id, so they stay.
    """
    now = utcnow()
    losers = list(db.session.scalars(select(User).where(
        func.lower(User.tiktok_handle) == handle.lower(), User.id != owner_id)))
    for loser in losers:
        unproven = not loser.identity_proven
        loser.tiktok_handle, loser.handle_lost, loser.handle_lost_at = None, handle, now
        db.session.flush()  # the handle is free before the owner takes it (a unique index)
        audit.record(None, "handle_released", "user", loser.id, creator_id=loser.id,
                     handle=handle, proven_by=owner_id)
        signals.handle_released.send(loser.id, handle=handle, tiktok_user_id=tiktok_user_id,
                                     unproven=unproven)
    return [loser.id for loser in losers]


def create_admin(email: str, password: str) -> User:
    return create_user(email, password, role=ADMIN)


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None; an unknown email costs the same time."""
    user = find_by_email(email or "")
    if user is None:
        passwords.spend_hash_time(password)
        return None
    return user if user.check_password(password or "") else None


def change_password(user_id: int, current: str, new: str) -> User:
    """Set a new password (the current one proves it is the owner) and end every login."""
    user = db.session.get(User, user_id)
    if not user.check_password(current or ""):
        raise AuthError("The current password is not right.")
    passwords.check(new, user.email)
    user.set_password(new)
    sessions.end_all(user_id, commit=False)
    db.session.commit()
    return user


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
