"""Admin rates: the dated history, a new rate for new approvals, and a live video's rate."""
from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.admin import bp
from webapp.admin.money.forms import RateForm, VideoRateForm
from webapp.earnings import rates
from webapp.earnings.errors import MoneyError
from webapp.earnings.messages import error_message
from webapp.extensions import db
from webapp.htmx import is_htmx
from webapp.submissions.models import Submission
from webapp.tracking import holds


def _rates_page(form, status: int = 200):
    template = "admin/money/_rate_form.html" if is_htmx() else "admin/money/rates.html"
    return render_template(template, form=form, current=rates.current_rate(),
                           history=rates.history()), status


@bp.route("/money/rates", methods=["GET", "POST"])
def rates_page():
    """Rate history, and the rate that new approvals get from now on."""
    form = RateForm()
    if request.method == "GET":
        return _rates_page(form)
    if not form.validate_on_submit():
        return _rates_page(form, 422)
    rates.set_rate(form.value, current_user.id)
    if not is_htmx():
        return redirect(url_for("admin.rates_page"))
    return _rates_page(RateForm(formdata=None))


@bp.get("/money/videos")
def money_videos():
    """Approved videos with their locked rate and earnings (search by video id or email)."""
    q = request.args.get("q", "")
    page = rates.live_videos(q, page=request.args.get("page", 1, type=int))
    ids = [s.id for s in page.items]
    return render_template("admin/money/videos.html", page=page, q=q,
                           earned=rates.earned(ids), taken_back=rates.taken_back(ids))


def _video(submission_id: int, form=None, error: str | None = None, status: int = 200):
    sub = db.session.get(Submission, submission_id)
    if sub is None:
        abort(404)
    template = "admin/money/_video_money.html" if is_htmx() else "admin/money/video.html"
    return render_template(template, sub=sub, form=form or VideoRateForm(formdata=None),
                           entries=rates.video_entries(sub.id), error=error,
                           earned=rates.earned([sub.id]).get(sub.id),
                           taken_back=rates.taken_back([sub.id]).get(sub.id),
                           hold=holds.open_hold_for(sub.id)), status


@bp.get("/money/videos/<int:submission_id>")
def video_money(submission_id: int):
    """One video's money: locked rate, every entry, held drop, and the rate change form."""
    return _video(submission_id)


@bp.post("/money/videos/<int:submission_id>/rate")
def video_rate(submission_id: int):
    """Change a live video's rate (audited); the difference is booked as an adjustment."""
    form = VideoRateForm()
    if not form.validate_on_submit():
        return _video(submission_id, form, status=422)
    try:
        rates.change_submission_rate(submission_id, form.value, current_user.id, form.reason.data)
    except LookupError:
        abort(404)
    except MoneyError as exc:
        return _video(submission_id, form, error_message(exc.code), 409)
    return _video(submission_id)
