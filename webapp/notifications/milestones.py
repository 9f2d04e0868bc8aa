"""Milestones: a video's 10.000 / 100.000 / 1.000.000 views, and a creator's first Rupiah.

Checked whenever counts are recorded (one video after a manual entry, a refresh batch of
many). Each is told once: the notification's unique (user, kind, key) makes a repeated count
or a retried job a no-op, and what was told already is read first, so a batch of videos long
past their milestones costs two SELECTs and writes nothing. A video that jumps from 5.000 to
150.000 views is told its highest milestone only, never a lower one after a higher.
"""
from decimal import Decimal

from sqlalchemy import select

from webapp.extensions import db
from webapp.money import earnings
from webapp.notifications import links, services
from webapp.notifications.models import FIRST_RUPIAH, MILESTONE_VIEWS
from webapp.submissions.models import APPROVED, Submission

THRESHOLDS = (10_000, 100_000, 1_000_000)
FIRST_AMOUNT = Decimal(1)


def check(submission_ids) -> int:
    """Tell the milestones these videos and their creators reached; returns how many were new.
    Writes in the caller's transaction (the caller commits)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return 0
    with db.session.no_autoflush:  # read what is stored; the caller's pending rows stay pending
        videos = db.session.execute(
            select(Submission.id, Submission.creator_id, Submission.current_views,
                   Submission.caption, Submission.video_id)
            .where(Submission.id.in_(ids), Submission.status == APPROVED)).all()
        told = _views_milestones(videos) + _first_rupiah({v.creator_id for v in videos})
    return told


def highest_reached(views: int | None) -> int | None:
    return max((t for t in THRESHOLDS if (views or 0) >= t), default=None)


def _views_milestones(videos) -> int:
    reached = {v.id: highest_reached(v.current_views) for v in videos}
    # Told already: this milestone or a higher one (after a drop, a lower one is no news).
    wanted = {f"{video_id}:{t}" for video_id, top in reached.items() if top
              for t in THRESHOLDS if t >= top}
    done = {key for _, key in services.existing_keys(
        [v.creator_id for v in videos], MILESTONE_VIEWS, wanted)}
    told = 0
    for video in videos:
        top = reached[video.id]
        if not top or any(f"{video.id}:{t}" in done for t in THRESHOLDS if t >= top):
            continue
        if services.notify(video.creator_id, MILESTONE_VIEWS, f"{video.id}:{top}",
                           {"views": top, "submission_id": video.id, "caption": video.caption,
                            "video_id": video.video_id},
                           links.path_for("submissions.detail", submission_id=video.id)):
            told += 1
    return told


def _first_rupiah(creator_ids: set[int]) -> int:
    done = {user_id for user_id, _ in services.existing_keys(creator_ids, FIRST_RUPIAH,
                                                               ["first"])}
    waiting = creator_ids - done
    if not waiting:
        return 0
    # What each creator has earned: every video's credited views at its rate, exactly what
    # its credits (and rate adjustments) add up to in the ledger.
    earned: dict[int, Decimal] = dict.fromkeys(waiting, Decimal(0))
    for creator_id, views, rate in db.session.execute(
            select(Submission.creator_id, Submission.credited_views, Submission.rate)
            .where(Submission.creator_id.in_(waiting), Submission.rate.is_not(None))):
        earned[creator_id] += earnings(views or 0, rate)
    told = 0
    for creator_id, amount in sorted(earned.items()):
        if amount >= FIRST_AMOUNT and services.notify(
                creator_id, FIRST_RUPIAH, "first", {"amount": str(amount)},
                links.path_for("earnings.index")):
            told += 1
    return told
