"""Snapshots of a video's counts, whether money may follow them, and the refresh cadence.

The writers take `commit=False` so that a refresh job stores a batch of videos in one
transaction (webapp.tracking.refresh); on their own they commit, as manual entry expects.
"""
import logging
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.outages import INFRA_ERRORS
from webapp.submissions.models import APPROVED, Submission
from webapp.tiktok.stats import VideoStats
from webapp.timeutil import aware, utcnow
from webapp.tracking import cadence, flags, rules, signals
from webapp.tracking.batch_context import BatchContext
from webapp.tracking.errors import InvalidViews
from webapp.tracking.models import (
    CLIFF, ENGAGEMENT, IDENTITY, MISMATCH, OK, PROPOSED, SPIKE, SUSPECT, ViewSnapshot)
from webapp.tracking.rules import Point

log = logging.getLogger(__name__)


def validate_views(views) -> int:
    if views is None or isinstance(views, bool) or not isinstance(views, int):
        raise InvalidViews("A view count must be a whole number.", "not_whole")
    if views < 0:
        raise InvalidViews("A view count cannot be negative.", "negative")
    if views > current_app.config["MAX_PLAUSIBLE_VIEWS"]:
        raise InvalidViews("That view count is not plausible for one video.", "absurd")
    return views


def record_snapshot(submission_id: int, stats: VideoStats, *, entered_by_id: int | None = None,
                    confirm_drop: bool = False, manual: dict | None = None,
                    proposed: bool = False, now: datetime | None = None,
                    commit: bool = True, known: BatchContext | None = None) -> ViewSnapshot:
    """Store one observation and decide whether money may follow it.

    - proposed (a manual entry above the four-eyes thresholds): stored, changes nothing yet;
    - an automatic count below an admin's recent entry, or a big drop: stored as SUSPECT
      (credits nothing) with a count-mismatch or cliff flag; a second low sighting confirms a
      cliff on its own, never a mismatch (only an admin overrules an admin);
    - otherwise the count becomes current, and the money rules (spike, engagement, identity)
      may raise flags that hold what it earns (webapp.tracking.flags).
    commit=False: left to the caller's transaction (flushed). A refresh batch also passes
    `known`, what it read for all its videos at once (batch_context): then nothing is flushed
    unless a flag needs the snapshot's id, and the batch writes its videos together.
    """
    views = validate_views(stats.views)
    now = now or utcnow()
    sub = db.session.get(Submission, submission_id)
    is_manual = stats.source in MANUAL_SOURCES
    state, held_by = OK, None
    if proposed:
        state = PROPOSED
    elif not is_manual and (mismatch := _mismatch(sub, views, now, known)) is not None:
        state, held_by = SUSPECT, (MISMATCH, mismatch)
    elif is_suspect_drop(sub.current_views, views) and not (
            confirm_drop or _confirms_previous(sub, views)):
        state, held_by = SUSPECT, (CLIFF, {"views_before": sub.current_views,
                                           "views_after": views})
    snap = ViewSnapshot(
        submission_id=sub.id, views=views, likes=stats.likes, comments=stats.comments,
        shares=stats.shares, source=stats.source, exact=stats.exact, state=state,
        fetched_at=stats.fetched_at, entered_by_id=entered_by_id, **(manual or {}),
    )
    history = [] if state != OK else _trusted_points(sub.id, now, known)
    if stats.create_time and sub.video_created_at is None:
        sub.video_created_at = datetime.fromtimestamp(stats.create_time, tz=now.tzinfo)
    db.session.add(snap)
    # The count, its flags and what it settles commit together: a worker killed after this
    # commit leaves a snapshot whose money is held exactly as if the credit had followed
    # (recovered by webapp.earnings.recovery), never an unflagged spike.
    if held_by is not None and not held_by[1].get("upheld"):
        flags.add_flag(sub.id, sub.creator_id, held_by[0], _flushed(snap).id, held_by[1])
    if state == OK:
        _make_current(sub, views, now)
        if known is None or known.has_open(sub.id, flags.COUNT_KINDS):
            flags.settle_count_flags(sub.id, _flushed(snap), commit=False)
        _apply_money_rules(sub, snap, history, is_manual, now, known)
    elif state == SUSPECT:
        # Look again soon rather than waiting a whole cycle with earnings frozen.
        sub.next_refresh_at = now + timedelta(minutes=15)
    _finish(commit, flush=known is None)
    return snap


