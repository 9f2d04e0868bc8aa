from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class SubmitVideoForm(FlaskForm):
    url = StringField(_l("TikTok video link"), validators=[
        InputRequired(message=_l("Paste the link to your TikTok video.")), Length(max=2048)])
