"""Response headers that make the browser enforce our rules, and owner-only files in instance/.

A few lines instead of a library: the policy depends on one setting (TikTok's sign-in host), and
the test client must keep working over plain HTTP.
"""
import functools
import os
import stat
from urllib.parse import urlsplit

from flask import Flask, current_app

HSTS = "max-age=31536000"  # no includeSubDomains: the operator's other hosts are not ours to pin


@functools.lru_cache(maxsize=8)  # one setting, the same answer on every response
def content_security_policy(tiktok_web_base: str) -> str:
    """Scripts and styles only from our own files (htmx runs with allowEval false, no inline
    handlers or styles anywhere); forms may also go to TikTok, because "Connect TikTok" is a
    form POST answered with a redirect to TikTok's consent page."""
    tiktok = urlsplit(tiktok_web_base)
    form_action = "'self'"
    if tiktok.scheme in ("http", "https") and tiktok.netloc:
        form_action += f" {tiktok.scheme}://{tiktok.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        f"form-action {form_action}",
    ])


def _headers(config) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", content_security_policy(config["TIKTOK_WEB_BASE"])),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),  # frame-ancestors, for browsers without CSP 2
        ("Referrer-Policy", "same-origin"),  # OAuth codes and ids stay home
    ]
    if config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS: tell browsers to stay there
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def _set_headers(response):
    # A view may have set its own (a stricter CSP, say): each is added only where missing.
    present = {name.lower() for name in response.headers.keys()}
    for name, value in _headers(current_app.config):
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)


def restrict_instance_dir(path: str) -> None:
    """instance/ holds the database, the secret key and Redis's dump: the owner's eyes only.

    The umask covers what this process and its children (SQLite's -wal/-shm, redis-server's
    dump) create from now on; the chmods fix what an earlier, laxer setup left behind."""
    os.umask(os.umask(0o077) | 0o077)
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    with os.scandir(path) as entries:
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISREG(mode) or stat.S_ISSOCK(mode):
                os.chmod(entry.path, 0o600)
            elif stat.S_ISDIR(mode):
                os.chmod(entry.path, 0o700)
