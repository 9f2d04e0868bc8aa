"""Password reset by e-mail link: a signed token, no table.

The token carries the user's id, a fingerprint of their current password hash and when it was
made, signed with SECRET_KEY. It works for PASSWORD_RESET_HOURS, and only while the password
is unchanged: using it changes the password, so it works once, and a password changed in any
other way (or reset by another link) ends it too. Setting the new password ends every login of
the account.

Asking for a link answers the same whether or not the account exists; the lookup and the mail
happen in a job (jobs.mail.request_reset), so the answer takes as long for a stranger's email as
for a real one.
"""
import hashlib
import hmac
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from webapp.audit import services as audit
from webapp.auth import passwords, services, sessions, signals
from webapp.auth.errors import AuthError
from webapp.auth.models import CREATOR, User
from webapp.extensions import db, jobqueue

SALT = "viewpay-password-reset"
MAX_TOKEN_CHARS = 400  # ours are ~120; anything longer is not one


class ResetLinkInvalid(AuthError):
    """Expired, used, superseded by a password change, or never ours."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:24]


def make_token(user: User, issued_at: float | None = None) -> str:
    issued = int(time.time() if issued_at is None else issued_at)
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user.password_hash),
                                "t": issued})


def user_for_token(token: str, now: float | None = None) -> User:
    """The user whose password this link may reset; raises ResetLinkInvalid."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise ResetLinkInvalid("not a reset link")
    try:
        data = _serializer().loads(token)
        user_id, fingerprint, issued = int(data["u"]), str(data["p"]), float(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ResetLinkInvalid("not a reset link") from exc
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= current_app.config["PASSWORD_RESET_HOURS"] * 3600:
        raise ResetLinkInvalid("expired")
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(_fingerprint(user.password_hash), fingerprint):
        raise ResetLinkInvalid("used, or the password changed since")
    return user


def queue_request(email: str) -> None:
    """What the form does, for any email: the job decides whether there is anyone to mail."""
    email = (email or "").strip().lower()
    key = hashlib.sha256(email.encode()).hexdigest()[:32]
    jobqueue.enqueue("jobs.mail.request_reset", email, job_id=f"reset-{key}", timeout=60,
                     at_front=True)  # someone waits for it


def request_reset(email: str) -> bool:
    """Mail a reset link to the account with this email, if there is one (the job's work)."""
    user = services.find_by_email(email)
    if user is None:
        return False
    audit.record(None, "password_reset_requested", "user", user.id,
                 creator_id=user.id if user.role == CREATOR else None)
    signals.password_reset_requested.send(user.id, token=make_token(user))  # the mail
    db.session.commit()
    return True


def reset_password(token: str, new_password: str) -> User:
    """Set the new password once and end every login; raises ResetLinkInvalid or WeakPassword."""
    user = user_for_token(token)
    passwords.check(new_password, user.email)
    old_hash = user.password_hash
    # Guarded by the hash the link was checked against: of two tabs posting the same link at
    # once, one wins and the other finds the link used.
    moved = db.session.execute(
        update(User).where(User.id == user.id, User.password_hash == old_hash)
        .values(password_hash=generate_password_hash(new_password))
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.rollback()
        raise ResetLinkInvalid("used")
    sessions.end_all(user.id, commit=False)
    audit.record(user.id, "password_reset", "user", user.id,
                 creator_id=user.id if user.role == CREATOR else None)
    db.session.commit()
    db.session.expire(user)
    return user
