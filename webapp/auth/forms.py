from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from webapp.auth import services
from webapp.auth.errors import AuthError


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(min=8, max=200)])
    tiktok_handle = StringField(_l("TikTok handle"), validators=[InputRequired(), Length(max=40)])

    def validate_email(self, field):
        if services.find_by_email(field.data):
            raise ValidationError(_l("An account with this email already exists."))

    def validate_tiktok_handle(self, field):
        _check_handle(field)


class HandleForm(FlaskForm):
    """A creator without a proven account names the TikTok handle they claim."""

    tiktok_handle = StringField(_l("TikTok handle"), validators=[InputRequired(), Length(max=40)])

    def validate_tiktok_handle(self, field):
        _check_handle(field)


def _check_handle(field) -> None:
    """Well formed, and not held by an account that proved it owns it (unproven claims of the
    same handle are fine: a handle is a claim until someone proves it)."""
    try:
        field.data = services.normalise_handle(field.data)
    except AuthError:
        raise ValidationError(
            _l("A TikTok handle has 2-24 letters, digits, '_' or '.', not ending in '.'."))
    if services.handle_taken(field.data):
        raise ValidationError(_l("The owner of this TikTok account has already proven it on "
                                 "another ViewPay account. If it is yours, contact us: we will "
                                 "check it with you."))
