"""Tracked videos: what each earns, which fail to refresh, and manual view entry."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.admin import bp
from webapp.admin.forms import ManualViewsForm
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking import manual, queries
from webapp.tracking.errors import InvalidViews


VIEW_ERRORS = {
    "not_whole": _l("A view count must be a whole number."),
    "negative": _l("A view count cannot be negative."),
    "absurd": _l("That view count is not plausible for one video."),
    "not_approved": _l("Views can only be entered for approved videos."),
    "invalid": _l("That view count cannot be used."),
}


@bp.get("/videos")
def videos():
    """Approved videos, by views, failures or staleness."""
    sort = request.args.get("sort", "views")
    page = queries.tracked_videos(sort, page=request.args.get("page", 1, type=int))
    return render_template("admin/videos/index.html", page=page, sort=sort)


@bp.route("/videos/<int:submission_id>/views", methods=["GET", "POST"])
def enter_views(submission_id: int):
    """The inline manual-entry form for one video (validated, audited)."""
    sub = db.session.get(Submission, submission_id) or abort(404)
    form = ManualViewsForm()
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("admin/videos/_views_form.html", sub=sub, form=form), status
    try:
        manual.enter_views(sub.id, current_user.id, form.views.data, form.reason.data,
                           confirm_drop=form.confirm_drop.data)
    except manual.NeedsConfirmation:
        form.confirm_drop.errors.append(_("This is a big drop. Tick the box if TikTok really removed views."))
        return render_template("admin/videos/_views_form.html", sub=sub, form=form), 422
    except InvalidViews as exc:
        form.views.errors.append(VIEW_ERRORS.get(exc.code, VIEW_ERRORS["invalid"]))
        return render_template("admin/videos/_views_form.html", sub=sub, form=form), 422
    return render_template("admin/videos/_video_row.html", sub=db.session.get(Submission, sub.id),
                           saved=True)


@bp.get("/videos/<int:submission_id>/row")
def video_row(submission_id: int):
    """One tracked-video row (used to cancel the manual form)."""
    sub = db.session.get(Submission, submission_id) or abort(404)
    return render_template("admin/videos/_video_row.html", sub=sub)
