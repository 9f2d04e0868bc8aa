"""Mail: sending an outbox row, and a password-reset request (thin; sending twice sends once)."""
from jobs.context import app_context


def send(mail_id: int) -> str:
    """Send one outbox mail over SMTP; raises while the server fails, so RQ retries it."""
    from webapp.notifications.sending import deliver

    with app_context():
        return deliver(mail_id)


def request_reset(email: str) -> str:
    """Mail a reset link if an account has this email (the form answers the same either way)."""
    from webapp.auth.reset import request_reset as request

    with app_context():
        return "mailed" if request(email) else "no such account"
