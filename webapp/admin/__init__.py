from flask import Blueprint, abort
from flask_login import current_user

from webapp.htmx import unauthorized_response

bp = Blueprint("admin", __name__)


@bp.before_request
def admins_only():
    if not current_user.is_authenticated:
        return unauthorized_response()
    if not current_user.is_admin:
        abort(403)


from webapp.admin import analytics, money, routes, videos  # noqa: E402,F401
from webapp.admin import audit  # noqa: E402,F401
from webapp.admin import flags  # noqa: E402,F401
from webapp.admin import operations  # noqa: E402,F401
from webapp.admin import imports  # noqa: E402,F401
from webapp.admin import api_tokens  # noqa: E402,F401
from webapp.admin import outbox  # noqa: E402,F401  (mail for admins; the demo reads it here)
from webapp.admin import refresh_now  # noqa: E402,F401
from webapp.admin import extension_help  # noqa: E402,F401
