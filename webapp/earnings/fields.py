"""Money typed into a form: one field for every rupiah input, read by its service's parser."""
from collections.abc import Callable
from decimal import Decimal

from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.earnings.errors import MoneyError
from webapp.earnings.messages import error_message


class MoneyInput:
    """Validator: read the text with `parse` (a parser raising MoneyError, such as
    payouts.parse_amount or rates.parse_rate) and keep the Decimal as `field.decimal`.

    The parser's error code becomes the translated message of webapp.earnings.messages; the
    text stays as typed, so a refused form shows the person what they wrote."""

    def __init__(self, parse: Callable[[str], Decimal]):
        self.parse = parse

    def __call__(self, form, field):
        try:
            field.decimal = self.parse(field.data)
        except MoneyError as exc:
            raise ValidationError(error_message(exc.code)) from None


class MoneyField(StringField):
    """Text, not DecimalField: people type "50.000", "Rp 50,000" or "0,00002489", and only the
    service's parser knows which of those it accepts. `decimal` is the value once valid."""

    def __init__(self, label=None, *, parse: Callable[[str], Decimal], required: str,
                 max_length: int, **kwargs):
        super().__init__(label, validators=[InputRequired(message=required),
                                            Length(max=max_length), MoneyInput(parse)], **kwargs)
        self.decimal: Decimal | None = None
