"""Bulk view counts from a CSV file: upload, a preview of every row, then apply (or nothing).

Between preview and apply the file stays on the server (Redis, for an hour), under the admin
and the SHA-256 of its text: the apply button posts only that digest, so what is applied is
exactly what was previewed, checked again against the counts of that moment.
"""
from flask import flash, redirect, render_template, url_for
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


def _page(status: int = 200, form=None, report=None, reason_code=None):
    apply_form = ApplyForm(digest=report.sha256) if report else None
    return render_template(
        "admin/imports.html", form=form or ImportForm(), report=report, apply_form=apply_form,
        reason_label=REASON_LABELS.get(reason_code), recent=imports.recent_imports(),
        booked=imports.booked_rows, row_error=import_messages.row_error,
        states=import_messages.STATES, max_rows=import_csv.MAX_ROWS), status


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
    """Book the previewed file: every row, or none when a row is (now) refused."""
    form = ApplyForm()
    kept = _kept(form.digest.data) if form.validate_on_submit() else None
    if kept is None:
        flash(_("This preview is no longer available. Upload the file again."), "error")
        return redirect(url_for("admin.views_import"), 303)
    content, reason_code = kept
    report = imports.apply(content, current_user.id, reason_code)
    if report.already_imported:
        flash(_("This file was already imported on %(when)s by %(admin)s. Nothing was booked.",
                when=when(report.previous.created_at), admin=report.previous.admin.email),
              "error")
    elif report.applied is None:  # a row is refused now (a count changed since the preview)
        return _page(422 if report.stopped_at is None else 409, None, report, reason_code)
    else:
        flash(_("Imported: %(ok)s count(s) booked, %(proposed)s waiting for a second admin, "
                "%(skipped)s already imported before.", ok=report.count(imports.OK),
                proposed=report.count(imports.PROPOSE), skipped=report.count(imports.SKIP)),
              "success")
    jobqueue.connection.delete(_key(report.sha256))
    return redirect(url_for("admin.views_import"), 303)


def _key(sha256: str) -> str:
    return f"viewpay:views-import:{current_user.id}:{sha256}"


def _keep(sha256: str, content: bytes, reason_code: str) -> None:
    jobqueue.connection.hset(_key(sha256), mapping={"content": content, "reason": reason_code})
    jobqueue.connection.expire(_key(sha256), KEEP_SECONDS)


def _kept(sha256: str) -> tuple[bytes, str] | None:
    kept = jobqueue.connection.hgetall(_key(sha256))
    return (kept[b"content"], kept[b"reason"].decode()) if kept else None
