"""Bearer tokens for /api: `Authorization: Bearer <token>`, and nothing else.

Session cookies never authenticate here (the views never look at the logged-in user), so a page
on another site cannot make a browser spend its login on the API; that is also why the API is
exempt from CSRF. The token is looked up once per request (the rate limiter's key needs it
before the views run) and kept in `g`.
"""
from flask import g, request

from webapp.api import tokens
from webapp.api.errors import ApiError
from webapp.api.models import READ, WRITE, ApiToken

_UNSET = object()
# GET (and HEAD) read; everything else writes: batch-views and observations.
_READING = ("GET", "HEAD", "OPTIONS")


def bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def request_token() -> ApiToken | None:
    """The token sent with this request, revoked or not; None when missing or unknown."""
    found = g.get("api_token", _UNSET)
    if found is _UNSET:
        secret = bearer_secret()
        found = g.api_token = tokens.find(secret) if secret else None
    return found


def rate_key() -> str:
    """Flask-Limiter's key: the token's own budget; by client address without a live token."""
    token = request_token()
    if token is not None and token.is_active:
        return f"api-token:{token.id}"
    return f"api-ip:{request.remote_addr}"


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="ViewPay API"'})


def require_token() -> ApiToken:
    """The request's live token with the scope its method needs, or an ApiError (401/403)."""
    if bearer_secret() is None:
        raise _unauthorized("missing_token", "Send 'Authorization: Bearer <token>'.")
    token = request_token()
    if token is None:
        raise _unauthorized("invalid_token", "This API token is not valid.")
    if not token.is_active:
        raise _unauthorized("token_revoked", "This API token was revoked.")
    needed = READ if request.method in _READING else WRITE
    if not token.allows(needed):
        raise ApiError(403, "insufficient_scope",
                       f"This token has the '{token.scope}' scope; this needs '{needed}'.")
    tokens.note_use(token)
    return token
