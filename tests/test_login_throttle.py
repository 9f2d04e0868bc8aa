"""Login throttling on the app's real Redis: per IP and per account, the same answer for a right
password during a lock-out, one message for an unknown email and a wrong password, and the
same time for both."""
import re
import statistics
import time
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import _make_app, csrf_token
from webapp.extensions import db, jobqueue

PASSWORD = "password123"


@pytest.fixture
def people(app):
    with app.app_context():
        factories.creator()
        factories.creator("budi@example.com", "budi_masak")
    app.config.update(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_IP=100,
                      LOGIN_WINDOW_SECONDS=60)


def attempt(client, email, password, ip="203.0.113.7"):
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    return client.post("/login", environ_base={"REMOTE_ADDR": ip}, data={
        "email": email, "password": password, "csrf_token": csrf_token(client)})


def error(response) -> str:
    return " ".join(re.findall(r'<p class="error" role="alert">([^<]*)</p>',
                               response.get_data(as_text=True)))


def lock_out(app, email, ip="203.0.113.7", times=3):
    for _ in range(times):
        assert attempt(app.test_client(), email, "wrong-guess", ip).status_code == 422


def test_an_account_is_locked_after_failures_even_for_the_right_password(app, people):
    lock_out(app, "sari@example.com")
    for ip in ("203.0.113.7", "198.51.100.9"):  # per account: another address does not help
        response = attempt(app.test_client(), "sari@example.com", PASSWORD, ip)
        assert response.status_code == 429
        assert error(response) == "Too many failed attempts. Try again in 1 minute."
    wrong = attempt(app.test_client(), "sari@example.com", "wrong-guess")
    assert (wrong.status_code, error(wrong)) == (429, error(response))  # no oracle either way
    assert attempt(app.test_client(), "budi@example.com", PASSWORD).status_code == 302


def test_the_lock_out_ends_with_its_window(app, people):
    app.config["LOGIN_WINDOW_SECONDS"] = 1
    lock_out(app, "sari@example.com")
    assert attempt(app.test_client(), "sari@example.com", PASSWORD).status_code == 429
    time.sleep(1.2)
    assert attempt(app.test_client(), "sari@example.com", PASSWORD).status_code == 302


def test_an_address_is_locked_after_failures_on_any_emails(app, people):
    app.config.update(LOGIN_MAX_FAILURES_PER_ACCOUNT=100, LOGIN_MAX_FAILURES_PER_IP=3)
    for email in ("a@example.com", "b@example.com", "c@example.com"):  # unknown ones count too
        assert attempt(app.test_client(), email, "guess", "192.0.2.50").status_code == 422
    assert attempt(app.test_client(), "sari@example.com", PASSWORD, "192.0.2.50").status_code == 429
    assert attempt(app.test_client(), "sari@example.com", PASSWORD, "192.0.2.51").status_code == 302


def test_an_unknown_email_counts_like_a_known_one(app, people):
    lock_out(app, "nobody@example.com")
    assert attempt(app.test_client(), "nobody@example.com", "x").status_code == 429


def test_a_success_clears_the_accounts_count(app, people):
    lock_out(app, "sari@example.com", times=2)
    assert attempt(app.test_client(), "sari@example.com", PASSWORD).status_code == 302
    lock_out(app, "sari@example.com", times=2)
    assert attempt(app.test_client(), "sari@example.com", PASSWORD).status_code == 302


def test_every_web_process_counts_together_on_redis(app, people, sandbox):
    """A second app (another gunicorn worker) on the same Redis sees the first one's failures."""
    other = _make_app(Path(app.instance_path), sandbox, app.config["SQLALCHEMY_DATABASE_URI"])
    other.config.update(LOGIN_MAX_FAILURES_PER_ACCOUNT=3)
    try:
        lock_out(app, "sari@example.com")
        assert attempt(other.test_client(), "sari@example.com", PASSWORD).status_code == 429
        with other.app_context():
            assert jobqueue.connection.keys("viewpay:login:account:*")
    finally:
        with other.app_context():
            from webapp.extensions import db

            db.engine.dispose()


def test_one_message_for_an_unknown_email_and_a_wrong_password(app, people):
    unknown = attempt(app.test_client(), "nobody@example.com", "some-password")
    wrong = attempt(app.test_client(), "sari@example.com", "some-password")
    assert unknown.status_code == wrong.status_code == 422
    assert error(unknown) == error(wrong) == "Wrong email or password."


def _seconds(app, email, password) -> float:
    client = app.test_client()
    token = csrf_token(client)
    start = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token})
    took = time.perf_counter() - start
    assert response.status_code == 422
    return took


def test_an_unknown_email_costs_the_time_of_a_wrong_password(app, people):
    app.config.update(LOGIN_MAX_FAILURES_PER_ACCOUNT=1000, LOGIN_MAX_FAILURES_PER_IP=1000)
    with app.app_context():  # the app's own hash, not the factories' cheap one
        from webapp.auth.services import find_by_email

        find_by_email("sari@example.com").set_password("password123")
        db.session.commit()
    _seconds(app, "nobody@example.com", "warm-up")  # the dummy hash is made once per process
    unknown = statistics.median(_seconds(app, "nobody@example.com", "guess-1") for _ in range(5))
    wrong = statistics.median(_seconds(app, "sari@example.com", "guess-1") for _ in range(5))
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


def test_flask_limiter_can_count_on_the_embedded_redis_too(app):
    """The storage URI for Flask-Limiter: REDIS_URL, or the embedded server's unix socket (not
    per-process memory), started before the limiter's own hook needs it."""
    from flask import Flask
    from limits.storage import storage_from_string

    from webapp.auth import throttle

    probe = Flask("probe", instance_path=app.instance_path)
    probe.config.update(REDIS_URL=None, RATELIMIT_ENABLED=True)
    uri = throttle.limiter_storage_uri(probe)
    assert uri == "redis+unix://" + str(Path(app.instance_path) / "redis.sock")
    assert probe.before_request_funcs[None][0] is throttle._embedded_redis_up
    probe.config["REDIS_URL"] = "redis://example:6379/3"
    assert throttle.limiter_storage_uri(probe) == "redis://example:6379/3"

    if app.config["REDIS_URL"]:
        return  # the rest is about the embedded server
    with app.app_context():
        throttle._embedded_redis_up()
        storage = storage_from_string(uri)
        storage.incr("probe-key", 60)
        assert jobqueue.connection.keys("LIMITS:probe-key")
