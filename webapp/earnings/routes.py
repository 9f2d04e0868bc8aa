from datetime import date

from flask import (abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from webapp.earnings import availability, bp, ledger_groups, payouts, reviews, services, summary
from webapp.earnings.bank import account_for, save_account
from webapp.earnings.errors import MoneyError
from webapp.earnings.forms import BankForm, WithdrawForm
from webapp.earnings.messages import error_message
from webapp.extensions import limiter
from webapp.htmx import is_htmx, unauthorized_response
from webapp.txn import read_only


@bp.before_request
def creators_only():
    if not current_user.is_authenticated:
        return unauthorized_response()
    if current_user.is_admin:  # admins have no earnings; their money pages are the queue
        return redirect(url_for("admin.payouts_queue"))


def _summary(creator_id: int) -> dict:
    return dict(payouts=payouts.for_creator(creator_id), account=account_for(creator_id),
                reviews=reviews.for_creator(creator_id), **summary.context(creator_id))


@bp.get("/")
def index():
    """Balance, what is earned per period, the withdrawal form and the payout history."""
    return render_template("earnings/index.html", form=WithdrawForm(),
                           **_summary(current_user.id))


@bp.get("/summary")
@limiter.exempt
@read_only
def live_summary():
    """The polled inside of the summary; 304 when nothing it shows has changed."""
    no_chart = request.args.get("chart") == "0"
    etag, shown = summary.poll(current_user.id, request.if_none_match, with_chart=not no_chart)
    if shown is None:
        response = make_response("", 304)
    else:
        response = make_response(render_template("earnings/_summary_poll.html",
                                                 no_chart=no_chart, **shown))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


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
            flash(_("Withdrawal requested. We will transfer it after review."), "success")
            if not is_htmx():
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
    """The ledger, one line per video per day, newest first; HTMX asks for older pages."""
    try:
        before = ledger_groups.parse_cursor(request.args.get("before"))
    except ValueError:
        abort(404)
    page = ledger_groups.page(current_user.id, before)
    states = availability.entry_states(current_user.id, [g.entry for g in page.groups if g.entry])
    if is_htmx():
        return render_template("earnings/_groups.html", page=page, states=states)
    return render_template("earnings/ledger.html", page=page, states=states,
                           reviews=reviews.for_creator(current_user.id),
                           **summary.context(current_user.id, with_chart=False))


@bp.get("/ledger/<day>")
def ledger_group(day: str):
    """The entries behind one line of the ledger (a video's, a withdrawal's, or the rest)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    video = request.args.get("video", type=int)
    payout_id = request.args.get("payout", type=int)
    entries = ledger_groups.entries(current_user.id, when, video, payout_id,
                                    request.args.get("kind", ""),
                                    manual=request.args.get("manual") == "1")
    if not entries:
        abort(404)
    states = availability.entry_states(current_user.id, entries)
    template = "earnings/_group_entries.html" if is_htmx() else "earnings/ledger_group.html"
    return render_template(template, entries=entries, states=states, day=when,
                           first=entries[0])


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


@bp.app_template_global()
def earnings_chart(creator_id: int, submission_id: int | None = None):
    """Views and earnings per day, last 28 days (.svg, .table, .has_data): the creator's total,
    or one video's for its page."""
    from webapp.earnings import periods

    return summary.chart(periods.daily(creator_id, 28, submission_id=submission_id))
