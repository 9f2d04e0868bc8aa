"""The outbox: every mail is a row before anything tries to send it, so none is lost.

With MAIL_URL set, a job (jobs.mail.send) sends each row over SMTP once its transaction has
committed (never inside a request or a money transaction, never before the row exists for the
worker to read), retries with backoff, and marks it sent. The periodic scan queues again what
is still unsent (its job was lost with Redis, or ran out of retries). Without MAIL_URL the row
is the delivery: admins read it at /admin/outbox.
"""
import logging
from datetime import timedelta

from flask import current_app
from rq import Retry
from sqlalchemy import event, insert, or_, select
from sqlalchemy.orm import Session

from webapp.extensions import db, jobqueue
from webapp.notifications.models import OUTBOX, SMTP, OutboxMail
from webapp.timeutil import utcnow

log = logging.getLogger(__name__)
SEND_JOB = "jobs.mail.send"
_TO_SEND = "viewpay.outbox.to_send"  # Session.info: rows to queue once they are committed
# About 3.5 hours of backoff; after that the periodic scan tries again for RESEND_WITHIN.
RETRY_INTERVALS = [30, 120, 600, 1800, 3600, 7200]
RESEND_WITHIN = timedelta(days=2)
RESEND_AFTER = timedelta(minutes=10)  # an attempt this recent may still be running


def delivery() -> str:
    return SMTP if current_app.config["MAIL_URL"] else OUTBOX


def add(user_id: int | None, kind: str, to: str, subject: str, text: str,
        html: str | None = None) -> int:
    """Store a mail in the caller's transaction; it is queued for sending after the commit."""
    how = delivery()
    table = OutboxMail.__table__
    with db.session.no_autoflush:
        mail_id = db.session.execute(insert(table).values(
            user_id=user_id, kind=kind, to_address=to, subject=subject[:300], text_body=text,
            html_body=html, delivery=how, created_at=utcnow(), attempts=0,
        ).returning(table.c.id)).scalar_one()
    if how == SMTP:
        db.session.info.setdefault(_TO_SEND, []).append(mail_id)
    return mail_id


def enqueue(mail_id: int) -> None:
    jobqueue.enqueue(SEND_JOB, mail_id, job_id=f"mail-{mail_id}", timeout=60, at_front=True,
                     retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS))


@event.listens_for(Session, "after_commit")
def _queue_committed(session) -> None:
    for mail_id in session.info.pop(_TO_SEND, None) or ():
        try:
            enqueue(mail_id)
        except Exception:  # noqa: BLE001 - the commit stands; the periodic scan queues it
            log.warning("could not queue mail %s; the periodic scan will", mail_id,
                        exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    session.info.pop(_TO_SEND, None)  # those rows no longer exist


def requeue_unsent(now=None) -> int:
    """Queue again every recent mail still unsent (the periodic scan); returns how many.
    A mail whose job still waits (a retry scheduled) is left to it: job ids are unique."""
    if delivery() != SMTP:
        return 0
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(OutboxMail.id).where(
            OutboxMail.delivery == SMTP, OutboxMail.sent_at.is_(None),
            OutboxMail.created_at >= now - RESEND_WITHIN,
            or_(OutboxMail.last_attempt_at.is_(None),
                OutboxMail.last_attempt_at <= now - RESEND_AFTER))
        .order_by(OutboxMail.id).limit(1000)))
    for mail_id in ids:
        enqueue(mail_id)
    return len(ids)


def recent(page_number: int = 1, per_page: int = 30):
    """The outbox for admins, newest first."""
    query = select(OutboxMail).order_by(OutboxMail.id.desc())
    return db.paginate(query, page=page_number, per_page=per_page, error_out=False)
