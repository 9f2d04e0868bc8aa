"""Structured logs: one JSON object per line on stderr, each with the request id or job id.

Web requests carry the id a proxy gave them (X-Request-ID; Heroku's router sets it) or a new
one, echoed back in the response; RQ jobs carry their job id. grep one id across web, worker and
scheduler logs to follow one submission from the click to the credit.
"""
import logging
import os
import sys

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_ID_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


class ContextFilter(logging.Filter):
    """Adds request_id and job_id (None outside a request or a job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        record.job_id = _current_job_id()
        return True


def _current_job_id() -> str | None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # no Redis connection in this process: simply no job
        return None
    return job.id if job is not None else None


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for the root logger (idempotent: one handler, however often)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_viewpay_json", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._viewpay_json = True
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}{job_id}", style="{",
        rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"}))
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.StreamHandler)
                     or getattr(h, "_viewpay_json", False)]
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app) -> None:
    if app.config["LOG_JSON"] and not app.testing:
        configure(app.config["LOG_LEVEL"])

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-ID", "")
        ok = 0 < len(given) <= 200 and set(given) <= _ID_OK  # never log what a client forged
        g.request_id = given if ok else os.urandom(16).hex()  # as long as a uuid4, cheaper

    @app.after_request
    def _echo_request_id(response):
        if g.get("request_id"):
            response.headers["X-Request-ID"] = g.request_id
        return response