def record_first_counts(found: dict) -> None:
    """The first counts of a batch of just-verified videos ({submission id: stats}), with the
    rules of record_snapshot, in one transaction; if any fails, each is stored on its own (a
    bad count of one video must not cost the others theirs)."""
    ids = sorted(found)
    try:
        known = BatchContext.load(ids, utcnow())
        with db.session.no_autoflush:  # the chunk's snapshots go in one INSERT at the commit
            for submission_id in ids:
                record_snapshot(submission_id, found[submission_id], commit=False, known=known)
        db.session.commit()
    except INFRA_ERRORS:
        raise
    except Exception:
        db.session.rollback()
        log.warning("storing the first counts of %s videos together failed; one by one",
                    len(ids))
        for submission_id in ids:
            try:
                record_snapshot(submission_id, found[submission_id])
            except INFRA_ERRORS:
                raise
            except Exception:  # one video's count refused or broken: the others still count
                db.session.rollback()
                log.exception("first count of submission %s not stored", submission_id)


def _flushed(snap: ViewSnapshot) -> ViewSnapshot:
    """The snapshot with its id (a flag or a settled flag names it)."""
    if snap.id is None:
        db.session.flush()
    return snap


def _finish(commit: bool, flush: bool = True) -> None:
    if commit:
        db.session.commit()
    elif flush:
        db.session.flush()


MANUAL_SOURCES = ("manual", "extension")


def _make_current(sub: Submission, views: int, now: datetime) -> None:
    growth = _views_per_hour(sub, views, now)
    sub.current_views = views
    sub.last_view_update = now
    sub.refresh_failures = 0
    sub.last_fetch_error = None
    sub.next_refresh_at = cadence.next_due(now, _posted_at(sub, now), _cadence(),
                                           growth_per_hour=growth)


def accept_snapshot(snapshot_id: int, now: datetime | None = None) -> ViewSnapshot:
    """A held or proposed count an admin accepted becomes the video's current count (caller
    has already moved its state to OK; commits)."""
    now = now or utcnow()
    snap = db.session.get(ViewSnapshot, snapshot_id)
    sub = db.session.get(Submission, snap.submission_id)
    _make_current(sub, snap.views, now)
    flags.settle_count_flags(sub.id, snap, commit=False)
    # An accepted count is judged like any other (an approved manual entry of an unproven
    # creator is held too); a held count an admin accepted is no spike.
    _apply_money_rules(sub, snap, [], True, now)
    db.session.commit()
    return snap


def _trusted_points(submission_id: int, now: datetime,
                    known: BatchContext | None = None) -> list[Point]:
    """The video's ok counts of the spike rule's trailing window (plus the one before it)."""
    if known is not None:
        return known.trusted_points(submission_id)
    window = timedelta(hours=current_app.config["SPIKE_TRAILING_HOURS"] + 24)
    rows = db.session.execute(
        select(ViewSnapshot.fetched_at, ViewSnapshot.views)
        .where(ViewSnapshot.submission_id == submission_id, ViewSnapshot.state == OK,
               ViewSnapshot.fetched_at >= now - window)
        .order_by(ViewSnapshot.id)).all()
    if not rows:  # a slow video: its last count may be older than the window
        rows = db.session.execute(
            select(ViewSnapshot.fetched_at, ViewSnapshot.views)
            .where(ViewSnapshot.submission_id == submission_id, ViewSnapshot.state == OK)
            .order_by(ViewSnapshot.id.desc()).limit(1)).all()
    return [Point(aware(at), views) for at, views in rows]


