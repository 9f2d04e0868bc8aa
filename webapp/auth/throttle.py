"""Login throttling on the app's Redis (the embedded one too), so every web process counts
together: failed logins per client IP and per email, over a fixed window.

At the limit every attempt gets the same answer, a right password included, until the window
that the first failure opened ends; the email is counted whether or not it has an account.
"""
import hashlib
import os

from flask import current_app

from webapp.extensions import jobqueue


def _keys(ip: str, email: str) -> tuple[str, str]:
    account = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    return f"viewpay:login:ip:{ip}", f"viewpay:login:account:{account}"


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["LOGIN_MAX_FAILURES_PER_IP"], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]


def locked_for(ip: str, email: str) -> int:
    """Seconds until this IP or this email may try again; 0 when they may try now."""
    redis = jobqueue.connection
    keys = _keys(ip, email)
    waits = [max(redis.ttl(key), 1) for key, count, limit
             in zip(keys, redis.mget(keys), _limits()) if count and int(count) >= limit]
    return max(waits, default=0)


def failed(ip: str, email: str) -> None:
    """Count a failed attempt; the first failure of a window starts its clock."""
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    with jobqueue.connection.pipeline() as pipe:  # MULTI: the counter and its expiry together
        for key in _keys(ip, email):
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incr(key)
        pipe.execute()


def succeeded(ip: str, email: str) -> None:
    """The account's own count starts again (the IP's does not: one IP may try many emails)."""
    jobqueue.connection.delete(_keys(ip, email)[1])


def limiter_storage_uri(app) -> str:
    """Flask-Limiter's storage: the app's Redis, also when it is the embedded server (its unix
    socket), so that gunicorn workers share one count instead of one each in memory."""
    if app.config.get("RATELIMIT_STORAGE_URI"):
        return app.config["RATELIMIT_STORAGE_URI"]
    if app.config.get("REDIS_URL"):
        return app.config["REDIS_URL"]
    if app.config.get("RATELIMIT_ENABLED", True):
        # Flask-Limiter connects lazily and never starts the embedded server: make sure it
        # runs before the limiter's own before_request hook (registered after this one).
        app.before_request_funcs.setdefault(None, []).insert(0, _embedded_redis_up)
    return "redis+unix://" + os.path.join(app.instance_path, "redis.sock")


def _embedded_redis_up() -> None:
    jobqueue.connection  # noqa: B018  (starts or joins the embedded server once per process)
