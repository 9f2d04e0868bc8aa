"""Admins' "refresh now" for one tracked video or all of one creator's (HTMX-friendly).

Each POST answers the `admin/_refresh_now.html` partial (the next refresh, and the button or
how long the cooldown still lasts); without HTMX it redirects back. The rules (cooldown, audit,
queueing) are tracking's: webapp.tracking.scheduling.refresh_now.
"""
from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.admin import bp
from webapp.extensions import db, jobqueue, limiter
from webapp.htmx import is_htmx
from webapp.submissions.models import Submission
from webapp.tracking import scheduling


@bp.app_template_global()
def refresh_now_state(submission_id: int | None = None, creator_id: int | None = None) -> dict:
    """For the partial: minutes of cooldown left (0: the button shows), and whether a refresh
    job holds the video right now."""
    seconds = scheduling.cooldown_left(submission_id, creator_id)
    queued = submission_id is not None and bool(
        jobqueue.connection.hexists(scheduling.LEASES_KEY, submission_id))
    return {"wait_minutes": ceil(seconds / 60), "queued": queued}


@bp.post("/refresh-now/video/<int:submission_id>")
@limiter.limit("30/minute")
def refresh_video_now(submission_id: int):
    """Queue a refresh of one tracked video at once."""
    sub = db.session.get(Submission, submission_id) or abort(404)
    _force(submission_id=sub.id)
    return _answer({"sub": db.session.get(Submission, submission_id)})


@bp.post("/refresh-now/creator/<int:creator_id>")
@limiter.limit("30/minute")
def refresh_creator_now(creator_id: int):
    """Queue a refresh of every tracked video of one creator at once."""
    _force(creator_id=creator_id)
    return _answer({"creator_id": creator_id})


def _force(**target) -> None:
    try:
        forced = scheduling.refresh_now(current_user.id, **target)
    except scheduling.NotTracked:
        flash(_("Nothing to refresh: no approved video."), "error")
    except scheduling.CoolingDown as exc:
        flash(_("Refreshed a moment ago: try again in %(minutes)s min.",
                minutes=ceil(exc.seconds_left / 60)), "error")
    else:
        flash(_("Refreshing %(count)s video(s) now.", count=forced.videos), "success")


def _answer(context: dict):
    if is_htmx():
        return render_template("admin/_refresh_now.html", **context)
    return redirect(request.referrer or url_for("admin.queue"), 303)
