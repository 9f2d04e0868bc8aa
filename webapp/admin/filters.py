"""The filters and search of the admin lists (review queue, tracked videos), as SQL clauses.

They come from GET parameters, so a filtered list is a link an admin can bookmark or share; a
value that is not one of the choices is dropped (an old bookmark still shows a list).
"""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select

from webapp.auth.models import User
from webapp.submissions.models import (APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS,
                                       PENDING_REVIEW, REJECTED, REVIEWABLE, SUPERSEDED,
                                       Submission)
from webapp.tiktok.errors import InvalidUrl
from webapp.tiktok.urls import parse_url
from webapp.tracking.models import FLAG_KINDS, OK, OPEN, Flag, ViewSnapshot

# status filter of the review queue -> the statuses it shows (None: all of them)
QUEUE_STATUSES = {
    "review": REVIEWABLE, PENDING_REVIEW: (PENDING_REVIEW,), NOT_YOURS: (NOT_YOURS,),
    NOT_FOUND: (NOT_FOUND,), CHECK_FAILED: (CHECK_FAILED,), CHECKING: (CHECKING,),
    APPROVED: (APPROVED,), REJECTED: (REJECTED,), SUPERSEDED: (SUPERSEDED,), "all": None,
}
QUEUE_STATUS_LABELS = {"review": _l("Needs a decision"), "all": _l("Every status")}
FLAGS = ("any", *FLAG_KINDS)
# The flag filter's own choices ("" and "any" stay the URL values: bookmarks use them); the
# kinds are named by their flag labels.
FLAG_FILTER_LABELS = {"": _l("All videos"), "any": _l("Any open flag")}
SOURCES = ("display", "page", "oembed", "manual", "extension")
SEARCH_MAX = 100
_DIGITS = re.compile(r"[0-9]{1,19}")
FULL_ID_DIGITS = 15  # fewer digits: the tail of an id as the lists show it ("…4567890")


@dataclass(frozen=True)
class Filters:
    status: str = "review"
    flag: str = ""
    source: str = ""
    creator: int | None = None
    q: str = ""

    def args(self, **changes) -> dict:
        """The non-default filters as GET parameters (for links that keep them)."""
        values = {"status": self.status if self.status != "review" else None,
                  "flag": self.flag, "source": self.source, "creator": self.creator,
                  "q": self.q, **changes}
        return {key: value for key, value in values.items() if value}

    @property
    def narrowed(self) -> bool:
        return bool(self.flag or self.source or self.creator or self.q)


def where(query, filters: Filters, statuses=None):
    """`query` (a select of Submission) narrowed by the filters and the search."""
    if statuses is not None:
        query = query.where(Submission.status.in_(statuses))
    if filters.flag:
        query = query.where(_has_open_flag(filters.flag))
    if filters.source:
        query = query.where(_counted_by(filters.source))
    if filters.creator:
        query = query.where(Submission.creator_id == filters.creator)
    if filters.q:
        query = query.where(_matches(filters.q))
    return query


def _has_open_flag(kind: str):
    clause = and_(Flag.submission_id == Submission.id, Flag.status == OPEN)
    if kind != "any":
        clause = and_(clause, Flag.kind == kind)
    return exists().where(clause)


def _counted_by(source: str):
    """The video's current count came from `source` (as listing.latest_sources reads it: a
    proposal, a held or a dismissed count is not the one shown). oEmbed gives no count: a video
    verified through it alone is verified and has no count at all."""
    current = and_(ViewSnapshot.submission_id == Submission.id, ViewSnapshot.state == OK)
    if source == "oembed":
        return and_(Submission.verified_at.is_not(None), ~exists().where(current))
    latest = (select(ViewSnapshot.source).where(current)
              .order_by(ViewSnapshot.id.desc()).limit(1).correlate(Submission).scalar_subquery())
    return latest == source


def _matches(q: str):
    """A pasted TikTok link or a full id: that video. Otherwise a handle (the creator's, or
    the author TikTok named), an email, or the last digits of an id."""
    video_id = _video_id_in(q)
    if video_id:
        return Submission.video_id == video_id
    text = q.lstrip("@").lower()
    prefix = _like_escape(text) + "%"
    creator = select(User.id).where(or_(func.lower(User.tiktok_handle).like(prefix, escape="\\"),
                                        func.lower(User.email).like(prefix, escape="\\")))
    clauses = [Submission.creator_id.in_(creator),
               func.lower(Submission.author_handle_seen).like(prefix, escape="\\")]
    if _DIGITS.fullmatch(text):
        clauses.append(Submission.video_id.like("%" + text))
    return or_(*clauses)


def _video_id_in(q: str) -> str | None:
    if _DIGITS.fullmatch(q) and len(q) >= FULL_ID_DIGITS:
        return q
    if "tiktok" not in q.lower() or "/" not in q:
        return None
    try:
        return parse_url(q).video_id  # a full link names its id; a short link needs the network
    except InvalidUrl:
        return None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
