"""Language choice, Jakarta time and the one Rupiah filter."""
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import current_app, request, session
from flask_babel import format_datetime, get_locale, refresh
from flask_login import current_user

from webapp.extensions import babel
from webapp.money import round_display


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("lang") if request else None
    return chosen if chosen in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on `g`; a request inside an already-open app context (the
    # CLI, tests, a job rendering mail) would otherwise keep the first request's language.
    app.before_request(refresh)


def rupiah(amount: Decimal | None, exact: bool = False) -> str:
    """Rp with 2 decimals (rounded half up), or every stored decimal when exact=True."""
    if amount is None:
        return "–"
    locale = str(get_locale() or "id")
    if exact:
        return format_currency(amount, "IDR", locale=locale, format=None,
                               currency_digits=False, decimal_quantization=False)
    return format_currency(round_display(amount), "IDR", locale=locale)


def views(count: int | None) -> str:
    return "–" if count is None else format_decimal(count, locale=str(get_locale() or "id"))


def when(value) -> str:
    return "–" if value is None else format_datetime(value, "medium")


def day(value) -> str:
    """A short date in Jakarta time: "2 Des" / "2 Dec" (the year only when it is not this one)."""
    if value is None:
        return "–"
    from webapp.timeutil import aware, utcnow

    pattern = "d MMM" if aware(value).year == utcnow().year else "d MMM y"
    return format_datetime(aware(value), pattern)


def hours(value) -> str:
    """A span given in hours, in words: "1 menit", "3 jam", "2 hari"."""
    from datetime import timedelta

    from flask_babel import format_timedelta

    if value is None:
        return "–"
    return format_timedelta(timedelta(hours=float(value)), threshold=1.5)


def register_filters(app) -> None:
    app.jinja_env.filters.update(rupiah=rupiah, views=views, when=when, day=day, hours=hours)
    app.jinja_env.globals.update(get_locale=get_locale)
