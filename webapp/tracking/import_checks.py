"""Judging each row of a view-count CSV by the manual form's rules, reading, storing nothing:
the video is an approved one of ours, the count is a plausible whole number, the time it was
seen is real and not in the future, a decrease is explained, one row per video."""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.submissions.models import APPROVED, LIVE, Submission
from webapp.tiktok import urls
from webapp.tiktok.errors import InvalidUrl
from webapp.timeutil import aware
from webapp.tracking import import_csv, manual
from webapp.tracking.errors import InvalidViews
from webapp.tracking.import_csv import Row
from webapp.tracking.import_models import ViewImportRow
from webapp.tracking.models import OK as OK_SNAPSHOT
from webapp.tracking.models import ViewSnapshot
from webapp.tracking.views_input import parse_views

OK, PROPOSE, SKIP, ERROR = "ok", "proposed", "skipped", "error"
_CHUNK = 500  # ids per IN (...) query


@dataclass(eq=False)  # one per row, told apart by identity
class RowCheck:
    """What one row would do (state ok, proposed, skipped or error) and what it did."""

    row: Row
    state: str = OK
    video_id: str | None = None
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
        seen = f"{self.video_id}|{self.views}|{self.observed_at:%Y-%m-%dT%H:%M:%S}"
        return hashlib.sha256(seen.encode()).hexdigest()


def check(rows: list[Row], now: datetime) -> list[RowCheck]:
    """Judge every row against the videos' counts of this moment."""
    checks = [RowCheck(row) for row in rows]
    for row in checks:
        _read(row)
    found = _submissions({row.video_id for row in checks if row.video_id})
    booked = booked_keys([row.key for row in checks if row.state != ERROR])
    latest = _latest_seen([sub.id for sub in found.values()])
    first_row: dict[str, int] = {}
    for row in checks:
        if row.state != ERROR and row.key in booked:
            # Booked before (an earlier file, or this import before a crash): whatever
            # happened to the video since, this row is done.
            row.state, row.booked_as = SKIP, booked[row.key]
            row.submission = found.get(row.video_id)
        elif row.video_id:
            _judge(row, found.get(row.video_id), latest, now)
        if row.video_id in first_row:  # two counts of one video: the admin says which is meant
            row.refuse("duplicate", row=first_row[row.video_id])
        if row.video_id:
            first_row.setdefault(row.video_id, row.row.number)
    return checks


def _read(check: RowCheck) -> None:
    """The row's own text: which video, what count, seen when."""
    row = check.row
    if row.extra_cells:
        check.refuse("extra_cells")
    check.video_id = _video_id(check)
    try:
        check.views = parse_views(row.views)
    except InvalidViews as exc:
        check.refuse(exc.code)
    if not row.observed_at:
        check.refuse("time_empty")
        return
    try:
        check.observed_at = import_csv.parse_observed_at(row.observed_at)
    except ValueError:
        check.refuse("time_invalid")


def _video_id(check: RowCheck) -> str | None:
    text = check.row.video
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


def _judge(check: RowCheck, sub: Submission | None, latest: dict[int, datetime],
           now: datetime) -> None:
    """The row against its video now: approved, a real time, explained, one admin or two."""
    if sub is None:
        check.refuse("not_tracked")
    elif not sub.is_earning:
        check.refuse("not_approved", status=sub.status)
    check.submission = sub
    seen = check.observed_at
    if seen is not None and seen > now:
        check.refuse("time_future")
    elif seen is not None and sub is not None:
        if seen.timestamp() < urls.video_id_timestamp(sub.video_id):
            check.refuse("time_before_video")
        elif sub.id in latest and seen < latest[sub.id].replace(second=0, microsecond=0):
            # It would roll a newer count back. Same minute is not older: times are typed to
            # the minute.
            check.refuse("time_stale", when=latest[sub.id])
    if len(check.row.note) > manual.NOTE_MAX:
        check.refuse("note_too_long")
    if check.state == ERROR:
        return
    check.views_before = sub.current_views
    if check.decrease and not check.row.note:
        check.refuse("decrease_needs_note", views=check.views_before)
    elif manual.four_eyes_thresholds(sub, check.views):
        check.state = PROPOSE


def _latest_seen(submission_ids: list[int]) -> dict[int, datetime]:
    """When each video's newest trusted count was seen."""
    latest = {}
    for start in range(0, len(submission_ids), _CHUNK):
        latest.update((sub_id, aware(seen)) for sub_id, seen in db.session.execute(
            select(ViewSnapshot.submission_id, func.max(ViewSnapshot.fetched_at))
            .where(ViewSnapshot.submission_id.in_(submission_ids[start:start + _CHUNK]),
                   ViewSnapshot.state == OK_SNAPSHOT)
            .group_by(ViewSnapshot.submission_id)))
    return latest


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
