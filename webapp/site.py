"""Files browsers ask for at fixed addresses, whatever page they are on: /favicon.ico."""
from flask import Blueprint, current_app, send_from_directory

from webapp.extensions import limiter

bp = Blueprint("site", __name__)
WEEK = 7 * 86400


@bp.get("/favicon.ico")
@limiter.exempt
def favicon():
    """The icon of old browsers and bookmarks (the layout links the SVG for the others)."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=WEEK)
