"""Accounts: sign-up, credentials, roles."""
import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.auth.errors import AuthError
from webapp.auth.models import ADMIN, CREATOR, User
from webapp.extensions import db

HANDLE_RE = re.compile(r"^[A-Za-z0-9_.]{2,24}$")
MIN_PASSWORD = 8


def normalise_handle(handle: str) -> str:
    handle = (handle or "").strip().lstrip("@")
    if not HANDLE_RE.match(handle) or handle.endswith("."):
        raise AuthError("A TikTok handle has 2-24 letters, digits, '_' or '.', not ending in '.'.")
    return handle


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, *, role: str = CREATOR, handle: str | None = None) -> User:
    """Create an account; raises AuthError on a duplicate email, weak password or bad handle."""
    email = email.strip().lower()
    if find_by_email(email):
        raise AuthError("An account with this email already exists.")
    if len(password or "") < MIN_PASSWORD:
        raise AuthError(f"The password needs at least {MIN_PASSWORD} characters.")
    if role == CREATOR:
        handle = normalise_handle(handle or "")
        if handle_taken(handle):
            raise AuthError("Another account already uses this TikTok handle.")
    user = User(email=email, role=role, tiktok_handle=handle)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as exc:  # two sign-ups racing for the same email or handle
        db.session.rollback()
        raise AuthError("An account with this email or TikTok handle already exists.") from exc
    return user


def handle_taken(handle: str) -> bool:
    """A handle belongs to one account: otherwise anyone could claim a famous creator's videos."""
    return db.session.scalar(
        select(User.id).where(func.lower(User.tiktok_handle) == handle.lower())) is not None


def create_admin(email: str, password: str) -> User:
    return create_user(email, password, role=ADMIN)


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email or "")
    return user if user and user.check_password(password or "") else None


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
