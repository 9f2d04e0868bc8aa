"""Every extension object, created unbound; create_app binds them."""
import functools
import time

import flask_limiter
from flask import Blueprint, Flask, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from itsdangerous import BadSignature
from sqlalchemy.orm import DeclarativeBase

from webapp import autocommit
from webapp.jobqueue import JobQueue


class Base(DeclarativeBase):
    pass


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, consulted only by the requests a limit can apply to.

    Its own hooks run before, after and at the end of every request (a sixth of a do-nothing
    page's Python calls), although this app has no default or application-wide limit: only
    views' limits, which their decorator checks, and blueprints' (the API's). So the check
    before a request runs only in a limited blueprint, and the rest (X-RateLimit-* and
    Retry-After headers, conditional deductions, clean-up) only once a limit was looked at.
    A view limited for some methods (the login POST) skips the limiter on the others (its GET).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limited_blueprints: set[str] = set()

    def limit(self, *args, methods: list[str] | None = None, **kwargs):
        decorator = super().limit(*args, methods=methods, **kwargs)

        def apply(obj):
            if isinstance(obj, Blueprint):
                self.limited_blueprints.add(obj.name)
                return decorator(obj)
            limited = decorator(obj)
            if not methods:
                return limited
            checked = {method.upper() for method in methods}

            @functools.wraps(limited)  # its name and marks: stacked limits work as before
            def view(*args, **kwargs):
                return (limited if request.method in checked else obj)(*args, **kwargs)

            return view

        return apply

    def init_app(self, app: Flask) -> None:
        if any(app.config.get(name) for name in (
                "RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")):
            raise RuntimeError("Limits here are per view or per blueprint, never app-wide: "
                               "those would need Flask-Limiter's hooks on every request.")
        super().init_app(app)
        check, headers = self._check_request_limit, self._Limiter__inject_headers
        if check not in app.before_request_funcs.get(None, ()):
            return  # disabled (RATELIMIT_ENABLED=0): Flask-Limiter added no hooks
        app.before_request_funcs[None].remove(check)
        app.after_request_funcs[None] = [
            f for f in app.after_request_funcs[None]
            if getattr(f, "func", None) is not flask_limiter.Limiter._Limiter__inject_headers]
        app.teardown_request_funcs[None].remove(self._Limiter__release_context)

        @app.before_request
        def check_blueprint_limits():
            if request.blueprint in self.limited_blueprints:
                check()

        @app.after_request
        def add_limit_headers(response):
            return headers(response) if self._looked_at() else response

        @app.teardown_request
        def forget_limits(error=None):
            if self._looked_at():
                self._Limiter__release_context(error)

    @staticmethod
    def _looked_at() -> bool:
        # Flask-Limiter keeps a request's limits on its request context, made on first use.
        return hasattr(request_ctx, "_limiter_request_context")


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signer built once per key instead of on every
    request (a tenth of a do-nothing page's Python calls), and a cookie already verified
    remembered: a browser sends the same cookie on every request (each poll of an open page),
    and checking its signature and decoding its JSON again is a tenth of a poll's work.

    A remembered cookie is the same string this process verified with the same keys, so it
    would verify the same way; its age is checked again each time. Only cookies holding
    plain values are remembered (strings, numbers, booleans; not the flash messages' list),
    and each request gets its own copy, so a request changing its session changes no other's.
    The login itself is checked elsewhere, against its session row, on every request."""

    _built: tuple = (None, None)
    _verified: dict[str, tuple[int, dict]] = {}  # cookie: (signed at, its values)
    REMEMBERED = 4096  # cookies per process; all forgotten when full

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._built[0] != keys:
            self._built, self._verified = (keys, super().get_signing_serializer(app)), {}
        return self._built[1]

    def open_session(self, app: Flask, request):
        signer = self.get_signing_serializer(app)
        if signer is None:  # no SECRET_KEY: Flask's null session
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(cookie)
        if known is not None and 0 <= int(time.time()) - known[0] <= max_age:
            return self.session_class(known[1])
        try:
            values, signed_at = signer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(type(value) in _PLAIN for value in values.values()):
            if len(self._verified) >= self.REMEMBERED:
                self._verified.clear()
            self._verified[cookie] = (int(signed_at.timestamp()), values)
        return self.session_class(values)


_PLAIN = frozenset({str, int, float, bool, type(None)})


db = SQLAlchemy(model_class=Base, session_options={"class_": autocommit.Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
jobqueue = JobQueue()
session_cookies = SessionCookies()
