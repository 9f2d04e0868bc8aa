"""Which passwords we refuse: short ones, the commonest ones (English and Indonesian, also with
digits or symbols added at the end, as in "sayang123"), and ones containing the email's name.

Applied where a person chooses a password: sign-up, password change, the `users create-*`
commands. `check` raises WeakPassword; its `code` picks the translated message in forms.
"""
import functools
import os
import re

from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.errors import AuthError

MIN_LENGTH = 8
_LIST = os.path.join(os.path.dirname(__file__), "common_passwords.txt")
_TAIL = re.compile(r"[\d\W_]+$")


class WeakPassword(AuthError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


@functools.cache
def _common() -> frozenset[str]:
    with open(_LIST, encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f
                         if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    lowered = password.lower()
    stem = _TAIL.sub("", lowered)
    return lowered in _common() or (len(stem) >= 4 and stem in _common())


def email_name(email: str) -> str:
    """The part of an address people reuse in passwords ("sari.dewi" of sari.dewi+tt@x.id)."""
    return (email or "").strip().lower().split("@")[0].split("+")[0]


def check(password: str, email: str) -> None:
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password needs at least {MIN_LENGTH} characters.", "short")
    if is_common(password):
        raise WeakPassword("This password is one of the most common ones; choose another.",
                           "common")
    name = email_name(email)
    if len(name) >= 3 and name in password.lower():
        raise WeakPassword("The password must not contain the name of your email address.",
                           "contains_email")


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password anyone has")


def spend_hash_time(password: str) -> None:
    """Cost what checking a real password costs (an unknown email must not answer faster)."""
    check_password_hash(_dummy_hash(), password or "")
