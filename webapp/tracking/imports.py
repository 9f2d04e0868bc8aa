"""Bulk view counts from a CSV file: every row checked first, then each booked as a manual
entry (webapp.tracking.manual.enter_views, the one path to money), each file and each
observation once.

All or nothing: a file with any refused row books nothing. A good file is recorded
(view_imports, with its text) and then booked row by row, by a worker for the admin page (a
manual entry costs a few commits, thousands of rows outlast a web request) or in the shell
command's own process. Row by row, because every manual entry commits on its own and earnings
credits it after that commit; so booking is made safe to repeat instead: each row's key commits
in the same transaction as its snapshot, and booking an import again (a retried job, a crash,
a stop at a row whose video changed meanwhile) books only the rows still missing. A finished
file applied again books nothing and says when and by whom it was imported.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.extensions import db, jobqueue
from webapp.timeutil import utcnow
from webapp.tracking import import_csv, manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.import_checks import ERROR, OK, PROPOSE, SKIP, RowCheck, booked_keys, check
from webapp.tracking.import_messages import DEFAULT_NOTE
from webapp.tracking.import_models import ViewImport, ViewImportRow
from webapp.tracking.models import MANUAL_REASONS, PROPOSED, ViewSnapshot

__all__ = ["ERROR", "OK", "PROPOSE", "SKIP", "Report", "preview", "start", "book", "apply"]
BOOK_JOB = "jobs.imports.book_import"
_WAITING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


@dataclass
class Report:
    sha256: str
    rows: list[RowCheck]
    previous: ViewImport | None = None  # this same file, recorded before
    already_imported: bool = False  # ... and booked to the end before
    started: ViewImport | None = None  # the import this call recorded, continued or booked
    stopped_at: RowCheck | None = None  # a row refused while booking; the rest wait

    @property
    def valid(self) -> bool:
        return all(check.state != ERROR for check in self.rows)

    def count(self, state: str) -> int:
        return sum(check.state == state for check in self.rows)


def preview(content: bytes, now: datetime | None = None) -> Report:
    """Check a file without storing anything. Raises FileRefused (the file as a whole)."""
    return _report(import_csv.read(content), now)


def start(content: bytes, admin_id: int, reason_code: str,
          now: datetime | None = None) -> Report:
    """Check a file and, when every row is valid, record it for booking (`started`).

    Raises FileRefused (the file as a whole) or InvalidViews (an unknown reason).
    """
    if reason_code not in MANUAL_REASONS:
        raise InvalidViews("Choose why the counts are entered by hand.", "reason")
    csv_file = import_csv.read(content)
    report = _report(csv_file, now)
    if report.valid and not report.already_imported:
        report.started = report.previous or _record(csv_file, report, admin_id, reason_code)
    return report


def book(import_id: int, now: datetime | None = None) -> Report:
    """Book the rows of a recorded import not booked yet (safe to repeat). Every row is
    checked again first: while one is refused, nothing more is booked."""
    imported = db.session.get(ViewImport, import_id)
    report = _report(import_csv.read(imported.content.encode()), now)
    report.started = imported
    if report.already_imported or not report.valid:
        return report
    for row in report.rows:
        if row.state in (OK, PROPOSE) and not _book(row, imported):
            report.stopped_at = row
            return report
    imported.applied_at = utcnow()
    db.session.commit()
    return report


def apply(content: bytes, admin_id: int, reason_code: str,
          now: datetime | None = None) -> Report:
    """Record and book a file in this process (the shell command)."""
    report = start(content, admin_id, reason_code, now)
    return book(report.started.id, now) if report.started else report


def _report(csv_file: import_csv.CsvFile, now: datetime | None) -> Report:
    previous = db.session.scalar(select(ViewImport).where(ViewImport.sha256 == csv_file.sha256))
    return Report(csv_file.sha256, check(csv_file.rows, now or utcnow()), previous,
                  previous is not None and previous.finished)


def _record(csv_file: import_csv.CsvFile, report: Report, admin_id: int,
            reason_code: str) -> ViewImport:
    """Store the file (and audit it) before its first row is booked."""
    imported = ViewImport(
        sha256=csv_file.sha256, admin_id=admin_id, row_count=len(report.rows),
        to_book=report.count(OK) + report.count(PROPOSE), reason_code=reason_code,
        content=csv_file.text)
    db.session.add(imported)
    try:
        db.session.flush()
    except IntegrityError:  # another admin recorded the same file a moment ago: join it
        db.session.rollback()
        return db.session.scalar(select(ViewImport).where(
            ViewImport.sha256 == csv_file.sha256))
    audit.record(admin_id, "views_import", "view_import", imported.id, sha256=csv_file.sha256,
                 rows=len(report.rows), to_book=report.count(OK),
                 to_propose=report.count(PROPOSE), already_booked=report.count(SKIP),
                 reason_code=reason_code)
    db.session.commit()
    return imported


def _book(row: RowCheck, imported: ViewImport) -> bool:
    """Book one row; False (nothing stored) when its video changed since the check."""
    key = ViewImportRow(import_id=imported.id, row_number=row.row.number, row_key=row.key,
                        submission_id=row.submission.id)
    # Added before the entry: enter_views' own commit stores the key with the snapshot, so a
    # crash leaves both or neither.
    db.session.add(key)
    try:
        snap = manual.enter_views(
            row.submission.id, imported.admin_id, row.views, imported.reason_code,
            row.row.note or _default_note(), confirm_decrease=row.decrease,
            four_eyes_ack=True, source="manual", observed_at=row.observed_at)
    except IntegrityError:
        db.session.rollback()
        if row.key not in booked_keys([row.key]):
            raise
        row.state = SKIP  # the same observation was booked a moment ago elsewhere
        return True
    except InvalidViews as exc:  # e.g. a fetch raised the count above this row's meanwhile
        db.session.rollback()
        row.refuse("changed", detail=exc.code)
        return False
    row.state = PROPOSE if snap.state == PROPOSED else OK
    db.session.get(ViewImportRow, key.id).snapshot_id = snap.id
    db.session.commit()
    return True


def _default_note() -> str:
    """Creators read the note with the reason; rows without one get this, in the app's
    default language (a stored note is not translated later)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(DEFAULT_NOTE)


