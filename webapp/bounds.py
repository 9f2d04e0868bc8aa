"""Input bounded before any query, so that hostile values are a 404 or 400, never a database error.

PostgreSQL refuses an id beyond its `integer` (every primary key here is one) and any text with a
NUL byte; SQLite overflows beyond 64 bits; an absurd ?page overflows the OFFSET on both.
"""
import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the type of every id column (raise it with them)
MAX_PAGE = 100_000  # far beyond any real list; keeps OFFSET a sane number
_ID = re.compile(r"[0-9]{1,19}")  # ASCII only: str.isdigit() accepts "²", which int() refuses


class IdConverter(IntegerConverter):
    """Every `<int:...>` in a route: 1 .. MAX_ID in ASCII digits; anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(raw: str | None) -> int | None:
    """A form or query value as an id, or None when it cannot be one."""
    raw = (raw or "").strip()
    if not _ID.fullmatch(raw):
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values) -> list[int]:
    """The values that can be ids (a ticked list of rows), in order, the rest dropped."""
    return [n for n in map(parse_id, values) if n is not None]


def _reject_malformed() -> None:
    # Most requests have no query string and no form: nothing to parse, nothing to check.
    if request.query_string:
        _reject_absurd_pages()
        _reject_nul_bytes(request.args.items(multi=True))
    if request.environ.get("CONTENT_TYPE"):  # only a typed body can fill request.form
        _reject_nul_bytes(request.form.items(multi=True))
    if request.view_args:
        _reject_nul_bytes(request.view_args.items())


def _reject_absurd_pages() -> None:
    # Routes read ?page (and Flask-SQLAlchemy ?per_page) with type=int, so junk already means
    # page 1; only a number too large for any list is left, and that page cannot exist.
    for name in ("page", "per_page"):
        try:
            number = int(request.args.get(name, ""))
        except ValueError:
            continue
        if abs(number) > MAX_PAGE:
            abort(404)


def _reject_nul_bytes(pairs) -> None:
    # No browser form can send one, and PostgreSQL cannot store one: a malformed request.
    if any(isinstance(value, str) and "\x00" in value for _, value in pairs):
        abort(400)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: its rules must be built with the bounded converter."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_reject_malformed)
