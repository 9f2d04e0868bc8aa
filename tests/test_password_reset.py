"""Password reset by e-mail link, through the test client and a real RQ worker: the same answer
for unknown emails, a link that expires and works once, every login ended, throttled asking."""
import re
import time

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import _make_app, csrf_token, run_worker
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.notifications.models import PASSWORD_RESET, OutboxMail

NEW = "kopi-tubruk-77"


@pytest.fixture
def sari(app):
    with app.app_context():
        return factories.creator().id


def ask(client, email: str):
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client)})


def page_of(answer, email: str) -> str:
    """The page with the email and the CSRF tokens masked: a token carries the second it was
    signed, so two answers a second apart differ there and nowhere else."""
    text = answer.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r"Ij[\w-]+\.[\w-]+\.[\w-]+", "CSRF", text)


def reset_links(app) -> list[str]:
    with app.app_context():
        mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == PASSWORD_RESET)
                                   .order_by(OutboxMail.id)).all()
        return [re.search(r"https?://\S+/password/reset/(\S+)", m.text_body).group(1)
                for m in mails]


def choose(client, token: str, password: str, confirm: str | None = None):
    return client.post(f"/password/reset/{token}", data={
        "new_password": password, "confirm": confirm or password,
        "csrf_token": csrf_token(client)})


def test_the_whole_reset_ends_every_login_and_works_once(app, act, sari):
    other_phone = app.test_client()
    act.client, mine = other_phone, act.client
    act.login("sari@example.com")  # logged in on another phone, which is lost
    act.client = mine
    assert other_phone.get("/dashboard").status_code == 200

    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})  # read its words
    login_page = act.client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login_page
    answer = ask(act.client, "Sari@Example.com ")
    assert answer.status_code == 200 and "sari@example.com" in answer.get_data(as_text=True)
    assert reset_links(app) == []  # nothing written in the request: a job does it
    run_worker(app)
    [token] = reset_links(app)

    form = act.client.get(f"/password/reset/{token}")
    assert form.status_code == 200 and "sari@example.com" in form.get_data(as_text=True)
    # A weak or mistyped new password is refused with its reason, and changes nothing.
    weak = choose(act.client, token, "password123")
    assert weak.status_code == 422 and "common" in weak.get_data(as_text=True)
    assert choose(act.client, token, NEW, "kopi-tubruk-78").status_code == 422
    assert act.client.get(f"/password/reset/{token}").status_code == 200  # still usable

    done = choose(act.client, token, NEW)
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    login = act.client.get("/login").get_data(as_text=True)
    assert "logged out everywhere" in login  # the flash
    # Every login ended; the old password is gone, the new one works.
    assert other_phone.get("/dashboard").status_code == 302
    refused = act.client.post("/login", data={"email": "sari@example.com",
                                              "password": "password123",
                                              "csrf_token": csrf_token(act.client)})
    assert refused.status_code == 422
    act.login("sari@example.com", NEW)

    # The link works once.
    used = act.client.get(f"/password/reset/{token}")
    assert used.status_code == 410 and "no longer works" in used.get_data(as_text=True)
    assert choose(act.client, token, "another-pass-99").status_code == 410
    act.logout()
    act.login("sari@example.com", NEW)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject_type == "user", AuditEvent.subject_id == str(sari))).all()
        assert actions == ["password_reset_requested", "password_reset"]


def test_an_unknown_email_gets_the_same_answer_and_no_mail(app, client, sari):
    known = ask(client, "sari@example.com")
    unknown = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert "CSRF" in page_of(known, "sari@example.com")
    assert page_of(known, "sari@example.com") == page_of(unknown, "nobody@example.com")
    run_worker(app)
    with app.app_context():
        assert db.session.scalars(select(OutboxMail.to_address)).all() == ["sari@example.com"]
    # Not an email at all: said, and nothing is asked.
    bad = ask(client, "not-an-email")
    assert bad.status_code == 422 and 'class="error"' in bad.get_data(as_text=True)


def test_a_link_expires_and_cannot_be_forged(app, client, sari):
    from webapp.auth import reset
    from webapp.auth.models import User

    with app.app_context():
        user = db.session.get(User, sari)
        fresh = reset.make_token(user)
        old = reset.make_token(user, issued_at=time.time() - 3601)  # PASSWORD_RESET_HOURS=1
        stranger = reset.make_token(user).replace(fresh[:5], "AAAAA")
    assert client.get(f"/password/reset/{fresh}").status_code == 200
    for token in (old, stranger, "x" * 3000, fresh[:-2]):
        answer = client.get(f"/password/reset/{token}")
        assert answer.status_code == 410, token
        assert 'href="/password/forgot"' in answer.get_data(as_text=True)
    assert choose(client, old, NEW).status_code == 410
    app.config["PASSWORD_RESET_HOURS"] = 2
    assert client.get(f"/password/reset/{old}").status_code == 200


def test_a_password_changed_meanwhile_ends_the_link(app, act, sari):
    from webapp.auth import reset
    from webapp.auth.models import User

    with app.app_context():
        token = reset.make_token(db.session.get(User, sari))
    act.login("sari@example.com")
    act.client.post("/account/password", data={
        "current_password": "password123", "new_password": NEW, "confirm": NEW,
        "csrf_token": csrf_token(act.client)})
    assert act.client.get(f"/password/reset/{token}").status_code == 410


@pytest.fixture
def limited(app, _instance, sandbox, sari):
    """The same database and Redis, served with rate limits on."""
    limited_app = _make_app(_instance, sandbox, app.config["SQLALCHEMY_DATABASE_URI"],
                            RATELIMIT_ENABLED=True)
    yield limited_app.test_client()
    with limited_app.app_context():
        db.engine.dispose()


def test_asking_is_throttled_per_email_and_per_address(limited):
    for spelling in ("sari@example.com", "SARI@example.com", " sari@example.com"):
        assert ask(limited, spelling).status_code == 200
    refused = ask(limited, "sari@example.com")  # the fourth link for one inbox in an hour
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    for n in range(7):  # other emails from the same address, up to 10 an hour
        assert ask(limited, f"someone{n}@example.com").status_code == 200
    assert ask(limited, "someone-else@example.com").status_code == 429
