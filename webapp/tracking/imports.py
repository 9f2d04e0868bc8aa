"""Bulk view counts from a CSV file: every row checked first, then each booked as a manual
entry (webapp.tracking.manual.enter_views, the one path to money), each file and each
observation once.

All or nothing: a file with any bad row books nothing. A good file is booked row by row,
because every manual entry commits on its own (and earnings credits it after that commit). So
the apply is made safe to repeat instead: the file is recorded first (view_imports), and each
row's key commits in the same transaction as its snapshot. Applying the same file again after
a crash, or a stop at a row whose video changed meanwhile, books only the rows still missing;
applying a finished file books nothing and says when and by whom it was imported.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.extensions import db
from webapp.submissions.models import APPROVED, LIVE, Submission
from webapp.tiktok import urls
from webapp.tiktok.errors import InvalidUrl
from webapp.timeutil import utcnow
from webapp.tracking import import_csv, manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.import_csv import Row
from webapp.tracking.import_messages import DEFAULT_NOTE
from webapp.tracking.import_models import ViewImport, ViewImportRow
from webapp.tracking.models import MANUAL_REASONS, PROPOSED
from webapp.tracking.views_input import parse_views

OK, PROPOSE, SKIP, ERROR = "ok", "proposed", "skipped", "error"


@dataclass
class RowCheck:
    """What one row would do (state ok, proposed, skipped or error) and what it did."""

    row: Row
    state: str = OK
    error: str | None = None  # a code of import_messages.ROW_ERRORS
    params: dict = field(default_factory=dict)
    submission: Submission | None = None
    views: int | None = None
    views_before: int | None = None
    observed_at: datetime | None = None
    booked_as: ViewImportRow | None = None  # skipped: where this observation was booked

    def refuse(self, code: str, **params) -> None:
        if self.state != ERROR:  # the first problem is the one worth fixing first
            self.state, self.error, self.params = ERROR, code, params

    @property
    def decrease(self) -> bool:
        return self.views_before is not None and self.views < self.views_before

    @property
    def key(self) -> str:
        """The observation itself: the same video, count and time are booked once, ever."""
        seen = f"{self.submission.video_id}|{self.views}|{self.observed_at:%Y-%m-%dT%H:%M:%S}"
        return hashlib.sha256(seen.encode()).hexdigest()


@dataclass
class Report:
    sha256: str
    rows: list[RowCheck]
    previous: ViewImport | None = None  # this same file, applied (or started) before
    applied: ViewImport | None = None  # set once this call booked the file
    stopped_at: RowCheck | None = None  # a row refused while booking; the rest wait

    @property
    def valid(self) -> bool:
        return all(check.state != ERROR for check in self.rows)

    @property
    def already_imported(self) -> bool:
        return self.previous is not None and self.previous.finished

    def count(self, state: str) -> int:
        return sum(check.state == state for check in self.rows)


def preview(content: bytes, now: datetime | None = None) -> Report:
    """Check a file without storing anything. Raises FileRefused (the file as a whole)."""
    csv_file = import_csv.read(content)
    return Report(csv_file.sha256, check(csv_file.rows, now or utcnow()),
                  previous=_import_of(csv_file.sha256))


def apply(content: bytes, admin_id: int, reason_code: str,
          now: datetime | None = None) -> Report:
    """Check a file again and, when every row is valid, book it (see the module's note).

    Raises FileRefused (the file as a whole) or InvalidViews (an unknown reason).
    """
    if reason_code not in MANUAL_REASONS:
        raise InvalidViews("Choose why the counts are entered by hand.", "reason")
    report = preview(content, now)
    if not report.valid or report.already_imported:
        return report
    imported = report.previous or _start(report, admin_id)
    for check in report.rows:
        if check.state in (OK, PROPOSE) and not _book(check, imported, admin_id, reason_code):
            report.stopped_at = check
            return report
    imported.applied_at = utcnow()
    db.session.commit()
    report.applied = imported
    return report


def check(rows: list[Row], now: datetime) -> list[RowCheck]:
    """Judge every row against the same rules as the manual form, reading, storing nothing."""
    checks = [RowCheck(row) for row in rows]
    video_ids = {check: _video_id(check) for check in checks}
    found = _submissions({vid for vid in video_ids.values() if vid})
    first_row: dict[str, int] = {}
    for check, vid in video_ids.items():
        if vid is None:
            continue
        if vid in first_row:
            check.refuse("duplicate", row=first_row[vid])
            continue
        first_row[vid] = check.row.number
        _check_row(check, found.get(vid), now)
    booked = _booked({check.key: check for check in checks if check.state != ERROR})
    for check in checks:
        if check.state != ERROR and check.key in booked:
            check.state, check.booked_as = SKIP, booked[check.key]
    return checks


def _video_id(check: RowCheck) -> str | None:
    text = check.row.video
    if check.row.extra_cells:
        check.refuse("extra_cells")
    if not text:
        check.refuse("video_empty")
        return None
    try:
        # A bare id goes through the same checks as the id in a link (digits, plausible time).
        parsed = urls.parse_url(f"https://www.tiktok.com/@_/video/{text}" if text.isdigit()
                                else text)
    except InvalidUrl as exc:
        check.refuse("url", code=exc.code)
        return None
    if parsed.video_id is None:  # a short link: resolving it is a network call per row
        check.refuse("short_link")
    return parsed.video_id


def _check_row(check: RowCheck, sub: Submission | None, now: datetime) -> None:
    row = check.row
    if sub is None:
        check.refuse("not_tracked")
    elif not sub.is_earning:
        check.refuse("not_approved", status=sub.status)
    check.submission = sub
    try:
        check.views = parse_views(row.views)
    except InvalidViews as exc:
        check.refuse(exc.code)
    if not row.observed_at:
        check.refuse("time_empty")
    else:
        try:
            check.observed_at = import_csv.parse_observed_at(row.observed_at)
        except ValueError:
            check.refuse("time_invalid")
    seen = check.observed_at
    if seen is not None and seen > now:
        check.refuse("time_future")
    elif seen is not None and sub is not None and (
            seen.timestamp() < urls.video_id_timestamp(sub.video_id)):
        check.refuse("time_before_video")
    if len(row.note) > manual.NOTE_MAX:
        check.refuse("note_too_long", limit=manual.NOTE_MAX)
    if check.state == ERROR:
        return
    check.views_before = sub.current_views
    if check.decrease and not row.note:
        check.refuse("decrease_needs_note", views=check.views_before)
    elif manual.four_eyes_thresholds(sub, check.views):
        check.state = PROPOSE


def _submissions(video_ids: set[str]) -> dict[str, Submission]:
    """Each video's approved submission, else its live or latest one (to say why not)."""
    found: dict[str, Submission] = {}
    ids = sorted(video_ids)
    for start in range(0, len(ids), 500):
        for sub in db.session.scalars(select(Submission).where(
                Submission.video_id.in_(ids[start:start + 500])).order_by(Submission.id)):
            rank = (sub.status == APPROVED, sub.status in LIVE, sub.id)
            held = found.get(sub.video_id)
            if held is None or rank > (held.status == APPROVED, held.status in LIVE, held.id):
                found[sub.video_id] = sub
    return found


def _booked(by_key: dict[str, RowCheck]) -> dict[str, ViewImportRow]:
    keys, booked = sorted(by_key), {}
    for start in range(0, len(keys), 500):
        booked.update((row.row_key, row) for row in db.session.scalars(
            select(ViewImportRow).where(ViewImportRow.row_key.in_(keys[start:start + 500]))))
    return booked


def _import_of(sha256: str) -> ViewImport | None:
    return db.session.scalar(select(ViewImport).where(ViewImport.sha256 == sha256))


def _start(report: Report, admin_id: int) -> ViewImport:
    """Record the file (and audit it) before its first row is booked."""
    imported = ViewImport(sha256=report.sha256, admin_id=admin_id, row_count=len(report.rows))
    db.session.add(imported)
    try:
        db.session.flush()
    except IntegrityError:  # another admin started the same file a moment ago: join it
        db.session.rollback()
        return _import_of(report.sha256)
    audit.record(admin_id, "views_import", "view_import", imported.id, sha256=report.sha256,
                 rows=len(report.rows), to_book=report.count(OK),
                 to_propose=report.count(PROPOSE), already_booked=report.count(SKIP))
    db.session.commit()
    return imported


def _book(check: RowCheck, imported: ViewImport, admin_id: int, reason_code: str) -> bool:
    """Book one row; False (nothing stored) when the video changed since the check."""
    key = ViewImportRow(import_id=imported.id, row_number=check.row.number, row_key=check.key,
                        submission_id=check.submission.id)
    # Added before the entry: enter_views' own commit stores the key with the snapshot, so a
    # crash leaves both or neither.
    db.session.add(key)
    try:
        snap = manual.enter_views(
            check.submission.id, admin_id, check.views, reason_code, check.row.note or
            _default_note(), confirm_decrease=check.decrease, four_eyes_ack=True,
            source="manual", observed_at=check.observed_at)
    except IntegrityError:
        db.session.rollback()
        if check.key not in _booked({check.key: check}):
            raise
        check.state = SKIP  # the same observation was booked a moment ago by another apply
        return True
    except InvalidViews as exc:  # e.g. a fetch raised the count above this row's meanwhile
        db.session.rollback()
        check.refuse("changed", detail=getattr(exc, "code", "invalid"))
        return False
    check.state = PROPOSE if snap.state == PROPOSED else OK
    db.session.get(ViewImportRow, key.id).snapshot_id = snap.id
    db.session.commit()
    return True


def _default_note() -> str:
    """Creators read the note with the reason; rows without one get this, in the app's
    default language (a stored note is not translated later)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(DEFAULT_NOTE)


def recent_imports(limit: int = 20) -> list[ViewImport]:
    return list(db.session.scalars(select(ViewImport).order_by(ViewImport.id.desc())
                                   .limit(limit)))


def booked_rows(import_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ViewImportRow)
                             .where(ViewImportRow.import_id == import_id))
