"""Links a notification or a mail points to: built the same in a request, a job or a command."""
from flask import current_app


def path_for(endpoint: str, **values) -> str:
    """A path inside ViewPay ("/submissions/12"). url_for needs a request or SERVER_NAME; a
    worker has neither, so the app's own URL map builds it."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(path: str) -> str:
    """The address a mail links to: PUBLIC_URL, never the Host header of whoever asked."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def is_internal(path: str | None) -> bool:
    """A stored link we may redirect to: a path of ours, never another site."""
    return bool(path) and path.startswith("/") and not path.startswith("//") and "\\" not in path
