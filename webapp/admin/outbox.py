"""/admin/outbox: every mail ViewPay wrote, whether it was sent, and (local outbox) its text."""
import re

from flask import abort, current_app, render_template, request

from webapp.admin import bp
from webapp.notifications import outbox as mail_outbox
from webapp.notifications.models import OUTBOX

_URL = re.compile(r"https?://[^\s<>\"']+")


def links_in(text: str) -> list[str]:
    """The addresses a mail points to, as tappable links (the text itself is shown as is)."""
    return list(dict.fromkeys(_URL.findall(text or "")))


@bp.get("/outbox")
def outbox():
    """Newest first. A mail kept in the local outbox (no MAIL_URL) shows its text and links:
    that is how it reaches anyone in the demo. Mail sent over SMTP shows only who, what and
    whether it went: its links (password resets) are for its recipient alone."""
    page = mail_outbox.recent(request.args.get("page", 1, type=int))
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("admin/outbox.html", page=page, local=OUTBOX, links_in=links_in,
                           smtp_configured=bool(current_app.config["MAIL_URL"]))
