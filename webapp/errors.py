"""Error answers: a small page in the site's layout, a short fragment for HTMX, JSON under /api/.

Werkzeug's own unstyled page (no viewport, English only) must never reach a person: every HTTP
error goes through `render_error`, whatever its code, and `replace_bare_errors` catches the
answers that bypass error handlers (abort() with a ready-made response, a handler returning
Werkzeug's page or an empty error body).
"""
from datetime import timedelta

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale, format_timedelta
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.htmx import SWAPPED_ERRORS, is_htmx

MESSAGES = {
    400: (_l("Something is wrong with that request"),
          _l("Go back, reload the page and try again.")),
    403: (_l("Not for your account"), _l("Your account cannot open this page.")),
    404: (_l("Page not found"),
          _l("This page does not exist (any more), or it is not yours to see.")),
    405: (_l("Not like that"),
          _l("This page cannot be used that way. Go back and use its buttons.")),
    413: (_l("Too large"), _l("That was more than we accept at once. Send less and try again.")),
    429: (_l("Too many tries"), _l("Wait a minute, then try again.")),
    500: (_l("Something went wrong on our side"),
          _l("It is not your fault. Try again in a minute.")),
}
# Codes without words of their own borrow the closest ones.
SIMILAR = {401: 403, 410: 404, 414: 413, 431: 413}
FORM_EXPIRED = _l("This form has expired. Reload the page and try again.")
WAIT = _l("Wait %(wait)s, then try again.")
# The start of Werkzeug's default error body (HTTPException.get_body).
_WERKZEUG_BODY = b"<!doctype html>\n<html lang=en>\n<title>"

# When even the layout cannot be rendered (the database is down, say): no template, no query.
PLAIN_500 = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>ViewPay</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main><section class="card narrow">
<h1>Terjadi kesalahan · Something went wrong</h1>
<p>Coba lagi sebentar lagi. · Try again in a minute.</p></section></main></body></html>"""


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json"


def render_error(error: HTTPException):
    """The answer for an HTTP error, keeping its headers (Allow on a 405, Retry-After on a 429)."""
    if error.response is not None:  # abort(response): already a complete answer
        return error.response
    code = error.code or 500
    title, text = words_for(code)
    if isinstance(error, CSRFError):
        text = FORM_EXPIRED
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if code == 429:
        text = _wait_text(headers) or text
    from webapp.api import errors as api_errors

    if api_errors.is_api_path():  # {"error": {"code", "message"}}: stable for API clients
        return api_errors.http_error_response(error, headers)
    if wants_json():  # API clients get stable English, whatever the browser's language
        with force_locale("en"):
            return jsonify(error=str(title), status=code), code, headers
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, text=text), code, headers


def words_for(code: int) -> tuple:
    """(title, text) for an HTTP status."""
    code = SIMILAR.get(code, code)
    return MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])


def _wait_text(headers) -> str | None:
    """The limiter's Retry-After (seconds) in words: "Tunggu 1 menit, lalu coba lagi"."""
    seconds = next((v for k, v in headers if k.lower() == "retry-after"), "")
    if not str(seconds).isdigit():
        return None
    wait = format_timedelta(timedelta(seconds=max(int(seconds), 1)), threshold=1.5)
    return str(WAIT) % {"wait": wait}


def replace_bare_errors(response):
    """An error answer that is Werkzeug's page or has no body at all (abort(Response(status=403)),
    abort() of a response that never passes through an error handler) gets our page instead,
    keeping its status and headers. Redirects, htmx's HX-Redirect, the 409/422 a view answers
    for htmx to swap (a form with its errors) and API answers stay."""
    from webapp.api import errors as api_errors

    # An error answer is small: reading a streamed one (abort()'s response arrives as one) is fine.
    if (response.status_code < 400 or response.status_code in SWAPPED_ERRORS
            or response.direct_passthrough
            or "Location" in response.headers or "HX-Redirect" in response.headers
            or api_errors.is_api_path() or wants_json()):
        return response
    body = response.get_data()
    if body.strip() and not body.startswith(_WERKZEUG_BODY):
        return response
    code = response.status_code
    title, text = words_for(code)
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    response.set_data(render_template(template, code=code, title=title, text=text))
    response.mimetype = "text/html"
    return response


def server_error(error: HTTPException):
    """500: logged by Flask already; answered without trusting the session or the layout."""
    from webapp.extensions import db

    try:
        db.session.rollback()  # a failed transaction would fail the layout's queries too
        return render_error(error)
    except Exception:  # noqa: BLE001 - the error page must not itself become an error
        current_app.logger.exception("error page failed; answering with the plain page")
        return PLAIN_500, 500, {"Content-Type": "text/html; charset=utf-8"}


def init_app(app: Flask) -> None:
    # Every HTTP error, not only the codes with words of their own (a 401 from Flask-Login's
    # fresh-login check, a 416 from a static file's Range, a 501...).
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(500, server_error)  # a code's handler wins over the class's
    app.after_request(replace_bare_errors)
