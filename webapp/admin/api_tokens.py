"""API tokens page: admins make tokens that act for them (the browser extension, scripts),
see each new token once, and revoke tokens; every change is audited (webapp.api.tokens)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from webapp.admin import bp
from webapp.api import tokens
from webapp.api.models import READ, WRITE

SCOPE_NAMES = {READ: _l("read"), WRITE: _l("write")}
TOKEN_ERRORS = {
    "name": _l("Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
    "name_taken": _l("A token with this name already exists. Choose another name."),
    "scope": _l("Choose read or write."),
    "owner": _l("A token can only act for an admin."),
    "revoked": _l("This token was already revoked."),
    "unknown": _l("This token no longer exists."),
}


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name (what uses it, e.g. laptop-extension)"), validators=[
        InputRequired(message=_l("Give the token a name.")),
        Length(max=64, message=TOKEN_ERRORS["name"]),
        Regexp(tokens.NAME_RE.pattern + "$", message=TOKEN_ERRORS["name"])])
    scope = SelectField(_l("Scope"), default=WRITE, choices=[
        SelectChoice(scope, label) for scope, label in SCOPE_NAMES.items()])


def _page(form: ApiTokenForm, status: int = 200, secret: str | None = None, made=None):
    return render_template("admin/api_tokens.html", form=form, tokens=tokens.all_tokens(),
                           scope_names=SCOPE_NAMES, secret=secret, made=made), status


@bp.get("/api-tokens")
def api_tokens():
    """The admin's view of every API token (never their secrets)."""
    return _page(ApiTokenForm())


@bp.post("/api-tokens")
def create_api_token():
    """Make a token acting for this admin; its secret is shown in this answer only."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        token, secret = tokens.create(form.name.data, form.scope.data, owner_id=current_user.id,
                                      actor_id=current_user.id, via="admin")
    except tokens.TokenError as exc:
        form.name.errors.append(TOKEN_ERRORS.get(exc.code, TOKEN_ERRORS["name"]))
        return _page(form, 422)
    flash(_("Token %(name)s created. Copy it now: it is shown only once.", name=token.name),
          "success")
    return _page(ApiTokenForm(formdata=None), secret=secret, made=token)


@bp.post("/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int):
    """Stop a token at once (audited)."""
    try:
        token = tokens.revoke(token_id, actor_id=current_user.id, via="admin")
        flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    except tokens.TokenError as exc:
        flash(TOKEN_ERRORS.get(exc.code, TOKEN_ERRORS["unknown"]), "error")
    return redirect(url_for("admin.api_tokens"), 303)
