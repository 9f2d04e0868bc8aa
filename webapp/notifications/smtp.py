"""MAIL_URL and the SMTP conversation (the standard library's smtplib; no other dependency).

smtp://user:pass@host:port            plain, port 25 by default (a local relay)
smtp+starttls://user:pass@host:port   upgraded with STARTTLS, port 587 by default
smtps://user:pass@host:port           TLS from the first byte, port 465 by default
The user and password may be percent-encoded (an @ in a password is %40).
"""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> "SmtpSettings":
        parts = urlsplit(url or "")
        scheme = parts.scheme.lower()
        if scheme not in PORTS:
            raise ValueError("MAIL_URL must start with smtp://, smtp+starttls:// or smtps://")
        try:
            port = parts.port or PORTS[scheme]
        except ValueError as exc:
            raise ValueError("MAIL_URL has a port that is not a number") from exc
        if not parts.hostname:
            raise ValueError("MAIL_URL names no host")
        return cls(scheme, parts.hostname, port,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)

    def __repr__(self) -> str:  # never log the password
        return f"SmtpSettings({self.scheme}://{self.username or ''}@{self.host}:{self.port})"


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the server; raises smtplib.SMTPException or OSError on failure."""
    context = ssl.create_default_context()
    if settings.scheme == "smtps":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with client:
        if settings.scheme == "smtp+starttls":
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
