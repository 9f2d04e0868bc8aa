import uuid
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.earnings.bank import (BANK, BANKS, HOLDER_MAX, HOLDER_MIN, normalise_account,
                                  normalise_holder)
from webapp.earnings.errors import MoneyError
from webapp.earnings.fields import MoneyField
from webapp.earnings.messages import error_message
from webapp.earnings.payouts import parse_amount


# The holder name's length, said as such (webapp/earnings/messages.py's ERRORS is their home).
HOLDER_LENGTH = {
    "holder_short": lambda: _("Enter the account holder's full name: at least %(min)d letters.",
                              min=HOLDER_MIN),
    "holder_long": lambda: _("The account holder's name can have at most %(max)d characters.",
                             max=HOLDER_MAX),
}


def _bank_choices() -> list[SelectChoice]:
    # A callable: the group labels are translated in the language of each request.
    groups = {BANK: _("Banks")}
    return [SelectChoice(b.code, b.name, optgroup=groups.get(b.kind, _("E-wallets")))
            for b in BANKS.values()]


class BankForm(FlaskForm):
    bank_code = SelectField(_l("Bank or e-wallet"), choices=_bank_choices,
                            validators=[InputRequired()])
    account_number = StringField(_l("Account number (mobile number for e-wallets)"),
                                 validators=[InputRequired(), Length(max=40)])
    holder_name = StringField(_l("Account holder name"), validators=[InputRequired()],
                              render_kw={"maxlength": HOLDER_MAX})

    def validate_account_number(self, field):
        try:
            field.data = normalise_account(self.bank_code.data, field.data)
        except MoneyError as exc:
            raise ValidationError(error_message(exc.code))

    def validate_holder_name(self, field):
        try:
            field.data = normalise_holder(field.data)
        except MoneyError as exc:
            words = HOLDER_LENGTH.get(exc.code)
            raise ValidationError(words() if words else error_message(exc.code))


class WithdrawForm(FlaskForm):
    amount = MoneyField(_l("Amount (Rp)"), parse=parse_amount,
                        required=_l("How much do you want to withdraw?"), max_length=30)
    # One key per rendered form: a double click posts the same key and finds the first payout.
    request_key = HiddenField(default=lambda: uuid.uuid4().hex)

    @property
    def value(self) -> Decimal | None:
        """The amount in rupiah, once the form is valid."""
        return self.amount.decimal
