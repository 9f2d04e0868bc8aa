import uuid
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.earnings.bank import BANK, BANKS, normalise_account, normalise_holder
from webapp.earnings.errors import MoneyError
from webapp.earnings.fields import MoneyField
from webapp.earnings.messages import error_message
from webapp.earnings.payouts import parse_amount


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
    holder_name = StringField(_l("Account holder name"),
                              validators=[InputRequired(), Length(max=100)])

    def validate_account_number(self, field):
        try:
            field.data = normalise_account(self.bank_code.data, field.data)
        except MoneyError as exc:
            raise ValidationError(error_message(exc.code))

    def validate_holder_name(self, field):
        try:
            field.data = normalise_holder(field.data)
        except MoneyError as exc:
            raise ValidationError(error_message(exc.code))


class WithdrawForm(FlaskForm):
    amount = MoneyField(_l("Amount (Rp)"), parse=parse_amount,
                        required=_l("How much do you want to withdraw?"), max_length=30)
    # One key per rendered form: a double click posts the same key and finds the first payout.
    request_key = HiddenField(default=lambda: uuid.uuid4().hex)

    @property
    def value(self) -> Decimal | None:
        """The amount in rupiah, once the form is valid."""
        return self.amount.decimal
