"""Tracked videos: what each earns, which fail to refresh, manual view entry and the manual
entries waiting for a second admin."""
from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.admin import bp, listing
from webapp.admin.forms import (
    REASON_LABELS, VIEW_ERRORS, ManualViewsForm, ProposalRejectForm)
from webapp.admin.routes import filter_form
from webapp.bounds import parse_id
from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking import manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import PROPOSED

# Which form field a refused manual entry is about (the rest are about the count itself).
ERROR_FIELDS = {"reason": "reason_code", "note_required": "note", "note_too_long": "note",
                "evidence_url": "evidence_url"}

REVIEW_ERRORS = {
    "own_entry": _l("You entered this count: another admin must approve it."),
    "decided": _l("This entry was already decided."),
    "outdated": _l("Newer counts arrived after this entry. Reject it, and enter the count again "
                   "if it is still needed."),
    "not_approved": _l("The video is no longer approved."),
    "not_admin": _l("Only an admin can decide on a manual entry."),
    "reason_required": _l("Say why the entry is rejected."),
}


SORT_LABELS = {"views": _l("Most views"), "failing": _l("Failing to refresh"),
               "stale": _l("Least recently updated"), "next": _l("Next to refresh")}


@bp.get("/videos")
def videos():
    """Approved videos: filtered, searchable, by views, failures, staleness or next refresh."""
    sort = request.args.get("sort", "views")
    sort = sort if sort in SORT_LABELS else "views"
    form = filter_form()
    filters = form.filters()
    page = listing.tracked_page(filters, sort, after=parse_id(request.args.get("after")),
                                before=parse_id(request.args.get("before")))
    return render_template("admin/videos/index.html", page=page, sort=sort, form=form,
                           filters=filters, sorts=SORT_LABELS,
                           waiting=manual.count_proposals(), **listing.row_facts(page.items))


@bp.get("/videos/<int:submission_id>")
def video_detail(submission_id: int):
    """One video for admins: its counts and where they came from, flags, next refresh."""
    sub = db.session.get(Submission, submission_id) or abort(404)
    return render_template("admin/videos/detail.html", sub=sub,
                           snapshots=listing.snapshots(sub.id),
                           flags=listing.open_flag_rows(sub.id), **listing.row_facts([sub]))


def _video_row(sub: Submission, saved: str | None = None):
    return render_template("admin/videos/_video_row.html", sub=sub, saved=saved,
                           **listing.row_facts([sub]))


def _views_form(sub: Submission, form: ManualViewsForm, status: int,
                views_before: int | None = None, thresholds: list | None = None):
    return render_template("admin/videos/_views_form.html", sub=sub, form=form,
                           views_before=views_before, thresholds=thresholds), status


@bp.route("/videos/<int:submission_id>/views", methods=["GET", "POST"])
def enter_views(submission_id: int):
    """The inline manual-entry form for one video (validated, audited; an entry above the
    four-eyes thresholds is only saved, when acknowledged, as a proposal)."""
    sub = db.session.get(Submission, submission_id) or abort(404)
    form = ManualViewsForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _views_form(sub, form, 422 if request.method == "POST" else 200)
    try:
        snap = manual.enter_views(
            sub.id, current_user.id, form.count, form.reason_code.data, form.note.data,
            form.evidence_url.data or None, confirm_decrease=form.confirm_decrease.data,
            four_eyes_ack=form.four_eyes_ack.data)
    except manual.NeedsConfirmation as exc:
        return _views_form(sub, form, 422, views_before=exc.views_before,
                           thresholds=exc.thresholds)
    except manual.NeedsSecondAdmin as exc:
        return _views_form(sub, form, 422, thresholds=exc.thresholds)
    except InvalidViews as exc:
        field = getattr(form, ERROR_FIELDS.get(exc.code, "views"))
        field.errors.append(VIEW_ERRORS.get(exc.code, VIEW_ERRORS["invalid"]))
        return _views_form(sub, form, 422)
    return _video_row(db.session.get(Submission, sub.id),
                      saved="proposed" if snap.state == PROPOSED else "saved")


@bp.get("/videos/<int:submission_id>/row")
def video_row(submission_id: int):
    """One tracked-video row (used to cancel the manual form)."""
    return _video_row(db.session.get(Submission, submission_id) or abort(404))


@bp.get("/videos/proposals")
def proposals():
    """Manual entries waiting for a second admin."""
    return render_template("admin/videos/proposals.html", proposals=manual.list_proposals(),
                           reject_form=ProposalRejectForm(), reason_labels=REASON_LABELS)


def _proposal_row(snapshot_id: int, status: int = 200, error=None, reject_form=None):
    proposal = manual.get_proposal(snapshot_id) or abort(404)
    return render_template("admin/videos/_proposal_row.html", p=proposal, error=error,
                           reject_form=reject_form or ProposalRejectForm(),
                           reason_labels=REASON_LABELS), status


@bp.post("/videos/proposals/<int:snapshot_id>/approve")
def approve_proposal(snapshot_id: int):
    """A second admin approves a manual entry: it becomes the count and is credited once."""
    try:
        manual.approve(snapshot_id, current_user.id)
    except manual.ReviewRefused as exc:
        return _proposal_row(snapshot_id, 409, REVIEW_ERRORS.get(exc.code))
    return _proposal_row(snapshot_id)


@bp.post("/videos/proposals/<int:snapshot_id>/reject")
def reject_proposal(snapshot_id: int):
    """A manual entry is turned down with a reason (nothing is credited)."""
    form = ProposalRejectForm()
    if not form.validate_on_submit():
        return _proposal_row(snapshot_id, 422, reject_form=form)
    try:
        manual.reject(snapshot_id, current_user.id, form.reason.data)
    except manual.ReviewRefused as exc:
        return _proposal_row(snapshot_id, 409, REVIEW_ERRORS.get(exc.code))
    return _proposal_row(snapshot_id)
