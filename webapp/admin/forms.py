from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why, so the creator can fix it.")), Length(max=1000)])


class ManualViewsForm(FlaskForm):
    # InputRequired, not DataRequired: 0 views is a value an admin may need to enter.
    views = IntegerField(_l("Views on TikTok now"), validators=[
        InputRequired(message=_l("Enter the view count shown on TikTok.")),
        NumberRange(min=0, message=_l("A view count cannot be negative."))])
    reason = StringField(_l("Why manually"), validators=[
        InputRequired(message=_l("Say why the count is entered by hand.")), Length(max=300)])
    confirm_drop = BooleanField(_l("This decrease is real (TikTok removed views)"))
