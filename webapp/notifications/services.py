"""Recording notifications once, reading them, and each user's e-mail choice.

`notify` writes in the caller's transaction: news sent inside another area's transaction (a
flag raised during a refresh) commits with it or not at all; news sent after a commit is
recorded by the listener, which commits it (webapp.notifications.listeners).
"""
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webapp.auth.models import User
from webapp.extensions import db
from webapp.notifications import mails
from webapp.notifications.models import Notification, NotificationSetting
from webapp.timeutil import utcnow

PER_PAGE = 20


def notify(user_id: int, kind: str, key: str, params: dict, link: str | None = None) -> int | None:
    """Record `kind` for the user once per `key` and queue its mail if they want mail; the new
    notification's id, or None when it was recorded before (a retried job, a repeated count).

    INSERT ... ON CONFLICT DO NOTHING on the unique (user, kind, key): a repeat neither fails
    nor aborts the caller's transaction, and two workers racing record it once."""
    table = Notification.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table)
                 .values(user_id=user_id, kind=kind, key=key[:100], params=params, link=link,
                         created_at=utcnow())
                 .on_conflict_do_nothing(index_elements=["user_id", "kind", "key"])
                 .returning(table.c.id))
    # Only these rows are written here: the caller's pending ones flush when it commits (a
    # racing flag's IntegrityError stays where the caller catches it).
    with db.session.no_autoflush:
        new_id = db.session.execute(statement).scalar()
        if new_id is not None and wants_email(user_id):
            mails.queue_notification(db.session.get(User, user_id), kind, params, link)
    return new_id


def existing_keys(user_ids, kind: str, keys) -> set[tuple[int, str]]:
    """(user id, key) of the given ones already recorded: asked first, so a refresh of many
    videos past their milestones writes nothing."""
    user_ids, keys = list(set(user_ids)), list(set(keys))
    if not user_ids or not keys:
        return set()
    rows = db.session.execute(select(Notification.user_id, Notification.key).where(
        Notification.user_id.in_(user_ids), Notification.kind == kind,
        Notification.key.in_(keys)))
    return {(user_id, key) for user_id, key in rows}


def page(user_id: int, page_number: int = 1):
    """The user's notifications, newest first."""
    query = (select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return db.paginate(query, page=page_number, per_page=PER_PAGE, error_out=False)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def bell_state(user_id: int) -> tuple[int, str]:
    """The unread count and an ETag that changes whenever the bell would, in one query."""
    unread, newest = db.session.execute(
        select(func.count(Notification.id).filter(Notification.read_at.is_(None)),
               func.max(Notification.id))
        .where(Notification.user_id == user_id)).one()
    return int(unread), f"bell-{user_id}-{unread}-{newest or 0}"


def open_one(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; None when it is not theirs (or gone)."""
    found = db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))
    if found is not None and found.read_at is None:
        found.read_at = utcnow()
        db.session.commit()
    return found


def mark_all_read(user_id: int) -> int:
    """Every unread notification of the user becomes read; returns how many."""
    done = db.session.execute(
        update(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount


def wants_email(user_id: int) -> bool:
    chosen = db.session.get(NotificationSetting, user_id)
    return True if chosen is None else chosen.email


def set_email(user_id: int, enabled: bool) -> None:
    chosen = db.session.get(NotificationSetting, user_id)
    if chosen is None:
        db.session.add(NotificationSetting(user_id=user_id, email=enabled))
    else:
        chosen.email = enabled
    db.session.commit()
