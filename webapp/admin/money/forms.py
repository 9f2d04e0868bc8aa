from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from webapp.earnings.errors import MoneyError
from webapp.earnings.messages import error_message
from webapp.earnings.rates import parse_rate


class RateForm(FlaskForm):
    per_view = StringField(_l("Rupiah per view"), validators=[
        InputRequired(message=_l("Enter the new rate per view.")), Length(max=40)])

    def validate_per_view(self, field):
        try:
            self.value = parse_rate(field.data)
        except MoneyError as exc:
            raise ValidationError(error_message(exc.code))


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
