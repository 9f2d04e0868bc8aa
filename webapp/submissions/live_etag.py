"""The live fragment's ETag: one SQL statement, never a render.

The creator's page polls the fragment every POLL_SECONDS and nearly every answer is a 304, so
this is what a watching creator costs. The statement is built once per process from scalar
subqueries, each an index probe, the same for 5 videos or 5.000:
- submissions: the latest updated_at of the creator's submissions (index 0014): a new video, a
  status, a view count, a credit all stamp a row;
- each area above answers `live_parts` (earnings: the ledger's latest entry, money becoming
  available, open holds; webapp.earnings.listeners).
Besides, the language, the page of cards and the day (the cards' trend window moves by the
day). Relative times ("3 minutes ago", "next in about 1 hour") are not part of it: the page
turns them from absolute timestamps itself (static/reltime.js).

Settling: a transaction stamps its rows before it commits, so a change may become visible with a
stamp older than the latest one already seen, and moving no maximum. While any part changed
within SETTLE_SECONDS (longer than a transaction lives, plus a minute), the tag also carries the
minute: such a change shows within a minute. A quiet creator's page gets only 304s.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from webapp import autocommit
from webapp.auth import sessions
from webapp.extensions import db
from webapp.i18n import locale_for
from webapp.submissions import signals
from webapp.submissions.cards import trend_start
from webapp.submissions.models import Submission
from webapp.timeutil import aware, utcnow

SETTLE_SECONDS = 300
TIME_BUCKET_SECONDS = 60

_built: tuple | None = None  # (statement, parts): the receivers are connected at app creation


def _statement():
    global _built
    if _built is None:
        creator = bindparam("creator_id")
        parts = [signals.LivePart(
            select(func.max(Submission.updated_at)).where(Submission.creator_id == creator)
            .scalar_subquery(), changed_at=True)]
        for answer in signals.answers(signals.live_parts, None):
            parts.extend(answer)
        statement = select(*(part.value.label(f"p{n}") for n, part in enumerate(parts)))
        _built = (statement, parts)
    return _built


def live_etag(creator_id: int, *, locale: str = "", page: int = 1,
              now: datetime | None = None) -> str:
    """The fragment's version for this creator, language and page (a strong ETag value)."""
    now = now or utcnow()
    statement, parts = _statement()
    # Core on the session's connection: no ORM result machinery for one row of scalars.
    values = db.session.connection().execute(statement, _params(creator_id, parts, now)).one()
    return _tag(creator_id, locale, page, now, parts, values)


_with_login = None  # the statement above with the login's check as a column (built once)


def live_etag_for_login(user_id: int, sid: str, *, page: int = 1,
                        now: datetime | None = None) -> str | None:
    """The tag for the creator this browser is logged in as, checking the login in the same
    statement (one round trip, no user loaded); None when the login is not live (the caller
    then takes the ordinary path, which answers 401)."""
    global _with_login
    now = now or utcnow()
    statement, parts = _statement()
    if _with_login is None:
        _with_login = statement.add_columns(sessions.LIVE_LOGIN_LOCALE.label("login"))
    params = {**_params(user_id, parts, now), **sessions.live_login_params(sid, user_id, now)}
    if autocommit.engine_of(current_app._get_current_object()) is not None:
        *values, login = _on_driver(params)
    else:
        *values, login = db.session.connection().execute(_with_login, params).one()
    if login is None:
        return None
    return _tag(user_id, locale_for(login or None), page, now, parts, values)


_driver_sql: tuple[bytes, list] | None = None  # _with_login with $n placeholders, and for each
# placeholder its name, or its fixed value already as text
_DRIVER_STATEMENT = b"viewpay_live_etag"
_NUMBERED = postgresql_psycopg.dialect(paramstyle="numeric_dollar")  # $1, $2, ... for libpq


def _on_driver(params: dict) -> tuple:
    """The statement as a prepared statement of the polls' autocommit pool, run through libpq
    (autocommit.fetch_one_prepared): SQLAlchemy's execution path, the request's session and
    even psycopg's execute cost more than the statement. Compiled once per process, IN lists
    included; with no ROLLBACK on that pool it stays prepared for the connection's life. The
    values come back through psycopg's loaders, as SQLAlchemy would give them for these
    columns (timestamps, integers, text): the tag is the same either way (tests compare)."""
    global _driver_sql
    if _driver_sql is None:
        compiled = _with_login.compile(dialect=_NUMBERED, compile_kwargs={"render_postcompile": True})
        fixed = compiled.params
        _driver_sql = (str(compiled).encode(), [
            _text(fixed[name]) if fixed[name] is not None else name
            for name in compiled.positiontup])
    sql, slots = _driver_sql
    values = [_text(params[slot]) if isinstance(slot, str) else slot for slot in slots]
    return autocommit.fetch_one_prepared(_DRIVER_STATEMENT, sql, values)


def _text(value) -> bytes | None:
    """A bind value as PostgreSQL's text input for the cast the statement puts on it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().encode()
    return str(value).encode()


def _params(creator_id: int, parts, now: datetime) -> dict:
    params = {"creator_id": creator_id}
    for part in parts:
        if part.params:
            params.update(part.params(now))
    return params


def _tag(creator_id: int, locale: str, page: int, now: datetime, parts, values) -> str:
    key = [creator_id, locale, page, trend_start(now).date(), *values]
    latest = max((aware(value) for part, value in zip(parts, values)
                  if part.changed_at and value is not None), default=None)
    if latest is not None and now - latest < timedelta(seconds=SETTLE_SECONDS):
        key.append(int(now.timestamp()) // TIME_BUCKET_SECONDS)
    return hashlib.sha1("|".join(map(str, key)).encode()).hexdigest()
