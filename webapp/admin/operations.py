"""Admin Operations page: the background work at a glance; failed jobs retried or dropped."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import operations as ops
from webapp.admin import bp
from webapp.htmx import is_htmx

# RQ's job and worker states (plain words from webapp.operations), as the page says them; a
# state RQ adds later shows as it is.
JOB_STATES = {
    "created": _l("created"), "queued": _l("queued"), "started": _l("running"),
    "finished": _l("finished"), "failed": _l("failed"), "deferred": _l("waiting for another job"),
    "scheduled": _l("scheduled"), "stopped": _l("stopped"), "canceled": _l("canceled"),
    "rate_limited": _l("held by a rate limit"), "ready_to_enqueue": _l("about to be queued"),
    "gone": _l("no longer exists"),
}
WORKER_STATES = {"started": _l("starting"), "suspended": _l("suspended"), "busy": _l("busy"),
                 "idle": _l("idle")}


@bp.app_template_global()
def job_state_label(state: str | None) -> str:
    return "–" if state is None else str(JOB_STATES.get(state, state))


@bp.app_template_global()
def worker_state_label(state: str | None) -> str:
    return "–" if state is None else str(WORKER_STATES.get(state, state))


@bp.app_template_filter("ago")
def ago(seconds: float | None) -> str:
    """An age in words, in the reader's language: "3 menit yang lalu" / "3 minutes ago"."""
    if seconds is None:
        return _("never")
    return format_timedelta(timedelta(seconds=-seconds), add_direction=True, threshold=1.5)


@bp.get("/operations")
def operations_page():
    """Queues, failed jobs, workers, scheduler, periodic jobs, stuck leases (polls itself)."""
    partial = is_htmx() and not request.headers.get("HX-History-Restore-Request")
    return render_template("admin/_operations.html" if partial else "admin/operations.html",
                           ops=ops.status())


@bp.post("/operations/failed/retry")
def operations_retry():
    """Queue the posted failed job again, or every failed job (all=1); audited."""
    done = ops.retry_failed(_chosen(), current_user.id)
    flash(_("Queued again: %(count)s job(s).", count=len(done)))
    return redirect(url_for("admin.operations_page"), 303)


@bp.post("/operations/failed/drop")
def operations_drop():
    """Delete the posted failed job; its videos are due again at once; audited."""
    done = ops.drop_failed(_chosen(), current_user.id)
    flash(_("Dropped: %(count)s job(s).", count=len(done)))
    return redirect(url_for("admin.operations_page"), 303)


def _chosen() -> list[str] | None:
    if request.form.get("all") == "1":
        return None
    job_ids = [i for i in request.form.getlist("job_id") if i]
    if not job_ids:
        abort(400)
    return job_ids
