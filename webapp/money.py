"""Exact money: Decimal in Python, integer units of 10^-8 rupiah in the database.

Scale 8 represents the rate (Rp 0,00002489) exactly, and views x rate is then exact too,
on SQLite and PostgreSQL alike (SQLAlchemy's Numeric would turn into float on SQLite).
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

SCALE = 8
QUANTUM = Decimal(1).scaleb(-SCALE)  # 0.00000001
_FACTOR = 10**SCALE


class InexactAmount(ValueError):
    pass


def to_units(amount: Decimal) -> int:
    """Decimal rupiah -> integer units; refuses anything that would need rounding."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be Decimal, got {type(amount).__name__}")
    units = amount * _FACTOR
    if units != units.to_integral_value():
        raise InexactAmount(f"{amount} has more than {SCALE} decimal places")
    return int(units)


def from_units(units: int) -> Decimal:
    return (Decimal(int(units)) / _FACTOR).quantize(QUANTUM)


def earnings(views: int, rate: Decimal) -> Decimal:
    """Exact earnings for a cumulative view count: no rounding happens here."""
    if isinstance(views, bool) or not isinstance(views, int):
        raise TypeError("views must be an int")
    return (rate * views).quantize(QUANTUM)


def round_display(amount: Decimal) -> Decimal:
    """Rupiah shown with 2 decimals, half up (what a person would round by hand)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Money(TypeDecorator):
    """A Decimal column stored as integer units of 10^-8 rupiah."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else to_units(value)

    def process_result_value(self, value, dialect):
        # SUM() over bigint comes back as Decimal on PostgreSQL and int on SQLite.
        return None if value is None else from_units(value)
