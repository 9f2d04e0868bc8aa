"""Judging each row of a view-count CSV by the manual form's rules, reading, storing nothing:
the video is an approved one of ours, the count is a plausible whole number, the time it was
seen is real and not in the future, a decrease is explained, one row per video."""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.submissions.models import APPROVED, LIVE, Submission
from webapp.tiktok import urls
from webapp.tiktok.errors import InvalidUrl
from webapp.tracking import import_csv, manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.import_csv import Row
from webapp.tracking.import_models import ViewImportRow
from webapp.tracking.views_input import parse_views

OK, PROPOSE, SKIP, ERROR = "ok", "proposed", "skipped", "error"
_CHUNK = 500  # ids per IN (...) query


@dataclass(eq=False)  # one per row, told apart by identity
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


def check(rows: list[Row], now: datetime) -> list[RowCheck]:
    """Judge every row against the videos' counts of this moment."""
    checks = [RowCheck(row) for row in rows]
    video_ids = {check: _video_id(check) for check in checks}
    found = _submissions({vid for vid in video_ids.values() if vid})
    first_row: dict[str, int] = {}
    for check, vid in video_ids.items():
        if vid is not None:
            _check_row(check, found.get(vid), now)
            # Two counts of one video in one file: which is meant is the admin's call.
            if vid in first_row:
                check.refuse("duplicate", row=first_row[vid])
            first_row.setdefault(vid, check.row.number)
    booked = booked_keys([check.key for check in checks if check.state != ERROR])
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
        parsed = urls.parse_url(f"https://www.tiktok.com/@_/video/{text}"
                                if text.isascii() and text.isdigit() else text)
    except InvalidUrl as exc:
        check.refuse("url", url_error=exc.code)
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
        check.refuse("note_too_long")
    if check.state == ERROR:
        return
    check.views_before = sub.current_views
    if check.decrease and not row.note:
        check.refuse("decrease_needs_note", views=check.views_before)
    elif manual.four_eyes_thresholds(sub, check.views):
        check.state = PROPOSE


def _submissions(video_ids: set[str]) -> dict[str, Submission]:
    """Each video's approved submission, else its live or latest one (to say why not)."""
    def rank(sub: Submission) -> tuple:
        return sub.status == APPROVED, sub.status in LIVE, sub.id

    found: dict[str, Submission] = {}
    ids = sorted(video_ids)
    for start in range(0, len(ids), _CHUNK):
        for sub in db.session.scalars(select(Submission).where(
                Submission.video_id.in_(ids[start:start + _CHUNK]))):
            if sub.video_id not in found or rank(sub) > rank(found[sub.video_id]):
                found[sub.video_id] = sub
    return found


def booked_keys(keys: list[str]) -> dict[str, ViewImportRow]:
    """The rows of earlier imports that booked these observations, by key."""
    keys, booked = sorted(set(keys)), {}
    for start in range(0, len(keys), _CHUNK):
        booked.update((row.row_key, row) for row in db.session.scalars(
            select(ViewImportRow).where(ViewImportRow.row_key.in_(keys[start:start + _CHUNK]))))
    return booked
