"""A page of videos' counts over time and their open flags, for the creator's video cards:
one query each for the whole page, so a page costs the same for 5 or 5.000 videos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.submissions.models import Submission
from webapp.tracking.flags import shown_kind
from webapp.tracking.models import OK, OPEN, Flag, ViewSnapshot


def view_history(creator_id: int, submission_ids, since: datetime | None = None
                 ) -> dict[int, list[tuple[datetime, int]]]:
    """Counts taken (held, dismissed and proposed ones left out), oldest first per video;
    only the creator's own videos answer."""
    ids = list(submission_ids)
    if not ids:
        return {}
    query = (select(ViewSnapshot.submission_id, ViewSnapshot.fetched_at, ViewSnapshot.views)
             .join(Submission, Submission.id == ViewSnapshot.submission_id)
             .where(ViewSnapshot.submission_id.in_(ids), ViewSnapshot.state == OK,
                    Submission.creator_id == creator_id)
             .order_by(ViewSnapshot.submission_id, ViewSnapshot.fetched_at, ViewSnapshot.id))
    if since is not None:
        query = query.where(ViewSnapshot.fetched_at >= since)
    history: dict[int, list[tuple[datetime, int]]] = {i: [] for i in ids}
    for submission_id, at, views in db.session.execute(query):
        history[submission_id].append((at, views))
    return history


def open_holds(creator_id: int, submission_ids) -> dict[int, set[str]]:
    ids = list(submission_ids)
    holds: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for submission_id, kind, evidence in db.session.execute(
                select(Flag.submission_id, Flag.kind, Flag.evidence).where(
                    Flag.submission_id.in_(ids), Flag.creator_id == creator_id,
                    Flag.status == OPEN)):
            holds[submission_id].add(shown_kind(kind, evidence))
    return holds
