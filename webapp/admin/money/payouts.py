"""Admin payouts: the queue, approve / reject / mark paid, and the CSV transfer batch."""
from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.admin import bp
from webapp.admin.money.forms import PayoutPaidForm, PayoutRejectForm
from webapp.earnings import export, payouts
from webapp.earnings.errors import MoneyError
from webapp.earnings.messages import error_message
from webapp.earnings.models import APPROVED, PAID, REJECTED, REQUESTED
from webapp.timeutil import utcnow

TABS = {"requested": (REQUESTED,), "approved": (APPROVED,), "paid": (PAID,),
        "rejected": (REJECTED,)}


def _payout_or_404(payout_id: int):
    payout = payouts.get(payout_id)
    if payout is None:
        abort(404)
    return payout


def _row(payout_id: int, error: str | None = None, status: int = 200):
    return render_template("admin/money/_payout_row.html", p=_payout_or_404(payout_id),
                           error=error), status


def _form(payout_id: int, action: str, form, status: int = 200):
    return render_template("admin/money/_payout_form.html", p=_payout_or_404(payout_id),
                           action=action, form=form), status


@bp.get("/money/payouts")
def payouts_queue():
    """Withdrawals by status, oldest first; approved ones can be exported for the bank."""
    tab = request.args.get("status", "requested")
    if tab not in TABS:
        abort(404)
    page = payouts.queue(TABS[tab], page=request.args.get("page", 1, type=int))
    return render_template("admin/money/payouts.html", page=page, tab=tab, tabs=TABS)


@bp.post("/money/payouts/export.csv")
def payouts_csv():
    """Approved payouts as a CSV attachment for the bank transfer batch.

    A POST (with the CSRF token), because each export is written to the audit log: a prefetch
    or a cross-site link must not be able to record one."""
    name = f"viewpay-payouts-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(export.approved_csv(current_user.id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/money/payouts/<int:payout_id>/approve")
def payout_approve(payout_id: int):
    """Approve once; a double click or a second admin gets a 409 row."""
    _payout_or_404(payout_id)
    try:
        payouts.approve(payout_id, current_user.id,
                        override=request.form.get("override") == "1")
    except MoneyError as exc:
        return _row(payout_id, error_message(exc.code), 409)
    return _row(payout_id)


@bp.route("/money/payouts/<int:payout_id>/reject", methods=["GET", "POST"])
def payout_reject(payout_id: int):
    """Reject with a reason the creator reads; the held amount becomes available again."""
    _payout_or_404(payout_id)
    form = PayoutRejectForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _form(payout_id, "reject", form, 200 if request.method == "GET" else 422)
    try:
        payouts.reject(payout_id, current_user.id, form.reason.data)
    except MoneyError as exc:
        return _row(payout_id, error_message(exc.code), 409)
    return _row(payout_id)


@bp.route("/money/payouts/<int:payout_id>/paid", methods=["GET", "POST"])
def payout_paid(payout_id: int):
    """Mark an approved payout paid, with the bank's transfer reference."""
    _payout_or_404(payout_id)
    form = PayoutPaidForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _form(payout_id, "paid", form, 200 if request.method == "GET" else 422)
    try:
        payouts.mark_paid(payout_id, current_user.id, form.reference.data)
    except MoneyError as exc:
        if exc.code == "reference_invalid":
            form.reference.errors.append(error_message(exc.code))
            return _form(payout_id, "paid", form, 422)
        return _row(payout_id, error_message(exc.code), 409)
    return _row(payout_id)


@bp.get("/money/payouts/<int:payout_id>/row")
def payout_row(payout_id: int):
    """One payout row (cancels an open reject or paid form)."""
    return _row(payout_id)


@bp.app_template_global()
def open_flags_of(creator_id: int):
    """The creator's open flags, shown on their payout rows."""
    from webapp.tracking import flags

    return flags.open_for_creator(creator_id)


@bp.app_template_global()
def payout_tab_label(tab: str) -> str:
    return {"requested": _("Requested"), "approved": _("Approved"), "paid": _("Paid"),
            "rejected": _("Rejected")}.get(tab, tab)
