"""The browser side of a login: Flask-Login, the session id in the Flask session, and our own
remember-me cookie (Flask-Login's would hold `user_id|HMAC`, the same on every login).

Flask-Login's remember cookie is never set (login_user is never asked to remember), and
`load_user` accepts a user only together with the session id of a live row in user_sessions,
so an old `remember_token` cookie, or a copy of a logged-out session cookie, loads nobody.
"""
from flask import after_this_request, current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from webapp.auth import bp, sessions
from webapp.extensions import login_manager

SID = "_sid"
REMEMBER_COOKIE = "viewpay_remember"
# Survives a login or logout: the language a visitor picked is not a secret.
_KEPT = ("lang",)


@login_manager.user_loader
def load_user(user_id: str):
    """The user of this browser's login while its row lives (one statement: row and user)."""
    sid = session.get(SID)
    if not sid:
        return None
    try:
        user_id = int(user_id)
    except ValueError:
        return None
    return sessions.user_for(sid, user_id)


def session_login() -> tuple[int, str] | None:
    """(user id, session id) this browser's session names, NOT checked: for a caller that
    checks the login itself inside its own statement (sessions.LIVE_LOGIN_LOCALE), and takes
    the ordinary path (load_user) whenever that says no."""
    sid, user_id = session.get(SID), session.get("_user_id")  # Flask-Login's key
    if not sid or not user_id:
        return None
    try:
        return int(user_id), sid
    except (TypeError, ValueError):
        return None


@bp.before_app_request
def resume_remembered():
    """No live session but a remember-me cookie: log in again, swapping its token for a new one."""
    token = request.cookies.get(REMEMBER_COOKIE)
    # The cookie first: asking current_user loads the user, which most requests never need.
    if not token or request.endpoint == "static" or current_user.is_authenticated:
        return
    resumed = sessions.resume(token)
    if resumed is None:
        # Left alone: two tabs restored at once race with one token, and deleting the cookie
        # here could delete the fresh one the winner just set.
        return
    user, sid, fresh_token = resumed
    _begin(user, sid, fresh_token, fresh=False)


def log_in(user, *, remember: bool = False) -> None:
    """Start a new login for this browser (a new session, a new CSRF secret)."""
    sid, token = sessions.start(user.id, remember=remember)
    _begin(user, sid, token, fresh=True)


def log_out(*, everywhere: bool = False) -> None:
    """End this browser's login, or with `everywhere` every login of the user."""
    if everywhere and current_user.is_authenticated:
        sessions.end_all(current_user.id)
    else:
        sessions.end(session.get(SID))
    logout_user()
    _new_session()
    _forget_cookie()


def _begin(user, sid: str, token: str | None, *, fresh: bool) -> None:
    # Nothing of the anonymous session carries over (fixation), including Flask-WTF's CSRF
    # secret: the CSRF token rotates at login.
    _new_session()
    session[SID] = sid
    login_user(user, fresh=fresh)
    if token:
        _set_cookie(token)
    else:
        _forget_cookie()


def _new_session() -> None:
    kept = {key: session[key] for key in _KEPT if key in session}
    session.clear()
    session.update(kept)
    g.pop("csrf_token", None)  # Flask-WTF caches this request's token in g


def _set_cookie(token: str) -> None:
    config = current_app.config

    @after_this_request
    def set_remember_cookie(response):
        response.set_cookie(
            REMEMBER_COOKIE, token, max_age=config["SESSION_DAYS"] * 86400, path="/",
            secure=config["REMEMBER_COOKIE_SECURE"], httponly=True,
            samesite=config["REMEMBER_COOKIE_SAMESITE"])
        return response


def _forget_cookie() -> None:
    legacy = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if REMEMBER_COOKIE not in request.cookies and legacy not in request.cookies:
        return

    @after_this_request
    def delete_remember_cookies(response):
        for name in (REMEMBER_COOKIE, legacy):  # legacy: Flask-Login's user_id|HMAC cookie
            if name in request.cookies:
                response.delete_cookie(name, path="/")
        return response
