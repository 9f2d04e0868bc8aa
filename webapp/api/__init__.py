"""The JSON API under /api (bearer tokens, JSON errors, per-token rate limits).

Its contract is the OpenAPI 3.1 document served at /api/openapi.json (webapp/api/openapi.py).
"""
from flask import Blueprint, current_app

from webapp.api.auth import rate_key
from webapp.extensions import csrf, limiter

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, never cookies: there is no session to ride (webapp/api/auth.py)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_key)(bp)

from webapp.api import routes  # noqa: E402,F401  (attach to bp)
