from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class EmailChoiceForm(FlaskForm):
    email = BooleanField(_l("Also send them to me by e-mail"))
