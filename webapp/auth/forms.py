from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from webapp.auth import passwords, services
from webapp.auth.errors import AuthError

PASSWORD_ERRORS = {  # "short" is the Length validator's message
    "common": _l("This password is one of the most common ones and easy to guess. Choose "
                 "another."),
    "contains_email": _l("The password must not contain the name of your email address."),
}


def _check_password(field, email: str) -> None:
    try:
        passwords.check(field.data, email)
    except passwords.WeakPassword as exc:
        if exc.code in PASSWORD_ERRORS:
            raise ValidationError(PASSWORD_ERRORS[exc.code])


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    remember = BooleanField(_l("Keep me logged in on this device (30 days)"))


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(min=passwords.MIN_LENGTH, max=200)],
        render_kw={"autocomplete": "new-password"})
    tiktok_handle = StringField(_l("TikTok handle"), validators=[InputRequired(), Length(max=40)])

    def validate_password(self, field):
        _check_password(field, self.email.data or "")

    def validate_tiktok_handle(self, field):
        _check_handle(field)


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired()],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=passwords.MIN_LENGTH, max=200)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", _l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})

    def validate_new_password(self, field):
        _check_password(field, current_user.email)


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