def _apply_money_rules(sub: Submission, snap: ViewSnapshot, history: list[Point],
                       is_manual: bool, now: datetime,
                       known: BatchContext | None = None) -> None:
    """Add the flags that hold the money this count earns (before it is credited; the caller
    commits them with the count)."""
    config = current_app.config
    if sub.status == APPROVED and snap.views <= (sub.credited_views or 0):
        # Nothing new to credit, so nothing to hold: an admin who confirmed a flag (its money
        # taken back) is not asked again about the same views at every refresh.
        return
    found = []
    if not is_manual:  # an admin's own entry answers to the four-eyes rule instead
        new = Point(aware(snap.fetched_at) or now, snap.views)
        found.append((SPIKE, rules.spike(history, new, aware(sub.video_created_at),
                                         rules.SpikeSettings.from_config(config))))
        found.append((ENGAGEMENT, _engagement(sub, snap, known)))
    creator = sub.creator
    cleared = known.was_cleared if known is not None else flags.was_cleared
    if not cleared(sub.id, IDENTITY):
        found.append((IDENTITY, rules.identity(
            aware(creator.tiktok_verified_at) if creator.identity_proven else None,
            aware(sub.video_created_at), config["IDENTITY_GRACE_DAYS"])))
    for kind, evidence in found:
        if evidence is not None:
            flags.add_flag(sub.id, sub.creator_id, kind, _flushed(snap).id, evidence)


def _engagement(sub: Submission, snap: ViewSnapshot,
                known: BatchContext | None = None) -> dict | None:
    """The engagement rule on the count; once an admin confirmed a video's views as bought
    (their money taken back), on the views and interactions gained since that flag only: a few
    more views of the same video are no new case, and must not hold its money again."""
    config = current_app.config
    confirmed = (known.confirmed_evidence(sub.id, ENGAGEMENT) if known is not None
                 else flags.confirmed_evidence(sub.id, ENGAGEMENT))
    counts = [snap.views, snap.likes, snap.comments, snap.shares]
    if confirmed and snap.likes is not None:
        before = [confirmed.get(name) or 0 for name in ("views", "likes", "comments", "shares")]
        counts = [max(now - then, 0) for now, then in zip(
            [snap.views, snap.likes, snap.comments or 0, snap.shares or 0], before)]
    evidence = rules.engagement(*counts, config["ENGAGEMENT_MIN_VIEWS"],
                                config["ENGAGEMENT_MIN_RATIO"])
    if evidence is not None and confirmed:
        evidence["since_confirmed"] = True  # the counts are what came after the last case
    return evidence


def _mismatch(sub: Submission, views: int, now: datetime,
              known: BatchContext | None = None) -> dict | None:
    """An automatic count below the video's latest manual entry, if that entry is recent and
    still the count money follows (an admin already upheld it: held again, no new flag)."""
    if known is not None:
        entry = known.latest_manual(sub.id)
    else:
        entry = db.session.scalar(
            select(ViewSnapshot).where(ViewSnapshot.submission_id == sub.id,
                                       ViewSnapshot.state == OK,
                                       ViewSnapshot.source.in_(MANUAL_SOURCES))
            .order_by(ViewSnapshot.id.desc()).limit(1))
    if entry is None or sub.current_views != entry.views:
        return None
    evidence = rules.count_mismatch(entry.views, aware(entry.created_at), views, now,
                                    current_app.config["MANUAL_TRUST_DAYS"])
    if evidence is not None:
        evidence["manual_snapshot_id"] = entry.id
        # An admin already upheld this entry against a lower count: hold, but ask no more.
        cleared = known.was_cleared if known is not None else flags.was_cleared
        evidence["upheld"] = cleared(sub.id, MISMATCH, since=entry.created_at)
    return evidence


