"""/account/password: change the password, or log out on every device (creators and admins)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.auth import bp, login as login_state, services
from webapp.auth.errors import AuthError
from webapp.auth.forms import PasswordForm
from webapp.extensions import limiter


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
@login_required
def password():
    """Change the password: every other login ends, this one starts afresh."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(current_user.id, form.current_password.data,
                                            form.new_password.data)
        except AuthError:  # the form checked the new one: only the current one can be wrong
            form.current_password.errors.append(_("This is not your current password."))
        else:
            login_state.log_in(user, remember=login_state.REMEMBER_COOKIE in request.cookies)
            flash(_("Password changed. You are logged out on every other device."), "success")
            return redirect(url_for("auth.password"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login of this account, on every device, this one included."""
    login_state.log_out(everywhere=True)
    flash(_("You are logged out on every device."), "success")
    return redirect(url_for("auth.login"), 303)
