"""API tokens: made (shown once), found by their hash, revoked; every change audited.

A token is 256 random bits; only its SHA-256 is stored, so a leaked table cannot be replayed
(as with login sessions, webapp.auth.sessions).
"""
import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.api.models import SCOPES, ApiToken
from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.extensions import db
from webapp.timeutil import aware, utcnow

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PREFIX = "vp_"  # recognisable in a leaked config file or a secret scanner
# last_used_at is written at most this often per token: not one write per request.
USE_NOTE_INTERVAL = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be made or revoked; `code` names why (the admin page translates it)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create(name: str, scope: str, *, owner_id: int | None, actor_id: int | None,
           via: str) -> tuple[ApiToken, str]:
    """A new token and its secret, which is not kept anywhere: show it once."""
    name = (name or "").strip()
    if not NAME_RE.fullmatch(name):
        raise TokenError("A token name has 1-64 letters, digits, '.', '_' or '-'.", "name")
    if scope not in SCOPES:
        raise TokenError("The scope is read or write.", "scope")
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner_id is not None and (owner is None or not owner.is_admin):
        raise TokenError("A token can only act for an admin.", "owner")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, scope=scope, token_hash=hash_token(raw), owner_id=owner_id)
    db.session.add(token)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the name is taken (two admins racing included)
        db.session.rollback()
        raise TokenError("A token with this name already exists.", "name_taken") from exc
    audit.record(actor_id, "api_token_created", "api_token", token.id, name=name, scope=scope,
                 owner_id=owner_id, via=via)
    db.session.commit()
    return token, raw


def by_name(name: str) -> ApiToken:
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == (name or "").strip()))
    if token is None:
        raise TokenError("No token has this name.", "unknown")
    return token


def revoke(token_id: int, *, actor_id: int | None, via: str) -> ApiToken:
    """Stop a token from working at once; the row stays for the audit trail."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise TokenError("No such token.", "unknown")
    moved = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # already revoked (two admins clicking together included)
        db.session.rollback()
        raise TokenError("This token was already revoked.", "revoked")
    audit.record(actor_id, "api_token_revoked", "api_token", token.id, name=token.name, via=via)
    db.session.commit()
    db.session.refresh(token)
    return token


def all_tokens() -> list[ApiToken]:
    """Active first, then revoked; newest first within each."""
    return list(db.session.scalars(select(ApiToken).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def find(raw: str) -> ApiToken | None:
    """The token this secret belongs to, revoked or not (the caller tells them apart)."""
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))


def note_use(token: ApiToken) -> None:
    now = utcnow()
    if token.last_used_at is None or aware(token.last_used_at) < now - USE_NOTE_INTERVAL:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id)
                           .values(last_used_at=now).execution_options(synchronize_session=False))
        db.session.commit()
