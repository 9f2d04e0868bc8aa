"""Every answer under /api that is not a success: `{"error": {"code", "message"}}`, in English.

Codes are stable: API clients branch on them, never on the message. No HTML is ever sent from
/api, so errors raised before our views run (routing, body size, rate limits, a crash) are
answered here too, through webapp.errors.
"""
from flask import jsonify, request
from werkzeug.exceptions import HTTPException

# Errors raised outside our views: the code and message for each HTTP status.
HTTP_ERRORS = {
    400: ("bad_request", "The request is malformed."),
    401: ("unauthorized", "Send 'Authorization: Bearer <token>' with a valid API token."),
    403: ("forbidden", "This token may not do that."),
    404: ("not_found", "No such API endpoint."),
    405: ("method_not_allowed", "This endpoint does not accept that method; see the Allow header."),
    413: ("too_large", "The request body is larger than we accept."),
    415: ("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."),
    422: ("invalid_request", "The request cannot be processed."),
    429: ("rate_limited", "Too many requests; retry after the seconds in Retry-After."),
    500: ("internal_error", "Something went wrong on our side; try again later."),
}


class ApiError(Exception):
    """Raised by the API's views and services; answered by `error_response`."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict | None = None,
                 **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers, self.extra = headers or {}, extra


def is_api_path(path: str | None = None) -> bool:
    path = request.path if path is None else path
    return path == "/api" or path.startswith("/api/")


def error_response(status: int, code: str, message: str, headers=None, **extra):
    """`extra` goes beside "error" (e.g. views_before of a decrease that needs confirming)."""
    response = jsonify(error={"code": code, "message": message}, **extra)
    response.status_code = status
    for name, value in (headers.items() if isinstance(headers, dict) else headers or ()):
        response.headers[name] = value
    return response


def api_error_response(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)


def http_error_response(error: HTTPException, headers=None):
    """An HTTP error (routing, 413, the rate limiter, 500) under /api, keeping its headers
    (Allow on a 405, Retry-After on a 429)."""
    if headers is None:
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    status = error.code or 500
    code, message = HTTP_ERRORS.get(status, HTTP_ERRORS[500 if status >= 500 else 400])
    if status == 429 and hasattr(error, "limit"):  # Flask-Limiter's: "600 per 1 minute"
        message = f"Rate limit of {error.description} exceeded; retry after Retry-After seconds."
    return error_response(status, code, message, headers)
