"""HTMX plumbing: Vary on HX-Request, and session expiry answered with HX-Redirect."""
from flask import request, url_for
from flask_login import current_user


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def init_app(app) -> None:
    app.jinja_env.globals["is_htmx"] = is_htmx

    @app.after_request
    def vary_on_htmx(response):
        response.vary.add("HX-Request")
        return response


def unauthorized_response():
    """Login required: a full redirect for pages, HX-Redirect for fragments (never swap a login page in)."""
    from flask import make_response, redirect

    target = url_for("auth.login", next=request.full_path if not is_htmx() else None)
    if is_htmx():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def is_logged_in() -> bool:
    return bool(current_user and current_user.is_authenticated)
