import hashlib

from flask import (abort, current_app, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.auth import connections
from webapp.extensions import limiter
from webapp.htmx import is_htmx
from webapp.submissions import bp, services
from webapp.submissions.errors import SubmissionError
from webapp.submissions.forms import SubmitVideoForm
from webapp.submissions.messages import error_message
from webapp.submissions.models import SUPERSEDED


@bp.app_template_global()
def status_label(status: str):
    from webapp.submissions.messages import status_label as label

    if status == SUPERSEDED:  # TODO move to messages.STATUSES (owned elsewhere for now)
        return _("Superseded")
    return label(status)


@bp.route("/")
def index():
    """Send each visitor to their home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_admin:
        return redirect(url_for("admin.queue"))
    return redirect(url_for("submissions.dashboard"))


def _live_context(creator_id: int) -> dict:
    subs = services.for_creator(creator_id)
    checking = any(s.status == "checking" for s in subs)
    config = current_app.config
    return dict(
        submissions=subs, creator_id=creator_id,
        poll_seconds=config["CHECKING_POLL_SECONDS"] if checking else config["POLL_SECONDS"],
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    """The creator's home: submit form, balance and videos (live)."""
    if current_user.is_admin:
        return redirect(url_for("admin.queue"))
    return render_template("submissions/dashboard.html", form=SubmitVideoForm(),
                           tiktok=connections.get(current_user.id),
                           **_live_context(current_user.id))


@bp.get("/dashboard/live")
@limiter.exempt
@login_required
def live():
    """The self-replacing balance+videos fragment; 304 when nothing changed."""
    version = services.creator_version(current_user.id)
    etag = hashlib.sha1(f"{current_user.id}|{get_locale()}|{version}".encode()).hexdigest()
    if etag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = make_response(render_template(
            "submissions/_live.html", **_live_context(current_user.id)))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/submissions")
@limiter.limit("30/minute")
@login_required
def create():
    """Submit a TikTok link: a fresh form and the new row on success, 422 with the reason otherwise."""
    form = SubmitVideoForm()
    if form.validate_on_submit():
        try:
            services.submit(current_user.id, form.url.data)
        except SubmissionError as exc:
            form.url.errors.append(error_message(exc.code))
        else:
            if not is_htmx():
                flash(_("Submitted. We are checking your video."))
                return redirect(url_for("submissions.dashboard"))
            return render_template("submissions/_submit_form.html", form=SubmitVideoForm(
                formdata=None), oob_live=True, **_live_context(current_user.id))
    if not is_htmx():
        return render_template("submissions/dashboard.html", form=form,
                               **_live_context(current_user.id)), 422
    return render_template("submissions/_submit_form.html", form=form), 422


@bp.get("/submissions/<int:submission_id>")
@login_required
def detail(submission_id: int):
    """One video: its counts and every ledger entry behind its earnings."""
    sub = services.get_for_creator(current_user.id, submission_id)
    if sub is None:
        abort(404)
    return render_template("submissions/detail.html", sub=sub)