def queue_booking(import_id: int) -> None:
    """Have a worker book the import (once at a time; retried, and safe to repeat)."""
    imported = db.session.get(ViewImport, import_id)
    jobqueue.enqueue(BOOK_JOB, import_id, job_id=f"views-import-{import_id}",
                     timeout=300 + imported.to_book, retry=Retry(max=3, interval=[10, 60, 300]))


def booking_queued(import_id: int) -> bool:
    try:
        job = Job.fetch(f"views-import-{import_id}", connection=jobqueue.connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=True) in _WAITING


def get(import_id: int) -> ViewImport | None:
    return db.session.get(ViewImport, import_id)


def review(import_id: int) -> Report:
    """What booking the import would do now (the rows still missing, and any refused)."""
    return _report(import_csv.read(get(import_id).content.encode()), None)


def booked_counts(import_id: int) -> tuple[int, int]:
    """(rows this import booked, how many of those still wait for a second admin)."""
    booked, waiting = db.session.execute(
        select(func.count(ViewImportRow.id), func.count(ViewSnapshot.id))
        .select_from(ViewImportRow)
        .outerjoin(ViewSnapshot, (ViewSnapshot.id == ViewImportRow.snapshot_id)
                   & (ViewSnapshot.state == PROPOSED))
        .where(ViewImportRow.import_id == import_id)).one()
    return booked, waiting


def recent_imports(limit: int = 20) -> list[ViewImport]:
    return list(db.session.scalars(select(ViewImport).order_by(ViewImport.id.desc())
                                   .limit(limit)))
