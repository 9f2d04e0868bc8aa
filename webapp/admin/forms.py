from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the creator sees it)"), validators=[
        InputRequired(message=_l("Say why, so the creator can fix it.")), Length(max=1000)])
