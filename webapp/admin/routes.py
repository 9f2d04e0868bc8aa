from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.admin import bp
from webapp.admin.forms import RejectForm
from webapp.bounds import parse_ids
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.errors import ReviewError
from webapp.submissions.models import Submission
from webapp.tracking.health import source_health

SOURCE_LABELS = {"display": _l("Display API (connected creators)"),
                 "page": _l("Public video page"), "oembed": _l("oEmbed")}
BREAKER_LABELS = {"closed": _l("working"), "open": _l("paused: too many failures"),
                  "half_open": _l("trying again")}


def _submission_or_404(submission_id: int) -> Submission:
    sub = db.session.get(Submission, submission_id)
    if sub is None:
        abort(404)
    return sub


def _row(sub: Submission, error: str | None = None, status: int = 200, need_ack: bool = False):
    return render_template("admin/_row.html", sub=sub, error=error, need_ack=need_ack,
                           others=submissions.other_claims([sub])), status


def _first_rows_of_unproven(subs) -> set[int]:
    """The unproven-creator warning is shown once per creator: on their first row."""
    first: dict[int, int] = {}
    for sub in subs:
        if not sub.creator.identity_proven:
            first.setdefault(sub.creator_id, sub.id)
    return set(first.values())


def _sources_context() -> dict:
    return dict(health=source_health(), source_labels=SOURCE_LABELS,
                breaker_labels=BREAKER_LABELS)


@bp.get("/")
def queue():
    """The review queue: pending submissions with their verification result."""
    page = submissions.review_queue(page=request.args.get("page", 1, type=int))
    return render_template("admin/queue.html", page=page,
                           others=submissions.other_claims(page.items),
                           warn_ids=_first_rows_of_unproven(page.items), **_sources_context())


@bp.get("/sources")
def sources():
    """The self-refreshing "TikTok sources" panel (circuit breakers, rate budgets)."""
    return render_template("admin/_sources.html", **_sources_context())


@bp.post("/submissions/<int:submission_id>/approve")
def approve(submission_id: int):
    """Approve with one click; a second click or a second admin gets a 409 row.

    An unproven creator's video needs the admin's tick (ack_unproven=1): without it, 409 and
    the row with the warning and the tick box."""
    sub = _submission_or_404(submission_id)
    try:
        sub = submissions.approve_one(submission_id, current_user.id,
                                      acknowledged_unproven=request.form.get("ack_unproven") == "1")
    except submissions.NeedsAcknowledgement:
        return _row(sub, _("Tick the box to confirm you checked the video's author yourself, "
                           "then approve."), 409, need_ack=True)
    except ReviewError:
        return _row(sub, _("Already reviewed."), 409)
    return _row(sub)


@bp.post("/submissions/approve-selected")
def approve_selected():
    """Approve every ticked submission at once (a plain form post: the whole queue changes)."""
    ids = parse_ids(request.form.getlist("ids"))[:500]
    approved, skipped = submissions.approve_many(ids, current_user.id)
    flash(_("Approved %(count)s submission(s).", count=len(approved)))
    if skipped:
        flash(_("%(count)s were left for a one-by-one look: already reviewed, or the creator has "
                "not proven their TikTok account yet.", count=len(skipped)))
    return redirect(url_for("admin.queue", page=request.args.get("page", 1, type=int)), 303)


@bp.get("/submissions/<int:submission_id>/reject")
def reject_form(submission_id: int):
    """The inline reason form that a reject needs."""
    return render_template("admin/_reject_form.html", sub=_submission_or_404(submission_id),
                           form=RejectForm())


@bp.post("/submissions/<int:submission_id>/reject")
def reject(submission_id: int):
    """Reject with a reason the creator will read."""
    sub = _submission_or_404(submission_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return render_template("admin/_reject_form.html", sub=sub, form=form), 422
    try:
        sub = submissions.reject(submission_id, current_user.id, form.reason.data)
    except ReviewError:
        return _row(sub, _("Already reviewed."), 409)
    return _row(sub)


@bp.post("/submissions/<int:submission_id>/recheck")
def recheck(submission_id: int):
    """Run verification again (after a TikTok outage, say)."""
    try:
        submissions.recheck(submission_id, current_user.id)
    except ReviewError:
        return _row(_submission_or_404(submission_id), _("Cannot re-check now."), 409)
    return _row(_submission_or_404(submission_id))


@bp.get("/submissions/<int:submission_id>/row")
def row(submission_id: int):
    """One queue row (used to cancel an open reject form)."""
    return _row(_submission_or_404(submission_id))
