"""Views typed in by an admin: an observation like any fetch (source "manual"), with who, why,
a note and an optional evidence link, then the same credit as a fetched count.

Four-eyes: an entry above any threshold (a jump, a big count, or a lot of money) is stored as
a proposal and changes nothing until a different admin approves it.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from webapp.audit import services as audit
from webapp.auth.models import User
from webapp.extensions import db
from webapp.money import earnings as earned
from webapp.submissions.models import Submission
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import utcnow
from webapp.tracking import services, signals
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import DISMISSED, MANUAL_REASONS, OK, PROPOSED, ViewSnapshot

NOTE_MAX, URL_MAX, REJECT_REASON_MAX = 300, 500, 500


class NeedsConfirmation(InvalidViews):
    """The entered count is below the current one: the admin must say the decrease is real.

    `thresholds` lists the four-eyes thresholds it also exceeds, so the form asks both at once."""

    def __init__(self, views_before: int, thresholds: list[dict]):
        super().__init__(f"That is less than the current {views_before} views; confirm it.",
                         "needs_confirmation")
        self.views_before, self.thresholds = views_before, thresholds


class NeedsSecondAdmin(InvalidViews):
    """The entry is above a four-eyes threshold; it may only be saved as a proposal."""

    def __init__(self, thresholds: list[dict]):
        super().__init__("This entry needs a second admin's approval.", "four_eyes")
        self.thresholds = thresholds


class ReviewRefused(ValueError):
    """A proposal cannot be approved or rejected (own entry, already decided, outdated)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def four_eyes_thresholds(sub: Submission, views: int) -> list[dict]:
    """Which thresholds an entry of `views` exceeds (empty: one admin is enough)."""
    config = current_app.config
    found = []
    before = sub.current_views or 0
    if before > 0 and views > config["FOUR_EYES_JUMP_FACTOR"] * before:
        found.append({"code": "jump", "factor": config["FOUR_EYES_JUMP_FACTOR"],
                      "views_before": before, "views": views})
    if views >= config["FOUR_EYES_VIEWS"]:
        found.append({"code": "views", "limit": config["FOUR_EYES_VIEWS"], "views": views})
    amount = credit_for(sub, views)
    if amount >= config["FOUR_EYES_AMOUNT"]:
        found.append({"code": "amount", "limit": config["FOUR_EYES_AMOUNT"], "amount": amount})
    return found


def credit_for(sub: Submission, views: int) -> Decimal:
    """What the video would earn if its count became `views` (negative for a decrease)."""
    if sub.rate is None:
        return Decimal(0)
    return earned(views, sub.rate) - earned(sub.credited_views or 0, sub.rate)


def enter_views(submission_id: int, admin_id: int, views: int, reason_code: str, note: str,
                evidence_url: str | None = None, confirm_decrease: bool = False,
                four_eyes_ack: bool = False, source: str = "manual",
                observed_at: datetime | None = None, likes: int | None = None) -> ViewSnapshot:
    """Record an admin's count for an approved video: credited at once, or, above a four-eyes
    threshold and acknowledged, stored as a proposal for a second admin.

    Raises InvalidViews (bad input), NeedsConfirmation (a decrease not confirmed),
    NeedsSecondAdmin (above a threshold, not acknowledged); nothing is stored then.
    `source` is "manual" (the form, CSV import) or "extension" (an admin's browser, via the API);
    `observed_at` is when the admin saw the count (default: now).
    """
    if source not in services.MANUAL_SOURCES:
        raise ValueError(f"not a manual source: {source!r}")
    views = services.validate_views(views)
    manual = _manual_columns(reason_code, note, evidence_url)
    sub = db.session.get(Submission, submission_id)
    if sub is None or not sub.is_earning:
        raise InvalidViews("Views can only be entered for approved videos.", "not_approved")
    before = sub.current_views
    thresholds = four_eyes_thresholds(sub, views)
    if before is not None and views < before and not confirm_decrease:
        raise NeedsConfirmation(before, [] if four_eyes_ack else thresholds)
    if thresholds and not four_eyes_ack:
        raise NeedsSecondAdmin(thresholds)
    snap = services.record_snapshot(
        sub.id, VideoStats(video_id=sub.video_id, source=source, views=views, likes=likes,
                           **({"fetched_at": observed_at} if observed_at else {})),
        entered_by_id=admin_id, confirm_drop=confirm_decrease, manual=manual,
        proposed=bool(thresholds))
    audit.record(admin_id, "manual_views_proposed" if thresholds else "manual_views",
                 "submission", sub.id, creator_id=sub.creator_id, submission_id=sub.id,
                 snapshot_id=snap.id, views_before=before, views_after=views,
                 thresholds=[t["code"] for t in thresholds] or None, **manual)
    db.session.commit()
    if not thresholds:
        signals.count_recorded.send(sub.id, snapshot_id=snap.id)  # earnings credits it
    return snap


def _manual_columns(reason_code: str, note: str | None, evidence_url: str | None) -> dict:
    if reason_code not in MANUAL_REASONS:
        raise InvalidViews("Choose why the count is entered by hand.", "reason")
    note = (note or "").strip()
    if not note:
        raise InvalidViews("Write a note: the creator reads it with the reason.", "note_required")
    if len(note) > NOTE_MAX:
        raise InvalidViews(f"Keep the note under {NOTE_MAX} characters.", "note_too_long")
    return {"reason_code": reason_code, "note": note,
            "evidence_url": check_evidence_url(evidence_url)}


