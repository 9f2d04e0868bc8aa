from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.admin import bp, bulk, listing
from webapp.admin.filters import QUEUE_STATUS_LABELS, QUEUE_STATUSES
from webapp.admin.flags import FLAG_LABELS
from webapp.admin.forms import BulkRejectForm, ListFilterForm, RejectForm
from webapp.auth.models import User
from webapp.bounds import parse_id, parse_ids
from webapp.extensions import db
from webapp.htmx import is_htmx
from webapp.submissions import messages
from webapp.submissions import services as submissions
from webapp.submissions.errors import ReviewError
from webapp.submissions.models import Submission
from webapp.tracking.health import source_health

SOURCE_LABELS = {"display": _l("Display API (connected creators)"),
                 "page": _l("Public video page"), "oembed": _l("oEmbed")}
BREAKER_LABELS = {"closed": _l("working"), "open": _l("paused: too many failures"),
                  "half_open": _l("trying again")}
COUNT_SOURCE_LABELS = {"display": _l("TikTok's API"), "page": _l("TikTok page"),
                       "oembed": _l("oEmbed only (no count)"), "manual": _l("Entered by an admin"),
                       "extension": _l("Browser extension")}
BULK_MAX = 500

for _name in ("detail_in_words", "error_in_words", "source_in_words", "owner_evidence",
              "admin_status_label"):
    bp.add_app_template_global(getattr(messages, _name), _name)


def _submission_or_404(submission_id: int) -> Submission:
    sub = db.session.get(Submission, submission_id)
    if sub is None:
        abort(404)
    return sub


def _row_context(subs) -> dict:
    return dict(poll_seconds=current_app.config["CHECKING_POLL_SECONDS"],
                **listing.row_facts(subs))


def _row(sub: Submission, error: str | None = None, status: int = 200, need_ack: bool = False):
    return render_template("admin/_row.html", sub=sub, error=error, need_ack=need_ack,
                           **_row_context([sub])), status


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


def filter_form(statuses=()) -> ListFilterForm:
    return ListFilterForm(request.args, statuses=statuses, flag_labels=FLAG_LABELS,
                          source_labels=COUNT_SOURCE_LABELS)


def _queue_page(status: int = 200, bulk_form=None, bulk_error=None, selected=()):
    form = filter_form([(key, QUEUE_STATUS_LABELS.get(key) or messages.admin_status_label(key))
                        for key in QUEUE_STATUSES])
    filters = form.filters()
    page = listing.review_page(filters, after=parse_id(request.args.get("after")),
                               before=parse_id(request.args.get("before")))
    return render_template(
        "admin/queue.html", page=page, form=form, filters=filters, selected=set(selected),
        creator_user=db.session.get(User, filters.creator) if filters.creator else None,
        bulk_form=bulk_form or BulkRejectForm(formdata=None), bulk_error=bulk_error,
        warn_ids=_first_rows_of_unproven(page.items), **_row_context(page.items),
        **_sources_context()), status


@bp.get("/")
def queue():
    """The review queue: filtered, searchable, oldest first, paged by position."""
    return _queue_page()


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
    flash(_("Approved: the video now earns for its creator."), "success")
    return _row(sub)


def _ticked() -> list[int]:
    return list(dict.fromkeys(parse_ids(request.form.getlist("ids"))))[:BULK_MAX]


def _back_to_queue():
    """Back to the list the admin acted on: same filters, same place (htmx: a full reload)."""
    target = url_for("admin.queue", **request.args.to_dict())
    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)


def _bulk_refused(bulk_form=None, bulk_error=None, selected=()):
    """A refused bulk action: htmx swaps only the bulk form (the browser stays on the queue's
    address, the rows keep their ticks); a plain POST gets the whole queue page back."""
    if not is_htmx():
        return _queue_page(422, bulk_form=bulk_form, bulk_error=bulk_error, selected=selected)
    return render_template("admin/_bulk.html", selected=set(selected), bulk_error=bulk_error,
                           bulk_form=bulk_form or BulkRejectForm(formdata=None)), 422


@bp.post("/submissions/approve-selected")
def approve_selected():
    """Approve every ticked submission at once; nothing ticked is refused."""
    ids = _ticked()
    if not ids:
        return _bulk_refused(bulk_error=_("Tick at least one video first."))
    approved, skipped = submissions.approve_many(ids, current_user.id)
    if approved:
        flash(_("Approved %(count)s submission(s).", count=len(approved)), "success")
    if skipped:
        flash(bulk.skipped_message(skipped), "error")
    return _back_to_queue()


@bp.post("/submissions/reject-selected")
def reject_selected():
    """Reject every ticked submission with one reason; nothing ticked, or no reason, is refused."""
    ids, form = _ticked(), BulkRejectForm()
    if not ids:
        return _bulk_refused(form, _("Tick at least one video first."))
    if not form.validate_on_submit():
        return _bulk_refused(form, selected=ids)
    rejected = []
    for submission_id in ids:
        try:
            submissions.reject(submission_id, current_user.id, form.reason.data)
        except ReviewError:
            continue  # decided meanwhile by someone else: left as it is
        rejected.append(submission_id)
    flash(_("Rejected %(count)s submission(s).", count=len(rejected)), "success")
    if len(rejected) < len(ids):
        flash(_("%(count)s were already decided and were left as they are.",
                count=len(ids) - len(rejected)), "error")
    return _back_to_queue()


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
    flash(_("Rejected: the creator sees your reason."), "success")
    return _row(sub)


@bp.post("/submissions/<int:submission_id>/recheck")
def recheck(submission_id: int):
    """Run verification again (after a TikTok outage, say); the row polls until it is done."""
    try:
        submissions.recheck(submission_id, current_user.id)
    except ReviewError:
        return _row(_submission_or_404(submission_id), _("Cannot re-check now."), 409)
    flash(_("Checking the video again."), "success")
    return _row(_submission_or_404(submission_id))


@bp.get("/submissions/<int:submission_id>/row")
def row(submission_id: int):
    """One queue row: cancels an open reject form, and answers a checking row's polling."""
    return _row(_submission_or_404(submission_id))
