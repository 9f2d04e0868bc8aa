"""Sending one outbox row (the body of jobs.mail.send): attempt counted first, sent, marked."""
from email.message import EmailMessage
import smtplib
from email.utils import formataddr, parseaddr

from flask import current_app

from webapp.extensions import db
from webapp.notifications import smtp
from webapp.notifications.models import SMTP, OutboxMail
from webapp.timeutil import aware, utcnow


class MailNotSent(RuntimeError):
    """The server refused or could not be reached; RQ retries the job with backoff."""


def deliver(mail_id: int) -> str:
    """Send the mail unless it was sent already (a repeated job sends nothing twice)."""
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        return "no such mail"
    if mail.sent_at is not None:
        return "already sent"
    if mail.delivery != SMTP or not current_app.config["MAIL_URL"]:
        return "kept in the outbox"
    # Counted before trying: an attempt that kills the worker still shows on /admin/outbox.
    mail.attempts += 1
    mail.last_attempt_at = utcnow()
    db.session.commit()
    try:
        smtp.send(smtp.SmtpSettings.from_url(current_app.config["MAIL_URL"]), message_of(mail))
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        db.session.commit()
        raise MailNotSent(f"mail {mail_id} not sent: {mail.last_error}") from exc
    mail.sent_at, mail.last_error = utcnow(), None
    db.session.commit()
    return "sent"


def message_of(mail: OutboxMail) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    name, address = parseaddr(sender)
    message = EmailMessage()
    message["From"] = formataddr((name, address)) if address else sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    # One id per row: a mail sent twice (a worker killed after the server took it) reads as
    # the same message to the recipient's mail program.
    domain = address.rpartition("@")[2] or "viewpay.local"
    stamp = int(aware(mail.created_at).timestamp())
    message["Message-ID"] = f"<outbox-{mail.id}-{stamp}@{domain}>"
    message.set_content(mail.text_body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
    return message
