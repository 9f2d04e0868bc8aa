"""Mail: kept in the local outbox without MAIL_URL; with it, sent by a real RQ worker to a real
SMTP server (aiosmtpd, started here), retried while the server is down, never lost."""
import socket
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from tests import factories
from tests.conftest import run_worker
from webapp.extensions import db, jobqueue
from webapp.notifications import outbox
from webapp.notifications.models import OUTBOX, SMTP, OutboxMail
from webapp.notifications.smtp import SmtpSettings
from webapp.submissions import services as submissions


class Inbox:
    """An SMTP server's handler that keeps what it is given, and accepts one login."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.authenticated, envelope.rcpt_tos,
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def __call__(self, server, session, envelope, mechanism, auth_data):  # the authenticator
        ok = (auth_data.login, auth_data.password) == (b"viewpay", b"s3cret@pass")
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=inbox,
                        auth_require_tls=False)
    server.start()
    return server, inbox


@pytest.fixture
def smtp_port(app):
    port = free_port()
    # The password has an @: percent-encoded in the URL, as an operator would write it.
    app.config.update(MAIL_URL=f"smtp://viewpay:s3cret%40pass@127.0.0.1:{port}",
                      MAIL_FROM="ViewPay <no-reply@viewpay.example>",
                      PUBLIC_URL="https://viewpay.example")
    return port


def reject_a_video(sandbox, reason="Repost dari akun lain") -> dict:
    """Sari (reading English) has a video rejected: one notification, one mail."""
    tt = factories.tiktok_user(sandbox, "sari.dance")
    sari, admin = factories.creator(), factories.admin()
    sari.locale = "en"
    db.session.commit()
    factories.prove(sari, tt["user_id"])  # no identity flag: this one mail only
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    sub_id = submissions.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}").id
    submissions.verify(sub_id)
    submissions.reject(sub_id, admin.id, reason)
    return {"sub_id": sub_id, "sari": sari.id, "admin": admin.id}


def the_mail() -> OutboxMail:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMail)).one()


def test_without_mail_url_mail_stays_in_the_outbox_for_admins(app, sandbox, act):
    app.config["PUBLIC_URL"] = "https://viewpay.example"
    with app.app_context():
        made = reject_a_video(sandbox)
        mail = the_mail()
        assert (mail.delivery, mail.to_address, mail.sent_at) == (OUTBOX, "sari@example.com", None)
        assert mail.subject == "ViewPay: Video not approved"
        assert "Reason: Repost dari akun lain" in mail.text_body
        assert f"https://viewpay.example/submissions/{made['sub_id']}" in mail.text_body
        assert "https://viewpay.example/notifications/settings" in mail.html_body
        queued = jobqueue.queue.job_ids
        assert not [j for j in queued if j.startswith("mail-")]  # the row is the delivery
    act.login("sari@example.com")
    assert act.client.get("/admin/outbox").status_code == 403
    act.logout()
    act.login("admin@example.com")
    page = act.client.get("/admin/outbox").get_data(as_text=True)
    assert "ViewPay: Video not approved" in page and "sari@example.com" in page
    assert f'href="https://viewpay.example/submissions/{made["sub_id"]}"' in page
    operations = act.client.get("/admin/operations").get_data(as_text=True)
    assert 'href="/admin/outbox"' in operations


def test_with_mail_url_a_worker_sends_it_once(app, sandbox, smtp_port):
    server, inbox = start_server(smtp_port)
    try:
        with app.app_context():
            made = reject_a_video(sandbox)
            mail = the_mail()
            assert (mail.delivery, mail.attempts) == (SMTP, 0)  # stored, queued, not sent yet
        run_worker(app)
        assert len(inbox.messages) == 1
        authenticated, to, message = inbox.messages[0]
        assert authenticated and to == ["sari@example.com"]
        assert message["Subject"] == "ViewPay: Video not approved"
        assert message["From"] == "ViewPay <no-reply@viewpay.example>"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Reason: Repost dari akun lain" in text
        assert f"https://viewpay.example/submissions/{made['sub_id']}" in text
        assert 'href="https://viewpay.example/notifications/settings"' in html
        with app.app_context():
            mail = the_mail()
            assert mail.sent_at is not None and mail.attempts == 1 and mail.last_error is None
            assert message["Message-ID"].startswith(f"<outbox-{mail.id}-")
            outbox.enqueue(mail.id)  # a repeated job (the periodic scan, a retry) sends nothing
        run_worker(app)
        assert len(inbox.messages) == 1
    finally:
        server.stop()


def test_smtp_down_is_retried_with_backoff_and_never_lost(app, sandbox, smtp_port):
    with app.app_context():
        reject_a_video(sandbox)
        mail_id = the_mail().id
    run_worker(app)  # nothing listens on the port: refused
    with app.app_context():
        mail = the_mail()
        assert mail.sent_at is None and mail.attempts == 1
        assert "ConnectionRefusedError" in mail.last_error
        job = Job.fetch(f"mail-{mail_id}", connection=jobqueue.connection)
        assert job.get_status() == "scheduled"  # RQ tries again after the first interval
        assert job.retries_left == len(outbox.RETRY_INTERVALS) - 1
        registry = ScheduledJobRegistry(queue=jobqueue.queue)
        assert registry.get_scheduled_time(job) > datetime.now(timezone.utc)

    server, inbox = start_server(smtp_port)  # the server is back
    try:
        with app.app_context():  # ... and the retry's time has come
            registry.schedule(job, datetime.now(timezone.utc))
        from jobs.worker import make_worker

        make_worker(app).work(burst=True, with_scheduler=True)
        assert len(inbox.messages) == 1
        with app.app_context():
            mail = the_mail()
            assert mail.sent_at is not None and mail.attempts == 2 and mail.last_error is None
    finally:
        server.stop()


def test_a_mail_whose_job_was_lost_is_sent_by_the_periodic_scan(app, sandbox, smtp_port):
    server, inbox = start_server(smtp_port)
    try:
        with app.app_context():
            reject_a_video(sandbox)
            jobqueue.connection.flushdb()  # Redis lost the job (a restart without persistence)
            from webapp.tracking.scheduling import enqueue_due_refreshes

            enqueue_due_refreshes()  # the periodic scan: it queues unsent mail again
        run_worker(app)
        assert len(inbox.messages) == 1
        with app.app_context():
            assert the_mail().sent_at is not None
    finally:
        server.stop()


def test_a_password_reset_mail_is_in_the_users_language(app, sandbox, smtp_port):
    server, inbox = start_server(smtp_port)
    try:
        with app.app_context():
            user = factories.creator()
            user.locale = "en"  # the mail is in her language, whoever asked
            db.session.commit()
            from webapp.auth import reset

            reset.queue_request("  Sari@Example.com ")
        run_worker(app)  # the request job writes the mail; its send job sends it
        (_, to, message), = inbox.messages
        assert to == ["sari@example.com"] and message["Subject"] == "ViewPay: reset your password"
        assert "https://viewpay.example/password/reset/" in message.get_body(
            ("plain",)).get_content()
    finally:
        server.stop()


@pytest.mark.parametrize("url, expected", [
    ("smtp://relay.local", ("smtp", "relay.local", 25, None, None)),
    ("smtp+starttls://me%40x.id:p%40ss@mail.x.id", ("smtp+starttls", "mail.x.id", 587, "me@x.id",
                                                   "p@ss")),
    ("smtps://u:p@smtp.x.id:2465", ("smtps", "smtp.x.id", 2465, "u", "p")),
])
def test_mail_url_forms(url, expected):
    parsed = SmtpSettings.from_url(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.password) == expected
    assert "p@ss" not in repr(parsed) and ":p@" not in repr(parsed)


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://x:notaport", ""])
def test_bad_mail_urls_are_refused_in_words(url):
    with pytest.raises(ValueError, match="MAIL_URL"):
        SmtpSettings.from_url(url)
