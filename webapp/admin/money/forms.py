from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from webapp.earnings.fields import MoneyField
from webapp.earnings.rates import parse_rate


class RateForm(FlaskForm):
    per_view = MoneyField(_l("Rupiah per view"), parse=parse_rate,
                          required=_l("Enter the new rate per view."), max_length=40)

    @property
    def value(self) -> Decimal | None:
        """The rate per view, once the form is valid."""
        return self.per_view.decimal


class VideoRateForm(RateForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why; the creator reads it.")), Length(max=1000)])


class PayoutRejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why, so the creator can fix it.")), Length(max=1000)])


class PayoutPaidForm(FlaskForm):
    reference = StringField(_l("Bank transfer reference"), validators=[
        InputRequired(message=_l("Enter the reference of the bank transfer.")),
        Length(min=3, max=64)])
