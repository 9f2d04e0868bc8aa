"""What storing a batch of counts needs to know about its videos, read in a few queries.

record_snapshot asks, per video, for the video and its creator, the latest manual entry (the
count-mismatch rule), the trusted counts of the spike rule's window, and which flags are open
or were cleared. A refresh batch asks once for all its videos (in the transaction that then
writes them), instead of a few queries per video.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.timeutil import aware
from webapp.tracking.flags import evidence_dict
from webapp.tracking.models import CLEARED, CONFIRMED, OPEN, OK, Flag, ViewSnapshot
from webapp.tracking.rules import Point

MANUAL_SOURCES = ("manual", "extension")


@dataclass
class BatchContext:
    manual: dict[int, ViewSnapshot] = field(default_factory=dict)
    points: dict[int, list[Point]] = field(default_factory=dict)
    flags: dict[int, list[tuple[str, str, datetime]]] = field(default_factory=dict)
    # (video, kind) -> the evidence of its latest flag of that kind an admin confirmed
    confirmed: dict[tuple[int, str], dict] = field(default_factory=dict)
    # The videos and their creators, in the session for db.session.get; held here because the
    # session only holds unchanged objects weakly.
    videos: list[Submission] = field(default_factory=list)

    @classmethod
    def load(cls, submission_ids: list[int], now: datetime) -> BatchContext:
        known = cls()
        if not submission_ids:
            return known
        known.videos = list(db.session.scalars(
            select(Submission).where(Submission.id.in_(submission_ids))
            .options(selectinload(Submission.creator))))
        for snap in db.session.scalars(
                select(ViewSnapshot).where(ViewSnapshot.submission_id.in_(submission_ids),
                                           ViewSnapshot.state == OK,
                                           ViewSnapshot.source.in_(MANUAL_SOURCES))
                .order_by(ViewSnapshot.id)):
            known.manual[snap.submission_id] = snap  # the latest wins
        known.points = _points(submission_ids, now)
        rows = db.session.execute(select(Flag.submission_id, Flag.kind, Flag.status,
                                         Flag.created_at, Flag.evidence)
                                  .where(Flag.submission_id.in_(submission_ids))
                                  .order_by(Flag.id))
        for sub_id, kind, status, created_at, evidence in rows:
            known.flags.setdefault(sub_id, []).append((kind, status, aware(created_at)))
            if status == CONFIRMED:  # the latest wins
                known.confirmed[(sub_id, kind)] = evidence_dict(evidence)
        return known

    def latest_manual(self, submission_id: int) -> ViewSnapshot | None:
        return self.manual.get(submission_id)

    def trusted_points(self, submission_id: int) -> list[Point]:
        return self.points.get(submission_id, [])

    def has_open(self, submission_id: int, kinds) -> bool:
        return any(status == OPEN and kind in kinds
                   for kind, status, _ in self.flags.get(submission_id, ()))

    def confirmed_evidence(self, submission_id: int, kind: str) -> dict | None:
        return self.confirmed.get((submission_id, kind))

    def was_cleared(self, submission_id: int, kind: str, since: datetime | None = None) -> bool:
        since = aware(since)
        return any(k == kind and status == CLEARED and (since is None or created >= since)
                   for k, status, created in self.flags.get(submission_id, ()))


def _points(submission_ids: list[int], now: datetime) -> dict[int, list[Point]]:
    """Each video's ok counts of the spike rule's trailing window (plus the day before it),
    or its newest ok count when it has none in the window (a slow video)."""
    window = timedelta(hours=current_app.config["SPIKE_TRAILING_HOURS"] + 24)
    points: dict[int, list[Point]] = defaultdict(list)
    for sub_id, at, views in db.session.execute(
            select(ViewSnapshot.submission_id, ViewSnapshot.fetched_at, ViewSnapshot.views)
            .where(ViewSnapshot.submission_id.in_(submission_ids), ViewSnapshot.state == OK,
                   ViewSnapshot.fetched_at >= now - window)
            .order_by(ViewSnapshot.id)):
        points[sub_id].append(Point(aware(at), views))
    missing = [sub_id for sub_id in submission_ids if sub_id not in points]
    if missing:
        newest = (select(func.max(ViewSnapshot.id)).where(
            ViewSnapshot.submission_id.in_(missing), ViewSnapshot.state == OK)
            .group_by(ViewSnapshot.submission_id))
        for sub_id, at, views in db.session.execute(
                select(ViewSnapshot.submission_id, ViewSnapshot.fetched_at, ViewSnapshot.views)
                .where(ViewSnapshot.id.in_(newest))):
            points[sub_id].append(Point(aware(at), views))
    return dict(points)
