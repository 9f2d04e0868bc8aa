"""/password/forgot and /password/reset/<token>: a new password by e-mail link."""
import hashlib

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from webapp.auth import bp, passwords, reset
from webapp.auth.forms import PASSWORD_ERRORS, PasswordLength
from webapp.extensions import limiter


class ForgotForm(FlaskForm):
    # Phones' keyboards add a space after a suggested address.
    email = EmailField(_l("Email"), validators=[InputRequired(), Email(), Length(max=254)],
                       filters=[lambda value: value.strip().lower() if value else value])


class ResetForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), PasswordLength()],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", _l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})

    def __init__(self, email: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_new_password(self, field):
        try:
            passwords.check(field.data, self._email)
        except passwords.WeakPassword as exc:
            if exc.code in PASSWORD_ERRORS:
                raise ValidationError(PASSWORD_ERRORS[exc.code])


def _email_key() -> str:
    """Flask-Limiter's key for one email address (hashed: the limiter's keys are no address
    book), so that nobody can flood one person's inbox from many addresses."""
    email = (request.form.get("email") or "").strip().lower()
    return "reset-email:" + hashlib.sha256(email.encode()).hexdigest()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])  # per client address (many phones share one)
@limiter.limit("3/hour", methods=["POST"], key_func=_email_key)
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ForgotForm()
    if form.validate_on_submit():
        reset.queue_request(form.email.data)
        return render_template("auth/forgot.html", form=None, sent_to=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form, sent_to=None), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def reset_password(token: str):
    """Choose a new password with a link from the e-mail; every login of the account ends."""
    try:
        user = reset.user_for_token(token)
    except reset.ResetLinkInvalid:
        return render_template("auth/reset.html", form=None), 410
    form = ResetForm(user.email)
    if form.validate_on_submit():
        try:
            reset.reset_password(token, form.new_password.data)
        except reset.ResetLinkInvalid:  # used a moment ago, in another tab
            return render_template("auth/reset.html", form=None), 410
        flash(_("Your password is changed, and you are logged out everywhere. Log in with the "
                "new password."), "success")
        return redirect(url_for("auth.login"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, email=user.email), status
