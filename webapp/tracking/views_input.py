"""Reading a view count as people type it: "50.000", "50,000", "50000", " 50 000 ".

Indonesian writes 50.000 and English 50,000, so "." and "," are both read as thousands
separators, but only where they group digits in threes; a separator followed by anything else
("1,5", "12.3456", "0,500") is a decimal point, and a view count has no decimals.
"""
import re

from flask import current_app

from webapp.tracking.errors import InvalidViews

# Spaces people (and copy-paste from TikTok or a spreadsheet) put between digit groups:
# space, no-break space, figure space, thin space, narrow no-break space.
_SPACES = re.compile(r"[ \u00a0\u2007\u2009\u202f]+")
_MINUS = ("-", "\u2212", "\u2013")  # hyphen, minus sign, en dash
_NUMBERISH = re.compile(r"[0-9., ]*[0-9][0-9., ]*", re.ASCII)
_GROUPED = re.compile(r"[1-9][0-9]{0,2}([., ])[0-9]{3}(?:\1[0-9]{3})*", re.ASCII)
_ENDS_IN_GROUP = re.compile(r"[1-9].*[., ][0-9]{3}", re.ASCII)
MAX_DIGITS = 20  # far beyond any plausible count; keeps int() cheap


def parse_views(text: str | None, max_views: int | None = None) -> int:
    """The whole number in `text`.

    Raises InvalidViews with code empty, not_number, negative, decimal, grouping or absurd.
    """
    cleaned = _SPACES.sub(" ", (text or "").strip())
    if not cleaned:
        raise InvalidViews("Enter the view count shown on TikTok.", "empty")
    negative = cleaned.startswith(_MINUS)
    body = cleaned[1:].lstrip() if negative else cleaned
    if not _NUMBERISH.fullmatch(body):
        raise InvalidViews("Type the exact count in digits, like 50,000 (not 50K).", "not_number")
    if negative:
        raise InvalidViews("A view count cannot be negative.", "negative")
    if body.isdigit() or _GROUPED.fullmatch(body):
        digits = re.sub(r"[., ]", "", body)
    elif " " in body or _ENDS_IN_GROUP.fullmatch(body):
        # "1.23.456", "1,234.567", "5 0000": digits grouped wrongly, not a decimal.
        raise InvalidViews("Group the digits in threes, like 1,250,000.", "grouping")
    else:
        raise InvalidViews("A view count must be a whole number.", "decimal")
    limit = current_app.config["MAX_PLAUSIBLE_VIEWS"] if max_views is None else max_views
    if len(digits.lstrip("0")) > MAX_DIGITS or int(digits) > limit:
        raise InvalidViews("That view count is not plausible for one video.", "absurd")
    return int(digits)
