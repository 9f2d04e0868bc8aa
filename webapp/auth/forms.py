from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from webapp.auth import passwords, services
from webapp.auth.errors import AuthError

PASSWORD_MAX = 200
HANDLE_INPUT_MAX = 200  # room for a pasted profile link (the handle in it has at most 24)
PASSWORD_ERRORS = {  # "short" is PasswordLength's message
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


class PasswordLength(Length):
    """Length with words about a password, not WTForms' "this field must be 8 to 200 characters"
    under a hint that already says "at least 8 characters"."""

    def __init__(self):
        super().__init__(min=passwords.MIN_LENGTH, max=PASSWORD_MAX)

    def __call__(self, form, field):
        length = len(field.data or "")
        if length < self.min:
            raise ValidationError(_("The password needs at least %(min)d characters.",
                                    min=self.min))
        if length > self.max:
            raise ValidationError(_("The password can have at most %(max)d characters.",
                                    max=self.max))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    remember = BooleanField(_l("Keep me logged in on this device (30 days)"))


class SignupForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), PasswordLength()],
        render_kw={"autocomplete": "new-password"})
    tiktok_handle = StringField(_l("TikTok handle"),
                                validators=[InputRequired(), Length(max=HANDLE_INPUT_MAX)])

    def validate_password(self, field):
        _check_password(field, self.email.data or "")

    def validate_tiktok_handle(self, field):
        _check_handle(field)


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired()],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(), PasswordLength()],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", _l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})

    def validate_new_password(self, field):
        _check_password(field, current_user.email)


class HandleForm(FlaskForm):
    """A creator without a proven account names the TikTok handle they claim."""

    tiktok_handle = StringField(_l("TikTok handle"),
                                validators=[InputRequired(), Length(max=HANDLE_INPUT_MAX)])

    def validate_tiktok_handle(self, field):
        _check_handle(field)


def handle_from_link(text: str) -> str:
    """The handle in a pasted TikTok profile link ("https://www.tiktok.com/@sari.dance",
    "tiktok.com/@sari.dance?lang=id"); anything else unchanged, for the handle's own checks
    (a link to another site is refused there, as any text that is no handle)."""
    text = (text or "").strip()
    if "/" not in text:
        return text
    parts = urlsplit(text if "://" in text else "https://" + text)
    host = (parts.hostname or "").lower()
    first = parts.path.strip("/").split("/")[0]
    if (parts.scheme in ("http", "https") and (host == "tiktok.com" or host.endswith(".tiktok.com"))
            and first.startswith("@")):
        return first
    return text


def _check_handle(field) -> None:
    """Well formed, and not held by an account that proved it owns it (unproven claims of the
    same handle are fine: a handle is a claim until someone proves it)."""
    try:
        field.data = services.normalise_handle(handle_from_link(field.data))
    except AuthError:
        raise ValidationError(
            _l("A TikTok handle has 2-24 letters, digits, '_' or '.', not ending in '.'."))
    if services.handle_taken(field.data):
        raise ValidationError(_l("The owner of this TikTok account has already proven it on "
                                 "another ViewPay account. If it is yours, contact us: we will "
                                 "check it with you."))
