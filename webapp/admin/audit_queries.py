"""Read-only queries for the audit page: filtered events, newest first, and whom each was about.

Older events (and some services) record only their subject ("submission" 12, "payout" 3), not the
creator_id / submission_id columns, so both the filters and the display also follow the subject."""
import re
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, false, func, or_, select

from webapp.admin.audit_details import detail_items
from webapp.audit.models import AuditEvent
from webapp.auth.models import ADMIN, User
from webapp.earnings.models import BankAccount, Payout
from webapp.extensions import db
from webapp.submissions.models import Submission

SYSTEM = "system"
_TIKTOK_ID_IN_URL = re.compile(r"/video/([0-9]+)")
_NUMBER = re.compile(r"[0-9]{1,24}")
_MAX_SUBMISSION_ID_DIGITS = 9  # fits PostgreSQL's integer; longer numbers are TikTok ids
_MAX_FILTER_CHARS = 300


@dataclass(frozen=True)
class Filters:
    actor: str = ""  # an email, or "system" for events with no actor
    creator: str = ""  # the creator's email
    video: str = ""  # a TikTok video id (or its URL), or a submission id
    kind: str = ""  # an action code

    @classmethod
    def from_args(cls, args) -> "Filters":
        return cls(**{name: (args.get(name) or "").strip()[:_MAX_FILTER_CHARS]
                      for name in ("actor", "creator", "video", "kind")})

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for links that keep them (pagination)."""
        return {k: v for k, v in vars(self).items() if v}

    def conditions(self) -> list:
        found = []
        if self.actor:
            found.append(AuditEvent.actor_id.is_(None) if self.actor.lower() == SYSTEM
                         else AuditEvent.actor_id.in_(_user_ids(self.actor)))
        if self.creator:
            found.append(_about_creator(_user_ids(self.creator)))
        if self.video:
            found.append(_about_video(self.video))
        if self.kind:
            found.append(AuditEvent.action == self.kind)
        return found


def _user_ids(email: str):
    return select(User.id).where(func.lower(User.email) == email.lower())


def _ids_as_text(column, *where):
    return select(cast(column, String)).where(*where)


def _about_submissions(*where):
    """Events about the submissions matching `where`, by column or by subject."""
    return or_(AuditEvent.submission_id.in_(select(Submission.id).where(*where)),
               and_(AuditEvent.subject_type == "submission",
                    AuditEvent.subject_id.in_(_ids_as_text(Submission.id, *where))))


def _about_creator(user_ids):
    return or_(
        AuditEvent.creator_id.in_(user_ids),
        _about_submissions(Submission.creator_id.in_(user_ids)),
        and_(AuditEvent.subject_type == "payout",
             AuditEvent.subject_id.in_(_ids_as_text(Payout.id, Payout.creator_id.in_(user_ids)))),
        and_(AuditEvent.subject_type == "bank_account",
             AuditEvent.subject_id.in_(_ids_as_text(BankAccount.id,
                                                    BankAccount.creator_id.in_(user_ids)))),
    )


def _about_video(raw: str):
    in_url = _TIKTOK_ID_IN_URL.search(raw)
    value = in_url.group(1) if in_url else raw
    if not _NUMBER.fullmatch(value):
        return false()
    matches = [Submission.video_id == value]
    if len(value) <= _MAX_SUBMISSION_ID_DIGITS:
        matches.append(Submission.id == int(value))
    return _about_submissions(or_(*matches))


def events(filters: Filters, page: int = 1, per_page: int = 50):
    """Matching events, newest first; ordered by id, so pages never shift or repeat."""
    query = select(AuditEvent).where(*filters.conditions()).order_by(AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=per_page, max_per_page=per_page,
                       error_out=False)


def admin_emails() -> list[str]:
    """For the actor filter's suggestions."""
    return list(db.session.scalars(select(User.email).where(User.role == ADMIN)
                                   .order_by(User.email)))


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    actor: User | None
    creator: User | None
    submission: Submission | None
    detail: list[tuple[str, str]]


def describe(items: list[AuditEvent]) -> list[Row]:
    """Each event with its actor, creator and video loaded (a few queries per page, not per row)."""
    sub_ids = {e: _submission_id(e) for e in items}
    subs = _by_id(Submission, {i for i in sub_ids.values() if i})
    payout_owner = _owners(Payout, items, "payout")
    account_owner = _owners(BankAccount, items, "bank_account")
    creator_ids = {}
    for e in items:
        sub = subs.get(sub_ids[e])
        creator_ids[e] = (e.creator_id or (sub.creator_id if sub else None)
                          or payout_owner.get(e.subject_id) or account_owner.get(e.subject_id))
    users = _by_id(User, {e.actor_id for e in items} | set(creator_ids.values()))
    return [Row(e, users.get(e.actor_id), users.get(creator_ids[e]), subs.get(sub_ids[e]),
                detail_items(e.detail)) for e in items]


def _submission_id(event: AuditEvent) -> int | None:
    if event.submission_id:
        return event.submission_id
    if event.subject_type == "submission" and _NUMBER.fullmatch(event.subject_id):
        return int(event.subject_id)
    return None


def _by_id(model, ids: set) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _owners(model, items: list[AuditEvent], subject_type: str) -> dict[str, int]:
    """subject_id (text) -> creator id, for events whose subject is a `model` row."""
    ids = {int(e.subject_id) for e in items
           if e.subject_type == subject_type and _NUMBER.fullmatch(e.subject_id)}
    if not ids:
        return {}
    rows = db.session.execute(select(model.id, model.creator_id).where(model.id.in_(ids)))
    return {str(pk): owner for pk, owner in rows}
