"""A do-nothing page for benchmarks, on only with BENCH_TRIVIAL_ENDPOINT=1.

bench/pages.py measures every page side by side with this one, in the same run: it pays what
every request pays in this app (request id, session cookie, user loading, limiter, locale,
security headers) and nothing else, so a page's ratio to it is the cost of the page itself.
"""
from flask import Blueprint, Flask

bp = Blueprint("bench", __name__)


@bp.get("/_bench/trivial")
def trivial():
    """The same-app ceiling: no template, no query of its own."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    if app.config["BENCH_TRIVIAL_ENDPOINT"]:
        app.register_blueprint(bp)
