"""Notifications: what happened to a creator's videos and money, in the app and by e-mail.

It sits above earnings: it listens to the signals of the areas below it (listeners.py) and may
read their models to word a message; nothing below imports it.
"""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from webapp.notifications import routes  # noqa: E402,F401  (attach to bp)
