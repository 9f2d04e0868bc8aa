"""A do-nothing page for benchmarks, on only with BENCH_TRIVIAL_ENDPOINT=1.

bench/pages.py measures every page side by side with this one, in the same run: it pays what
every request pays in this app (request id, session cookie, limiter, security headers) plus
what every page pays (who is asking: the login's session row and its user when the cookie
has one), and nothing else, so a page's ratio to it is the cost of the page itself.
"""
from flask import Blueprint, Flask
from flask_login import current_user

bp = Blueprint("bench", __name__)


@bp.get("/_bench/trivial")
def trivial():
    """The same-app ceiling: no template, no query of its own."""
    # Every page asks (a template's header, login_required, the locale); users load lazily.
    current_user.is_authenticated  # noqa: B018
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    if app.config["BENCH_TRIVIAL_ENDPOINT"]:
        app.register_blueprint(bp)
