"""Admin: confirm or dismiss view drops held as suspect."""
from flask import abort, render_template
from flask_login import current_user

from webapp.admin import bp
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking import holds
from webapp.tracking.models import ViewSnapshot


def _row(snapshot_id: int, error: str | None = None, status: int = 200):
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if snap is None:
        abort(404)
    return render_template("admin/money/_hold_row.html", snap=snap, error=error,
                           sub=db.session.get(Submission, snap.submission_id)), status


@bp.post("/money/holds/<int:snapshot_id>/confirm")
def hold_confirm(snapshot_id: int):
    """The drop is real: earnings follow the lower count."""
    return _decide(holds.confirm, snapshot_id)


@bp.post("/money/holds/<int:snapshot_id>/dismiss")
def hold_dismiss(snapshot_id: int):
    """The drop is a glitch: nothing changes."""
    return _decide(holds.dismiss, snapshot_id)


def _decide(action, snapshot_id: int):
    from flask_babel import gettext as _

    try:
        action(snapshot_id, current_user.id)
    except LookupError:
        abort(404)
    except holds.HoldError:
        return _row(snapshot_id, _("This drop is no longer held."), 409)
    return _row(snapshot_id)
