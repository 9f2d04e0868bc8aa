"""Bulk view counts from a CSV file: upload, a preview of every row, apply (or nothing), then
a worker books it while the import's page shows how far it got.

Between preview and apply the file stays on the server (Redis, for an hour), under the admin
and the SHA-256 of its text: the apply button posts only that digest, so what is applied is
exactly what was previewed, checked again against the counts of that moment.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import InputRequired, Regexp

from webapp.admin import bp
from webapp.admin.forms import REASON_LABELS
from webapp.extensions import jobqueue
from webapp.htmx import is_htmx
from webapp.i18n import when
from webapp.tracking import import_csv, import_messages, imports

KEEP_SECONDS = 3600


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     render_kw={"accept": ".csv,text/csv"})
    reason_code = SelectField(
        _l("Why by hand"), default="fetch_blocked",
        choices=[SelectChoice(code, label) for code, label in REASON_LABELS.items()],
        validators=[InputRequired(message=_l("Choose why the counts are entered by hand."))])


class ApplyForm(FlaskForm):
    digest = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{64}$")])


def _page(status: int = 200, form=None, report=None, reason_code=None, imp=None):
    return render_template(
        "admin/imports.html", form=form or ImportForm(), report=report,
        apply_form=ApplyForm(digest=report.sha256) if report else None,
        reason_label=REASON_LABELS.get(reason_code), recent=imports.recent_imports(),
        max_rows=import_csv.MAX_ROWS, **(_status_of(imp) if imp else {}), **_helpers()), status


def _status_of(imp) -> dict:
    """What the import's fragment shows: booking (polls), finished, or stopped and why."""
    queued = not imp.finished and imports.booking_queued(imp.id)
    booked, waiting = imports.booked_counts(imp.id)
    return {"imp": imp, "queued": queued, "booked": booked, "waiting": waiting,
            "stopped": None if imp.finished or queued else imports.review(imp.id)}


def _helpers() -> dict:
    return {"row_error": import_messages.row_error, "states": import_messages.STATES,
            "booked_counts": imports.booked_counts, "reason_labels": REASON_LABELS}


@bp.get("/views/import")
def views_import():
    """The upload form and the latest imports."""
    return _page()


@bp.post("/views/import")
def views_import_preview():
    """Check an uploaded file and show what each row would do; nothing is stored."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(422, form)
    content = form.file.data.read(import_csv.MAX_BYTES + 1)
    try:
        report = imports.preview(content)
    except import_csv.FileRefused as exc:
        form.file.errors.append(import_messages.file_error(exc))
        return _page(422, form)
    _keep(report.sha256, content, form.reason_code.data)
    return _page(200 if report.valid else 422, form, report, form.reason_code.data)


@bp.post("/views/import/apply")
def views_import_apply():
    """Record the previewed file and have a worker book it: every row, or none when a row is
    refused by the time it is applied."""
    form = ApplyForm()
    kept = _kept(form.digest.data) if form.validate_on_submit() else None
    if kept is None:
        flash(_("This preview is no longer available. Upload the file again."), "error")
        return redirect(url_for("admin.views_import"), 303)
    content, reason_code = kept
    report = imports.start(content, current_user.id, reason_code)
    if report.already_imported:
        flash(_("This file was already imported on %(when)s by %(admin)s. Nothing was booked.",
                when=when(report.previous.created_at), admin=report.previous.admin.email),
              "error")
        return redirect(url_for("admin.views_import"), 303)
    if report.started is None:  # a row is refused now (a count changed since the preview)
        return _page(422, None, report, reason_code)
    jobqueue.connection.delete(_key(report.sha256))
    imports.queue_booking(report.started.id)
    flash(_("Import #%(id)s started: %(count)s row(s) to book.", id=report.started.id,
            count=report.started.to_book), "success")
    return redirect(url_for("admin.views_import_status", import_id=report.started.id), 303)


@bp.get("/views/import/<int:import_id>")
def views_import_status(import_id: int):
    """One import: booking (the fragment polls itself), finished, or stopped with its rows."""
    imp = imports.get(import_id) or abort(404)
    if is_htmx() and not request.headers.get("HX-History-Restore-Request"):
        return _status(imp)
    body, status = _page(imp=imp)
    return body, status, {"Vary": "HX-Request"}


@bp.post("/views/import/<int:import_id>/resume")
def views_import_resume(import_id: int):
    """Have a worker book the rows an import has not booked yet (after a crash or a stop)."""
    imp = imports.get(import_id) or abort(404)
    if not imp.finished:
        imports.queue_booking(imp.id)
    return redirect(url_for("admin.views_import_status", import_id=imp.id), 303)


def _status(imp):
    return render_template("admin/_import_status.html", **_status_of(imp), **_helpers()), 200, {
        "Vary": "HX-Request"}


def _key(sha256: str) -> str:
    return f"viewpay:views-import:{current_user.id}:{sha256}"


def _keep(sha256: str, content: bytes, reason_code: str) -> None:
    with jobqueue.connection.pipeline() as pipe:
        pipe.hset(_key(sha256), mapping={"content": content, "reason": reason_code})
        pipe.expire(_key(sha256), KEEP_SECONDS)
        pipe.execute()


def _kept(sha256: str) -> tuple[bytes, str] | None:
    kept = jobqueue.connection.hgetall(_key(sha256))
    return (kept[b"content"], kept[b"reason"].decode()) if kept else None
