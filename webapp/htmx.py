"""HTMX plumbing: Vary on HX-Request, session expiry answered with HX-Redirect, and flashed
messages carried to the page by htmx answers."""
from flask import render_template, request, session, url_for
from flask_login import current_user

# What base.html's htmx-config swaps: 2xx but 204, redirects (followed by the browser), 409, 422.
SWAPPED_ERRORS = (409, 422)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def init_app(app) -> None:
    app.jinja_env.globals["is_htmx"] = is_htmx

    @app.after_request
    def vary_on_htmx(response):
        if "Vary" in response.headers:  # merged into what is there (parsing it is the cost)
            response.vary.add("HX-Request")
        else:
            response.headers["Vary"] = "HX-Request"
        return response

    app.after_request(flashes_out_of_band)


def flashes_out_of_band(response):
    """A message flashed while answering htmx ("Saved", "Withdrawal requested") would wait for
    the next full page; appended as an out-of-band swap of #flash it shows now. Answers htmx
    does not swap (204, errors, HX-Redirect / HX-Location / HX-Refresh, redirects it follows)
    leave the messages in the session for the page that comes next."""
    if not is_htmx() or not session.get("_flashes"):
        return response
    status = response.status_code
    swapped = (200 <= status < 300 and status != 204) or status in SWAPPED_ERRORS
    leaving = any(h in response.headers for h in ("HX-Redirect", "HX-Location", "HX-Refresh"))
    if (not swapped or leaving or response.mimetype != "text/html" or response.is_streamed
            or response.direct_passthrough):
        return response
    response.set_data(response.get_data() + render_template("_flash.html", oob=True).encode())
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
