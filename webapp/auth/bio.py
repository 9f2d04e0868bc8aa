"""Ownership proof without OAuth: the creator puts a short code in their TikTok bio, we read the
public profile page and bind the account to TikTok's stable user id (not the handle, which the
creator can change). Once bound, the code can come out of the bio again.
"""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.auth import services, signals
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import BioCode, User
from webapp.extensions import db
from webapp.tiktok.client import Sources
from webapp.tiktok.errors import NotFound, RateLimited, TikTokError
from webapp.timeutil import aware, utcnow

# No 0/O or 1/I: the creator types this on a phone, reading it off another screen.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE_LENGTH = 5


def new_code() -> str:
    return "VP-" + "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))


def current_code(user_id: int) -> BioCode | None:
    """The creator's code, if one was issued and has not expired."""
    row = db.session.scalar(select(BioCode).where(BioCode.user_id == user_id))
    if row is None or aware(row.expires_at) <= utcnow():
        return None
    return row


def issue_code(user_id: int) -> BioCode:
    """The creator's live code; a new one only when there is none (reloading changes nothing)."""
    row = current_code(user_id)
    if row is not None:
        return row
    row = db.session.scalar(select(BioCode).where(BioCode.user_id == user_id)) or BioCode(
        user_id=user_id)
    now = utcnow()
    ttl = timedelta(seconds=current_app.config["TIKTOK_BIO_CODE_TTL_SECONDS"])
    row.code, row.created_at, row.expires_at, row.last_checked_at = new_code(), now, now + ttl, None
    db.session.add(row)
    db.session.commit()
    return row


def code_in_bio(code: str, bio: str | None) -> bool:
    """The code as a whole word; the dash may be dropped or spaced ("VP 7K3Q9", "vp7k3q9")."""
    letters = re.escape(code.upper().removeprefix("VP-"))
    pattern = rf"(?<![A-Z0-9])VP[-\s]?{letters}(?![A-Z0-9])"
    return re.search(pattern, (bio or "").upper()) is not None


def check_bio(user_id: int) -> User:
    """Read the creator's profile and bind them to its user id if the bio holds their code."""
    user = db.session.get(User, user_id)
    if not user.tiktok_handle:  # lost it to its proven owner: the page asks for a new one first
        raise TikTokLinkError("no handle to check", "no_account", handle="")
    row = current_code(user_id)
    if row is None:
        raise TikTokLinkError("no live code; get a new one", "no_code")
    code, handle = row.code, user.tiktok_handle
    row.last_checked_at = utcnow()
    db.session.commit()  # nothing held open across the network call
    try:
        profile = Sources().profile.fetch(handle)
    except NotFound as exc:
        raise TikTokLinkError(f"no TikTok account @{handle}", "no_account", handle=handle) from exc
    except RateLimited as exc:
        raise TikTokLinkError("TikTok asked us to slow down", "busy") from exc
    except TikTokError as exc:
        raise TikTokLinkError(f"profile unreadable: {exc.message}", "tiktok_down") from exc
    if not profile.user_id:
        raise TikTokLinkError("the profile page named no user id", "tiktok_down")
    if not code_in_bio(code, profile.signature):
        raise TikTokLinkError(f"{code} is not in the bio of @{handle}", "code_missing",
                              code=code, handle=handle)
    return bind_identity(user_id, profile.user_id, profile.handle or handle)


def bind_identity(user_id: int, tiktok_user_id: str, handle: str) -> User:
    """Bind the proven id (a bio code, or Login Kit: webapp.auth.connections); in the same
    transaction every other account loses the handle; then announce the proof."""
    taken = db.session.scalar(select(User.id).where(User.tiktok_user_id == tiktok_user_id,
                                                    User.id != user_id))
    if taken:
        raise TikTokLinkError("this TikTok account is verified by another ViewPay account",
                              "taken", seen=handle)
    try:
        services.release_handle(user_id, handle, tiktok_user_id)  # before the owner takes it
        user = db.session.get(User, user_id)
        user.tiktok_user_id, user.tiktok_verified_at, user.tiktok_handle = (
            tiktok_user_id, utcnow(), handle)
        row = db.session.scalar(select(BioCode).where(BioCode.user_id == user_id))
        if row is not None:
            db.session.delete(row)  # done: the creator may take the code out of their bio
        db.session.commit()
    except IntegrityError as exc:  # another account bound the same id a moment ago
        db.session.rollback()
        raise TikTokLinkError("this TikTok account is verified by another ViewPay account",
                              "taken", seen=handle) from exc
    identity_proven(user_id)
    return user


def identity_proven(user_id: int) -> None:
    """Tell whoever listens (tracking releases held money) that this identity is now proven."""
    signals.identity_proven.send(user_id)
