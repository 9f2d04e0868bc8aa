from flask import Blueprint

bp = Blueprint("auth", __name__)

from webapp.auth import account_routes, login, routes, tiktok_routes  # noqa: E402,F401  (attach to bp)
from webapp.auth import reset_routes  # noqa: E402,F401  (password reset by e-mail link)
