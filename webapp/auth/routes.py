import functools
import secrets
from urllib.parse import urlsplit

from flask import (abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import force_locale, get_locale, gettext as _, ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from webapp.auth import bp, login as login_state, services, throttle
from webapp.auth.errors import AuthError, EmailTaken
from webapp.auth.forms import HandleForm, LoginForm, SignupForm
from webapp.extensions import limiter, login_manager
from webapp.htmx import is_htmx, unauthorized_response


# Each language by its own name, as a switch shows them.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


@login_manager.unauthorized_handler
def unauthorized():
    return unauthorized_response()


def _home_for(user) -> str:
    return url_for("admin.queue") if user.is_admin else url_for("submissions.dashboard")


def _safe_next(target: str | None) -> str | None:
    """Only a same-site path: anything a browser could read as another host is refused.

    "//evil.com", "/\\evil.com" and "/\t/evil.com" (browsers and Werkzeug drop the tab, leaving
    "//evil.com") would all make this an open redirect.
    """
    if not target or any(ord(c) < 0x21 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    """Log in with email and password."""
    if request.method == "GET" and not (current_user.is_authenticated or "_flashes" in session):
        return _blank_login_page()
    form = LoginForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        ip, email = request.remote_addr or "", form.email.data
        wait = throttle.locked_for(ip, email)
        if wait:  # whatever the password: a right one must not be told apart now
            form.password.errors.append(ngettext(
                "Too many failed attempts. Try again in %(num)d minute.",
                "Too many failed attempts. Try again in %(num)d minutes.", -(-wait // 60)))
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(email, form.password.data)
        if user:
            throttle.succeeded(ip, email)
            login_state.log_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        throttle.failed(ip, email)
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form), status


# Stands in for the CSRF token while the page is rendered: random, so no page holds it otherwise.
_TOKEN_SLOT = "csrf-slot-" + secrets.token_hex(16)


def _blank_login_page() -> str:
    """The empty login form a visitor without a login sees: the same for everyone asking for
    the same URL in the same language but for the CSRF token, so it is rendered once (two
    thirds of the page's cost) and gets this visitor's token filled in."""
    page = _rendered_login_page(current_app._get_current_object(), str(get_locale()),
                                request.full_path)
    return page.replace(_TOKEN_SLOT, generate_csrf())


@functools.lru_cache(maxsize=64)  # any ?next= is a URL of its own: the oldest ones go
def _rendered_login_page(app, locale: str, full_path: str) -> str:
    g.csrf_token = _TOKEN_SLOT  # what Flask-WTF's csrf_token() answers for this render
    try:
        return render_template("auth/login.html", form=LoginForm())
    finally:
        del g.csrf_token


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def signup():
    """Create a creator account."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data,
                                        handle=form.tiktok_handle.data)
        except EmailTaken:  # as slow as a sign-up that works (the password is hashed first)
            form.email.errors.append(_("An account with this email already exists."))
        except AuthError:  # lost a race: the handle was proven just now
            form.email.errors.append(_("This account could not be created. Check the email "
                                       "and the TikTok handle, and try again."))
        else:
            login_state.log_in(user)
            flash(_("Welcome! Submit your first TikTok video below."), "success")
            return redirect(url_for("submissions.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form), status


@bp.post("/account/handle")
@limiter.limit("10/minute")
@login_required
def set_handle():
    """Name the TikTok account this (unproven) creator claims, e.g. after losing a handle."""
    if current_user.is_admin:
        abort(404)
    form = HandleForm()
    if form.validate_on_submit():
        try:
            services.set_handle(current_user.id, form.tiktok_handle.data)
        except AuthError:  # proven meanwhile, or taken a moment ago
            form.tiktok_handle.errors.append(_("This handle cannot be used for this account."))
        else:  # the whole page changes (heading, bio proof): load it again
            flash(_("Saved: your TikTok handle is @%(handle)s.",
                    handle=current_user.tiktok_handle), "success")
            page = url_for("auth.tiktok_account")
            if is_htmx():
                return "", 200, {"HX-Redirect": page}
            return redirect(page, 303)
    if not is_htmx():  # without htmx: the reason as a message on the page
        for error in form.tiktok_handle.errors:
            flash(str(error), "error")
        return redirect(url_for("auth.tiktok_account"), 303)
    return render_template("auth/_handle.html", user=current_user, form=form), 422


@bp.post("/logout")
@login_required
def logout():
    """Log out: this browser's login ends on the server too (a copied cookie is worthless)."""
    login_state.log_out()
    return redirect(url_for("auth.login"))


@bp.post("/lang/<code>")
def set_language(code: str):
    """Switch the interface language (remembered on the account when logged in)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        services.set_locale(current_user, code)
    with force_locale(code):  # said in the language just chosen
        flash(_("Language: %(name)s.", name=LANGUAGE_NAMES[code]), "success")
    return redirect(_safe_next(request.form.get("next")) or url_for("submissions.dashboard"))
