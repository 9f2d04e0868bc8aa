"""Language choice, Jakarta time and the one Rupiah filter."""
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta, get_datetime_format
from functools import lru_cache

from babel import Locale
from babel.numbers import parse_pattern
from flask import current_app, request, session
from flask_babel import get_locale, gettext, refresh
from flask_login import current_user

from webapp.extensions import babel
from webapp.money import SCALE, round_display

# Every creator and admin is in Indonesia's western zone; its name is shown on every time, so a
# time never reads as the viewer's local one. UTC+7 all year (Indonesia has no summer time).
JAKARTA = ZoneInfo("Asia/Jakarta")
ZONE_LABEL = "WIB"


def select_locale() -> str:
    user_locale = (current_user.locale if current_user and current_user.is_authenticated
                   else None)
    return locale_for(user_locale)


def locale_for(user_locale: str | None) -> str:
    """The page language for a user who chose `user_locale` (None: no user, or no choice):
    theirs, else the visitor's pick in this session, else the default."""
    supported = current_app.config["LANGUAGES"]
    if user_locale in supported:
        return user_locale
    chosen = session.get("lang") if request else None
    return chosen if chosen in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on `g`; a request inside an already-open app context (the
    # CLI, tests, a job rendering mail) would otherwise keep the first request's language.
    app.before_request(refresh)


def _locale() -> str:
    return str(get_locale() or "id")


# Babel parses the locale and the number pattern again on every call (~0,1 ms): a page of 20
# cards formats some 40 numbers, so both are parsed once per process instead.
_parsed_locale = lru_cache(maxsize=None)(Locale.parse)
_parsed_pattern = lru_cache(maxsize=None)(parse_pattern)


def format_decimal(number, format: str | None = None, locale: str = "id",
                   decimal_quantization: bool = True) -> str:
    """babel.numbers.format_decimal, with the parsed locale and pattern cached."""
    parsed = _parsed_locale(locale)
    return _parsed_pattern(format or parsed.decimal_formats[None]).apply(
        number, parsed, decimal_quantization=decimal_quantization)


def rupiah(amount: Decimal | None, exact: bool = False) -> str:
    """Rupiah as people read it, "Rp" in both languages: Rp3,74 / Rp3.74 (2 decimals, half up),
    Rp10.000 (no ",00" on whole rupiah), Rp0,00027 (an amount that 2 decimals would show as
    zero keeps the digits that make it non-zero); exact=True shows every stored decimal."""
    if amount is None:
        return "–"
    if not isinstance(amount, (Decimal, int)) or isinstance(amount, bool):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")  # never float
    value = Decimal(amount)
    shown = value if exact else _for_display(value)
    pattern = "#,##0" if shown == shown.to_integral_value() else "#,##0.00######"
    digits = format_decimal(abs(shown), format=pattern, locale=_locale(),
                            decimal_quantization=False)
    return ("-" if shown < 0 else "") + "Rp" + digits


def _for_display(value: Decimal) -> Decimal:
    rounded = round_display(value)
    if rounded or not value:
        return rounded
    # Below Rp0,005: two significant digits (Rp0,00027379 -> Rp0,00027), at most the 8 stored.
    places = min(SCALE, 1 - value.adjusted())
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()


def views(count: int | None) -> str:
    return "–" if count is None else format_decimal(count, locale=_locale())


def _jakarta(value: datetime) -> datetime:
    from webapp.timeutil import aware

    return aware(value).astimezone(JAKARTA)


def _moment(value):
    """A datetime or date; ISO text (flag evidence, job registries) is read as one."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def when(value) -> str:
    """A moment in Jakarta time, labelled: "2 Des 2026 14.03 WIB" / "2 Dec 2026, 2:03 PM WIB"
    (day before month in both languages, as `day` writes it: one page never mixes the two)."""
    if value is None or value == "":
        return "–"
    value, locale = _moment(value), _locale()
    if not isinstance(value, datetime):  # a calendar date has no time and no zone
        return format_date(value, "d MMM y", locale=locale)
    moment = _jakarta(value)
    both = get_datetime_format("medium", locale=locale).format(
        format_time(moment, "short", locale=locale), format_date(moment, "d MMM y", locale=locale))
    return f"{both} {ZONE_LABEL}"


def timeago(value, now: datetime | None = None) -> str:
    """How long ago (or how soon), in words: "3 menit yang lalu" / "3 minutes ago"."""
    if value is None:
        return "–"
    from webapp.timeutil import aware, utcnow

    delta = aware(value) - (aware(now) if now else utcnow())
    if abs(delta) < timedelta(minutes=1):
        return gettext("just now")
    return format_timedelta(delta, add_direction=True, locale=_locale())


def day(value) -> str:
    """A short date in Jakarta time: "2 Des" / "2 Dec" (the year only when it is not this one)."""
    if value is None or value == "":
        return "–"
    from webapp.timeutil import utcnow

    value = _moment(value)
    if isinstance(value, datetime):
        value = _jakarta(value).date()
    this_year = utcnow().astimezone(JAKARTA).year
    return format_date(value, "d MMM" if value.year == this_year else "d MMM y", locale=_locale())


def hours(value) -> str:
    """A span given in hours, in words: "1 menit", "3 jam", "2 hari"."""
    from flask_babel import format_timedelta as span

    if value is None:
        return "–"
    return span(timedelta(hours=float(value)), threshold=1.5)


def register_filters(app) -> None:
    app.jinja_env.filters.update(rupiah=rupiah, views=views, when=when, day=day, hours=hours,
                                 timeago=timeago)
    app.jinja_env.globals.update(get_locale=get_locale)
