"""Reading TikTok's v2 answers, shared by Login Kit and the Display API: the JSON body, its error
object as a typed error, and fields checked for their type. No network here."""
from __future__ import annotations

import json

from webapp.tiktok.errors import AuthError, Garbled, InvalidParams, RateLimited, Upstream

API_BASE = "https://open.tiktokapis.com"
MAX_BODY_CHARS = 2_000_000
INT64_MAX = 2**63 - 1
# v2 error code -> needs_refresh: a fresh access token fixes the first, only a reconnect the others
_AUTH_CODES = {"access_token_invalid": True, "scope_not_authorized": False,
               "scope_permission_missed": False}


def load(text: str, status: int, retry_after: float | None) -> dict:
    if len(text) > MAX_BODY_CHARS:
        raise Upstream(f"answer too large ({len(text)} chars)")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise_for_http(status, retry_after)
        raise Garbled(f"HTTP {status}: answer is not a JSON object")
    return body


def raise_for_http(status: int, retry_after: float | None, *, auth: bool = True) -> None:
    if status == 429:
        raise RateLimited("HTTP 429", retry_after=retry_after)
    if status >= 500:
        raise Upstream(f"HTTP {status}", status_code=status)
    if auth and status == 401:
        raise auth_error("HTTP 401 without an error body", status)


def api_error(error: dict, status: int, retry_after: float | None):
    code, log_id = error.get("code"), error.get("log_id")
    message = f"{code}: {error.get('message') or ''} (log_id {log_id})"
    if code == "rate_limit_exceeded":
        raise RateLimited(message, retry_after=retry_after, status_code=status)
    if code == "internal_error":
        raise Upstream(message, status_code=status)
    if code == "invalid_params":
        raise InvalidParams(f"TikTok rejected our request: {message}", status_code=status)
    if code in _AUTH_CODES or status == 401:  # an unknown code on a 401 is still about the token
        raise auth_error(message, status, api_code=code, log_id=log_id,
                         needs_refresh=_AUTH_CODES.get(code, False))
    raise Garbled(f"unknown Display API error {message}", status_code=status)


def auth_error(message, status, *, oauth_error=None, api_code=None, log_id=None,
               needs_refresh=False) -> AuthError:
    err = AuthError(message, status_code=status)
    err.oauth_error, err.api_code, err.log_id = oauth_error, api_code, log_id
    err.needs_refresh = needs_refresh
    return err


def obj(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Garbled(f"{where} is {type(value).__name__}, expected an object")
    return value


def string(value, where: str, *, required: bool = False) -> str | None:
    if (value is None and required) or (value is not None and not isinstance(value, str)):
        raise Garbled(f"{where} missing or not a string")
    if required and not value:
        raise Garbled(f"{where} is empty")
    return value


def integer(value, where: str, *, required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise Garbled(f"{where}: {str(value)[:30]!r} is not a non-negative int64")
    return value
