"""Keeping a creator's Login Kit token usable: refresh before the 24 h expiry, rotate the
refresh token, and mark the connection broken when TikTok refuses it (invalid_grant).

Refresh tokens rotate, so two workers refreshing one connection at once would leave one of them
holding a dead token: a Redis lock serialises refreshes, and "broken" is only written if the
refresh token that failed is still the stored one.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select, update

from webapp.auth import crypto
from webapp.auth.connections import get, store_token
from webapp.auth.models import ACTIVE, BROKEN, TikTokConnection
from webapp.extensions import db, jobqueue
from webapp.tiktok.client import login_kit
from webapp.tiktok.errors import AuthError, TikTokError
from webapp.timeutil import aware, utcnow

log = logging.getLogger(__name__)


def access_token(user_id: int, *, force_refresh: bool = False) -> str | None:
    """A usable access token for the Display API, refreshed first when it is close to expiry;
    None when the creator is not connected or the connection is broken (fetch the page)."""
    conn = get(user_id)
    if conn is None or conn.status != ACTIVE:
        return None
    if force_refresh or aware(conn.access_expires_at) - utcnow() < _margin():
        return refresh(conn.id, force=force_refresh)
    try:
        return crypto.decrypt(conn.access_token)
    except crypto.TokenKeyError as exc:
        mark_broken(conn.id, str(exc))
        return None


def refresh(connection_id: int, *, force: bool = False,
            within: timedelta | None = None) -> str | None:
    """Rotate the tokens if the access token expires within `within` (default: the configured
    margin) or, with force, unless another worker just did; returns the token to use now."""
    lock = jobqueue.connection.lock(f"viewpay:tiktok:refresh:{connection_id}", timeout=60,
                                    blocking_timeout=20)
    if not lock.acquire():
        return _current_if_valid(connection_id)
    try:
        return _refresh_locked(connection_id, force, within or _margin())
    finally:
        try:
            lock.release()
        except LockError:  # it expired meanwhile: nothing to release
            pass


def _margin() -> timedelta:
    return timedelta(seconds=current_app.config["TIKTOK_TOKEN_REFRESH_MARGIN_SECONDS"])


def _refresh_locked(connection_id: int, force: bool, within: timedelta) -> str | None:
    db.session.expire_all()  # another process may have refreshed while we waited
    conn = db.session.get(TikTokConnection, connection_id)
    if conn is None or conn.status != ACTIVE:
        return None
    now = utcnow()
    just_done = conn.refreshed_at and now - aware(conn.refreshed_at) < timedelta(seconds=60)
    # Whoever held the lock before us may have just rotated: then use what they got.
    needed = not just_done and (force or aware(conn.access_expires_at) - now < within)
    if not needed:
        return _decrypt_or_break(conn)
    stored_refresh = conn.refresh_token
    try:
        plain = crypto.decrypt(stored_refresh)
    except crypto.TokenKeyError as exc:
        mark_broken(conn.id, str(exc))
        return None
    db.session.rollback()  # nothing held open across the network call
    try:
        token = login_kit().refresh(plain)
    except AuthError as exc:
        mark_broken(connection_id, f"refresh refused: {exc.message}", only_if=stored_refresh)
        return None
    except TikTokError as exc:
        _note(connection_id, f"refresh failed, will retry: {exc.message}")
        return _current_if_valid(connection_id)
    conn = db.session.get(TikTokConnection, connection_id)
    if conn is None:  # disconnected meanwhile: the new grant is not wanted either
        return None
    now = utcnow()
    store_token(conn, token, now=now)
    conn.refreshed_at = now
    db.session.commit()
    return token.access_token


def _decrypt_or_break(conn: TikTokConnection) -> str | None:
    try:
        return crypto.decrypt(conn.access_token)
    except crypto.TokenKeyError as exc:
        mark_broken(conn.id, str(exc))
        return None


def _current_if_valid(connection_id: int) -> str | None:
    db.session.expire_all()
    conn = db.session.get(TikTokConnection, connection_id)
    if conn is None or conn.status != ACTIVE or aware(conn.access_expires_at) <= utcnow():
        return None
    return _decrypt_or_break(conn)


def _note(connection_id: int, error: str) -> None:
    db.session.execute(update(TikTokConnection).where(TikTokConnection.id == connection_id)
                       .values(last_error=error[:500]))
    db.session.commit()


def mark_broken(connection_id: int, reason: str, *, only_if: str | None = None) -> None:
    """The creator must reconnect; fetching falls back to the public page meanwhile."""
    query = update(TikTokConnection).where(TikTokConnection.id == connection_id)
    if only_if is not None:  # a concurrent refresh already replaced the token that failed
        query = query.where(TikTokConnection.refresh_token == only_if)
    db.session.execute(query.values(status=BROKEN, last_error=reason[:500]))
    db.session.commit()


def token_rejected(user_id: int, error: AuthError) -> str | None:
    """The Display API refused the token: refresh once if that can help, else mark broken."""
    if getattr(error, "needs_refresh", False):
        return access_token(user_id, force_refresh=True)
    conn = get(user_id)
    if conn is not None:
        mark_broken(conn.id, f"Display API refused the token: {error.message}")
    return None


def refresh_expiring(within_seconds: int) -> int:
    """The periodic job: refresh every active token expiring soon; one failure stops none."""
    soon = utcnow() + timedelta(seconds=within_seconds)
    ids = list(db.session.scalars(select(TikTokConnection.id).where(
        TikTokConnection.status == ACTIVE, TikTokConnection.access_expires_at < soon)))
    db.session.rollback()
    done = 0
    for connection_id in ids:
        try:
            done += refresh(connection_id, within=timedelta(seconds=within_seconds)) is not None
        except Exception:
            db.session.rollback()
            log.exception("refreshing TikTok connection %s failed", connection_id)
    return done