def is_suspect_drop(before: int | None, views: int) -> bool:
    """A drop to 0, or below SUSPECT_DROP_RATIO of the current count: held, never paid on
    sight (one rule for fetches, manual entries and the admin pages)."""
    if not before:
        return False
    return views == 0 or views < before * current_app.config["SUSPECT_DROP_RATIO"]


def _confirms_previous(sub: Submission, views: int) -> bool:
    """A second consecutive low sighting (within 10 %) confirms the drop is real."""
    last = db.session.scalar(
        select(ViewSnapshot).where(ViewSnapshot.submission_id == sub.id)
        .order_by(ViewSnapshot.id.desc()).limit(1))
    if last is None or last.state != SUSPECT:
        return False
    if flags.open_flag(sub.id, MISMATCH) is not None:
        return False  # a low automatic count under an admin's entry: only an admin decides
    return abs(last.views - views) <= max(last.views, views) // 10


def _views_per_hour(sub: Submission, views: int, now: datetime) -> float:
    if sub.current_views is None or sub.last_view_update is None:
        return 0.0
    hours = (now - aware(sub.last_view_update)).total_seconds() / 3600
    return (views - sub.current_views) / hours if hours > 0 else 0.0


def _cadence() -> cadence.CadenceSettings:
    return cadence.CadenceSettings.from_config(current_app.config)


def _posted_at(sub: Submission, now: datetime) -> datetime:
    return aware(sub.video_created_at) or aware(sub.created_at) or now


def record_failure(submission_id: int, reason: str, retry_after: float | None = None, *,
                   commit: bool = True, flush: bool = True) -> None:
    """A failed fetch changes no views and no money: it is noted and retried with backoff
    (exponential with jitter, never before TikTok's Retry-After; webapp.tracking.cadence)."""
    sub = db.session.get(Submission, submission_id)
    sub.refresh_failures += 1
    sub.last_fetch_error = reason[:500]
    now = utcnow()
    sub.next_refresh_at = cadence.next_due(
        now, _posted_at(sub, now), _cadence(), state=cadence.state_of(reason),
        failures=sub.refresh_failures, retry_after=retry_after, jitter=random.uniform(0.75, 1.25))
    if cadence.state_of(reason) in cadence.GONE:  # deleted, private, withheld: tell the creator
        signals.tracking_stopped.send(submission_id, reason=reason, since=sub.last_view_update)
    _finish(commit, flush)


def postpone(submission_id: int, seconds: float, reason: str, *, commit: bool = True,
             flush: bool = True) -> None:
    """Our own limiter or breaker said wait: TikTok was not asked, so this is no failure of the
    video (refresh_failures stays); it is simply looked at again a little later."""
    sub = db.session.get(Submission, submission_id)
    sub.last_fetch_error = reason[:500]
    delay = max(seconds, 1.0) * random.uniform(1.0, 1.2)  # spread the postponed ones out
    sub.next_refresh_at = utcnow() + timedelta(seconds=delay)
    _finish(commit, flush)


def latest_snapshot(submission_id: int, state: str | None = OK) -> ViewSnapshot | None:
    query = select(ViewSnapshot).where(ViewSnapshot.submission_id == submission_id)
    if state:
        query = query.where(ViewSnapshot.state == state)
    return db.session.scalar(query.order_by(ViewSnapshot.id.desc()).limit(1))


def latest_payable_snapshot(submission_id: int) -> ViewSnapshot | None:
    """The newest count money may follow: confirmed (not a held drop) and exact. A count from
    TikTok's rounded `stats` (1.6M for 1,585,253) is stored and shown but never paid on; the
    next exact count credits everything up to it."""
    return db.session.scalar(
        select(ViewSnapshot).where(ViewSnapshot.submission_id == submission_id,
                                   ViewSnapshot.state == OK, ViewSnapshot.exact.is_(True))
        .order_by(ViewSnapshot.id.desc()).limit(1))
