"""Earnings: the ledger, rates, balances and payouts (creator pages under /earnings)."""
from flask import Blueprint

bp = Blueprint("earnings", __name__, url_prefix="/earnings")

from webapp.earnings import routes  # noqa: E402,F401  (routes attach to bp)
