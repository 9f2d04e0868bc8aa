from flask import (abort, current_app, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from webapp.earnings import availability, bp, payouts, reviews, services
from webapp.earnings.bank import account_for, save_account
from webapp.earnings.errors import MoneyError
from webapp.earnings.forms import BankForm, WithdrawForm
from webapp.earnings.messages import error_message
from webapp.extensions import limiter
from webapp.htmx import is_htmx, unauthorized_response


@bp.before_request
def creators_only():
    if not current_user.is_authenticated:
        return unauthorized_response()
    if current_user.is_admin:  # admins have no earnings; their money pages are the queue
        return redirect(url_for("admin.payouts_queue"))


def _summary(creator_id: int) -> dict:
    return dict(totals=services.totals(creator_id), payouts=payouts.for_creator(creator_id),
                account=account_for(creator_id), minimum=payouts.minimum(),
                schedule=availability.pending_schedule(creator_id),
                reviews=reviews.for_creator(creator_id))


@bp.get("/")
def index():
    """Balance, available money, the withdrawal form and the payout history."""
    return render_template("earnings/index.html", form=WithdrawForm(),
                           **_summary(current_user.id))


@bp.post("/payouts")
@limiter.limit("20/minute")
def request_payout():
    """Request a withdrawal: a fresh form and updated figures, or 422 with the reason."""
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            payouts.request_payout(current_user.id, form.value, form.request_key.data)
        except MoneyError as exc:
            form.amount.errors.append(error_message(exc.code))
        else:
            if not is_htmx():
                flash(_("Withdrawal requested. We will transfer it after review."))
                return redirect(url_for("earnings.index"))
            return render_template("earnings/_withdraw_form.html", form=WithdrawForm(formdata=None),
                                   oob=True, **_summary(current_user.id))
    if not is_htmx():
        return render_template("earnings/index.html", form=form, **_summary(current_user.id)), 422
    return render_template("earnings/_withdraw_form.html", form=form,
                           **_summary(current_user.id)), 422


@bp.get("/payouts/<int:payout_id>")
def payout(payout_id: int):
    """One withdrawal: its status, where it goes, and its ledger entries."""
    found = payouts.get_for_creator(current_user.id, payout_id)
    if found is None:
        abort(404)
    return render_template("earnings/payout.html", payout=found,
                           entries=payouts.entries_of(found.id))


@bp.get("/ledger")
def ledger():
    """Every ledger entry behind the balance; HTMX asks for the next page as a fragment."""
    page = services.entries_page(current_user.id,
                                 page=max(request.args.get("page", 1, type=int), 1))
    template = "earnings/_entries.html" if is_htmx() else "earnings/ledger.html"
    return render_template(template, page=page, totals=services.totals(current_user.id),
                           states=availability.entry_states(current_user.id, page.items),
                           schedule=availability.pending_schedule(current_user.id),
                           reviews=reviews.for_creator(current_user.id))


@bp.route("/bank", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def bank():
    """Where withdrawals go: bank or e-wallet, account number, holder name."""
    account = account_for(current_user.id)
    form = BankForm(obj=account)
    if form.validate_on_submit():
        save_account(current_user.id, form.bank_code.data, form.account_number.data,
                     form.holder_name.data)
        flash(_("Bank details saved."))
        return _go(url_for("earnings.index"))
    status = 422 if request.method == "POST" else 200
    template = "earnings/_bank_form.html" if is_htmx() else "earnings/bank.html"
    return render_template(template, form=form, account=account), status


def _go(target: str):
    """After an HTMX form succeeds, load the next page whole (a 302 would be swapped in)."""
    if not is_htmx():
        return redirect(target)
    response = make_response("", 204)
    response.headers["HX-Redirect"] = target
    return response


@bp.app_template_global("bank_name")
def bank_name_global(code: str) -> str:
    from webapp.earnings.bank import bank_name

    return bank_name(code)


# The creator's video pages (submissions area) show money through these, so that area never
# imports this one.
@bp.app_template_global()
def creator_balance(creator_id: int):
    return services.balance(creator_id)


@bp.app_template_global()
def earned_by_video(creator_id: int) -> dict:
    return services.earned_by_submission(creator_id)


@bp.app_template_global()
def video_entries(creator_id: int, submission_id: int) -> list:
    return services.entries_for(creator_id, submission_id=submission_id)
