"""The Flask app a job runs in: created once per worker process (or handed in by tests)."""
from contextlib import contextmanager

_app = None


def set_app(app) -> None:
    global _app
    _app = app


def get_app():
    global _app
    if _app is None:
        from webapp import create_app

        _app = create_app()
    return _app


@contextmanager
def app_context():
    app = get_app()
    with app.app_context():
        yield app
