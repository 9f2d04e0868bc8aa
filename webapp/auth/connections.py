"""A creator's TikTok connection (Login Kit v2): connect and disconnect.

Connecting proves the TikTok account is the creator's (TikTok logged them in), the way a bio code
does: the account's stable user id is bound (read from its public profile, since Login Kit does
not give it) and `identity_proven` is announced. When the profile cannot be read at that moment,
webapp.auth.connected_proof binds it later, so a connected creator does not stay "unproven".

Tokens are encrypted at rest (webapp.auth.crypto); keeping them fresh is webapp.auth.tokens.
No transaction is held open across a TikTok call.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.auth import bio, connected_proof, crypto, services
from webapp.auth.errors import TikTokLinkError
from webapp.auth.models import ACTIVE, TikTokConnection, User
from webapp.extensions import db
from webapp.tiktok.client import Sources, login_kit
from webapp.tiktok.display import Token
from webapp.tiktok.errors import AuthError, TikTokError
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)
REQUIRED_SCOPES = ("user.info.profile", "video.list")  # username, and video/query


def get(user_id: int) -> TikTokConnection | None:
    return db.session.scalar(select(TikTokConnection).where(TikTokConnection.user_id == user_id))


def active_user_ids(user_ids) -> set[int]:
    """Of these creators, those whose connection is usable (their refreshes batch via the API)."""
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    return set(db.session.scalars(select(TikTokConnection.user_id).where(
        TikTokConnection.user_id.in_(user_ids), TikTokConnection.status == ACTIVE)))


def any_active() -> bool:
    return db.session.scalar(select(TikTokConnection.id).where(
        TikTokConnection.status == ACTIVE).limit(1)) is not None


def connect(user_id: int, code: str) -> TikTokConnection:
    """Exchange the callback's code, check who logged in, and store the tokens encrypted."""
    kit = login_kit()
    try:
        token = kit.exchange_code(code)
    except AuthError as exc:
        raise TikTokLinkError(f"code exchange refused: {exc.message}", "exchange_failed") from exc
    except TikTokError as exc:
        raise TikTokLinkError(f"TikTok did not answer: {exc.message}", "tiktok_down") from exc
    missing = [s for s in REQUIRED_SCOPES if s not in token.scope]
    if missing:
        _discard(kit, token)
        raise TikTokLinkError(f"scopes not granted: {missing}", "missing_scopes")
    try:
        username = kit.user_info(token.access_token).username
    except TikTokError as exc:
        _discard(kit, token)
        raise TikTokLinkError(f"user info failed: {exc.message}", "tiktok_down") from exc
    # Login Kit names the account (username) but not TikTok's numeric user id; the public
    # profile of that username, read now, gives it. That binds the proof to the stable id.
    profile_id = _profile_user_id(username) if username else None
    user = db.session.get(User, user_id)
    if not username or not _same_account(user, username, profile_id):
        _discard(kit, token)
        raise TikTokLinkError(f"connected @{username}, account is @{user.tiktok_handle}",
                              "handle_mismatch", seen=username or "?",
                              mine=user.tiktok_handle or "?")
    if db.session.scalar(select(TikTokConnection.id).where(
            TikTokConnection.open_id == token.open_id, TikTokConnection.user_id != user_id)) or (
            profile_id and db.session.scalar(select(User.id).where(
                User.tiktok_user_id == profile_id, User.id != user_id))):
        raise TikTokLinkError("this TikTok account is connected to another ViewPay account",
                              "taken", seen=username)
    newly_proven = bool(profile_id) and not user.identity_proven
    try:
        if profile_id:
            services.release_handle(user_id, username, profile_id)  # before the owner takes it
        if newly_proven:
            user.tiktok_user_id, user.tiktok_verified_at = profile_id, utcnow()
        conn = get(user_id) or TikTokConnection(user_id=user_id)
        store_token(conn, token, now=utcnow())
        conn.username, conn.connected_at = username, utcnow()
        user.tiktok_handle = username  # TikTok's spelling (and the handle, if it had none)
        db.session.add(conn)
        db.session.commit()
    except IntegrityError as exc:  # another account bound this TikTok account a moment ago
        db.session.rollback()
        raise TikTokLinkError("this TikTok account is connected to another ViewPay account",
                              "taken", seen=username) from exc
    if newly_proven:
        bio.identity_proven(user_id)
    elif not user.identity_proven:
        connected_proof.queue(user_id)  # the profile could not be read just now
    return conn


def _profile_user_id(username: str) -> str | None:
    """TikTok's user id for this username, or None when the profile cannot be read now (the
    connection still works; the proof waits for the next connect or a bio code)."""
    try:
        profile = Sources().profile.fetch(username)
    except TikTokError:
        log.warning("profile of @%s unreadable; connected without binding its id", username)
        return None
    if profile.user_id and (profile.handle or username).lower() == username.lower():
        return profile.user_id
    return None


def _same_account(user: User, username: str, profile_id: str | None) -> bool:
    """Is the TikTok account the creator logged in as the one this ViewPay account is for?"""
    if user.identity_proven and profile_id:
        return profile_id == user.tiktok_user_id  # a renamed account is still the same id
    if user.tiktok_handle:
        return username.lower() == user.tiktok_handle.lower()
    return True  # lost its handle to a proven owner: the login itself says which account


def _discard(kit, token: Token) -> None:
    # Revoking disconnects our app from that TikTok account entirely, so only do it when no
    # creator (maybe the account's rightful owner) still relies on the grant.
    held = db.session.scalar(select(TikTokConnection.id).where(
        TikTokConnection.open_id == token.open_id))
    if held is None:
        try:
            kit.revoke(token.access_token)
        except TikTokError:
            log.warning("could not revoke an unused TikTok grant", exc_info=True)


def store_token(conn: TikTokConnection, token: Token, *, now: datetime) -> None:
    conn.open_id = token.open_id
    conn.scopes = ",".join(token.scope)
    conn.access_token = crypto.encrypt(token.access_token)
    conn.refresh_token = crypto.encrypt(token.refresh_token)
    conn.access_expires_at = now + timedelta(seconds=token.expires_in)
    conn.refresh_expires_at = now + timedelta(seconds=token.refresh_expires_in)
    conn.status, conn.last_error = ACTIVE, None


def disconnect(user_id: int) -> bool:
    """Revoke at TikTok (best effort: the local grant goes whatever TikTok says) and forget it."""
    conn = get(user_id)
    if conn is None:
        return False
    try:
        access = crypto.decrypt(conn.access_token)
    except crypto.TokenKeyError:
        access = None
    db.session.delete(conn)
    db.session.commit()
    if access:
        try:
            login_kit().revoke(access)
        except TikTokError:
            log.warning("TikTok revoke failed for user %s; deleted locally", user_id)
    return True