def check_evidence_url(url: str | None) -> str | None:
    """An optional http(s) link to the evidence, or None; anything else is refused."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (len(url) > URL_MAX or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() or ord(ch) < 32 for ch in url)):
        raise InvalidViews("The evidence link must be a web address (http or https).",
                           "evidence_url")
    return url


@dataclass(frozen=True)
class Proposal:
    """A manual entry waiting for a second admin, with what the page shows beside it."""

    snapshot: ViewSnapshot
    submission: Submission
    entered_by: User
    reviewed_by: User | None = None

    @property
    def credit(self) -> Decimal:
        return credit_for(self.submission, self.snapshot.views)


def list_proposals(limit: int = 200) -> list[Proposal]:
    """Entries awaiting a second admin, oldest first."""
    rows = db.session.execute(
        select(ViewSnapshot, Submission, User)
        .join(Submission, Submission.id == ViewSnapshot.submission_id)
        .join(User, User.id == ViewSnapshot.entered_by_id)
        .where(ViewSnapshot.state == PROPOSED).order_by(ViewSnapshot.id).limit(limit))
    return [Proposal(*row) for row in rows]


def count_proposals() -> int:
    return db.session.scalar(
        select(func.count()).select_from(ViewSnapshot).where(ViewSnapshot.state == PROPOSED))


def get_proposal(snapshot_id: int) -> Proposal | None:
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if snap is None or not snap.is_manual or (
            not snap.awaits_second_admin and snap.reviewed_at is None):
        return None
    return Proposal(snap, db.session.get(Submission, snap.submission_id),
                    db.session.get(User, snap.entered_by_id),
                    db.session.get(User, snap.reviewed_by_id) if snap.reviewed_by_id else None)


def approve(snapshot_id: int, admin_id: int, now: datetime | None = None) -> ViewSnapshot:
    """A second admin accepts a proposal: it becomes the video's count and is credited, once."""
    now = now or utcnow()
    snap = _open_proposal(snapshot_id, admin_id)
    if not snap.approvable_by(admin_id):  # open, so it is the admin's own entry
        raise ReviewRefused("A second admin must approve your own entry.", "own_entry")
    sub = db.session.get(Submission, snap.submission_id)
    if not sub.is_earning:
        raise ReviewRefused("The video is no longer approved.", "not_approved")
    newer = services.latest_snapshot(sub.id)
    if newer is not None and newer.id > snap.id:
        # Crediting it now would roll back newer counts; the entry is simply out of date.
        raise ReviewRefused("Newer counts arrived after this entry; reject it.", "outdated")
    before = sub.current_views
    _decide(snap.id, admin_id, OK, now, second_admin=True)
    audit.record(admin_id, "manual_views_approved", "submission", sub.id,
                 creator_id=sub.creator_id, submission_id=sub.id, snapshot_id=snap.id,
                 entered_by_id=snap.entered_by_id, views_before=before, views_after=snap.views)
    db.session.commit()
    services.accept_snapshot(snap.id, now)
    signals.count_recorded.send(sub.id, snapshot_id=snap.id)  # earnings credits it
    return db.session.get(ViewSnapshot, snap.id)


def reject(snapshot_id: int, admin_id: int, reason: str,
           now: datetime | None = None) -> ViewSnapshot:
    """A proposal is turned down (by a second admin, or withdrawn by its author): kept, never
    credited."""
    reason = (reason or "").strip()
    if not reason or len(reason) > REJECT_REASON_MAX:
        raise ReviewRefused("Say why the entry is rejected.", "reason_required")
    snap = _open_proposal(snapshot_id, admin_id)
    _decide(snap.id, admin_id, DISMISSED, now or utcnow())
    audit.record(admin_id, "manual_views_rejected", "submission", snap.submission_id,
                 creator_id=db.session.get(Submission, snap.submission_id).creator_id,
                 submission_id=snap.submission_id, snapshot_id=snap.id,
                 entered_by_id=snap.entered_by_id, views=snap.views, reason=reason)
    db.session.commit()
    return db.session.get(ViewSnapshot, snap.id)


def _open_proposal(snapshot_id: int, admin_id: int) -> ViewSnapshot:
    admin = db.session.get(User, admin_id)
    if admin is None or not admin.is_admin:
        raise ReviewRefused("Only an admin can decide on a manual entry.", "not_admin")
    snap = db.session.get(ViewSnapshot, snapshot_id)
    if snap is None or not snap.is_manual or not snap.awaits_second_admin:
        raise ReviewRefused("This entry was already decided.", "decided")
    return snap


def _decide(snapshot_id: int, admin_id: int, state: str, now: datetime,
            second_admin: bool = False) -> None:
    """Move a proposal out of PROPOSED exactly once, even when two admins click together."""
    where = [ViewSnapshot.id == snapshot_id, ViewSnapshot.state == PROPOSED]
    if second_admin:
        where.append(ViewSnapshot.entered_by_id != admin_id)
    moved = db.session.execute(
        update(ViewSnapshot).where(*where)
        .values(state=state, reviewed_by_id=admin_id, reviewed_at=now)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        raise ReviewRefused("This entry was already decided.", "decided")
