"""An admin's "refresh now" for one video or all of one creator's tracked videos.

The videos are leased and queued in a batch job at once (the scan will not queue them again
meanwhile). Each video and each creator may be forced once per REFRESH_NOW_COOLDOWN_SECONDS,
kept in Redis so that every web process sees it: a double click, two admins or an impatient
hand cannot spend TikTok's budget on one video. Audited. Published as
webapp.tracking.scheduling.refresh_now (this module imports webapp.tracking.leasing, not
scheduling).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from webapp.audit import services as audit
from webapp.extensions import db, jobqueue
from webapp.submissions.models import APPROVED, Submission
from webapp.timeutil import utcnow
from webapp.tracking import leasing

COOLDOWN_KEY = "viewpay:refresh-now:{kind}:{id}"


class NotTracked(LookupError):
    """No such approved video (or the creator has none): nothing to refresh."""


class CoolingDown(Exception):
    """Refreshed by hand a moment ago; try again in `seconds_left`."""

    def __init__(self, seconds_left: int):
        super().__init__(f"refreshed a moment ago; again in {seconds_left} s")
        self.seconds_left = seconds_left


@dataclass(frozen=True)
class Forced:
    videos: int  # how many videos were queued
    jobs: int


def _target(submission_id: int | None, creator_id: int | None) -> tuple[str, int]:
    if (submission_id is None) == (creator_id is None):
        raise ValueError("refresh one video or one creator")
    return ("video", submission_id) if submission_id is not None else ("creator", creator_id)


def cooldown_left(submission_id: int | None = None, creator_id: int | None = None) -> int:
    """Seconds until this video (or creator) may be refreshed by hand again (0: now)."""
    kind, target = _target(submission_id, creator_id)
    left = jobqueue.connection.ttl(COOLDOWN_KEY.format(kind=kind, id=target))
    return max(0, int(left)) if left and left > 0 else 0


def refresh_now(admin_id: int, submission_id: int | None = None,
                creator_id: int | None = None) -> Forced:
    """Queue a refresh of one approved video, or of every approved video of one creator.

    Raises NotTracked (nothing approved to refresh) or CoolingDown (forced too recently)."""
    kind, target = _target(submission_id, creator_id)
    where = (Submission.id == submission_id) if kind == "video" else (
        Submission.creator_id == creator_id)
    chosen = select(Submission.id).where(where, Submission.status == APPROVED)
    if db.session.scalar(chosen.limit(1)) is None:
        raise NotTracked(f"no approved video for {kind} {target}")
    key = COOLDOWN_KEY.format(kind=kind, id=target)
    cooldown = current_app.config["REFRESH_NOW_COOLDOWN_SECONDS"]
    if cooldown > 0 and not jobqueue.connection.set(key, admin_id, nx=True, ex=cooldown):
        raise CoolingDown(max(1, cooldown_left(submission_id, creator_id)))
    try:
        leased = leasing.lease(chosen, utcnow() + timedelta(seconds=leasing.LEASE_SECONDS),
                                   commit=False)
        audit.record(admin_id, "refresh_now", "submission" if kind == "video" else "creator",
                     target, creator_id=creator_id, submission_id=submission_id,
                     videos=len(leased))
        db.session.commit()  # the lease and its audit together
    except BaseException:
        db.session.rollback()
        jobqueue.connection.delete(key)  # nothing was forced: no reason to make anyone wait
        raise
    return Forced(videos=len(leased), jobs=leasing.enqueue_leased(leased, "refresh-now"))
