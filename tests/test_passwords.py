"""Passwords people choose: 8+ characters, not among the commonest (English and Indonesian), not
containing the email's name — at sign-up, on a password change and in the `users` commands."""
import re
import statistics
import time

import pytest

from tests import factories
from tests.conftest import csrf_token
from webapp.auth import passwords

COMMON = "This password is one of the most common ones and easy to guess. Choose another."
HAS_EMAIL = "The password must not contain the name of your email address."


@pytest.mark.parametrize("password", [
    "password123", "12345678", "qwertyui", "sayang", "Bismillah", "INDONESIA", "rahasia",
    "sayang123", "bismillah1!", "indonesia45", "cintaku2024", "iloveyou", "1q2w3e4r"])
def test_the_commonest_passwords_are_refused(password):
    with pytest.raises(passwords.WeakPassword) as refused:
        passwords.check(password, "someone@example.com")
    assert refused.value.code in ("common", "short")


@pytest.mark.parametrize("password,email", [
    ("Sari.Dewi-2024", "sari.dewi@example.com"),
    ("xxBUDIMASAKxx", "budimasak+tiktok@gmail.com"),
])
def test_a_password_containing_the_emails_name_is_refused(password, email):
    with pytest.raises(passwords.WeakPassword) as refused:
        passwords.check(password, email)
    assert refused.value.code == "contains_email"


@pytest.mark.parametrize("password,email", [
    ("kopi-tubruk-77", "sari@example.com"),
    ("jalan-ke-pasar-pagi", "budi@example.com"),
    ("ab-rumah-ab-9", "ab@example.com"),  # a 2-letter name is not checked
])
def test_ordinary_passwords_pass(password, email):
    passwords.check(password, email)


def test_short_passwords_are_refused():
    with pytest.raises(passwords.WeakPassword) as refused:
        passwords.check("k0p!-7x", "sari@example.com")
    assert refused.value.code == "short"


def test_the_list_has_a_few_hundred_entries():
    assert 300 <= len(passwords._common()) <= 2000


def signup(client, email="new@example.com", password="kopi-tubruk-77", handle="@new.creator"):
    token = csrf_token(client)
    client.post("/lang/en", data={"csrf_token": token})
    return client.post("/signup", data={"email": email, "password": password,
                                        "tiktok_handle": handle, "csrf_token": token})


def errors(response) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))


@pytest.mark.parametrize("password,message", [
    ("password123", COMMON), ("sayang123", COMMON), ("Bismillah2024", COMMON),
    ("new-creator-99", HAS_EMAIL.replace("'", "&#39;")),
    ("short", "The password needs at least 8 characters.")])
def test_sign_up_refuses_weak_passwords_with_one_message(client, password, message):
    response = signup(client, email="new-creator@example.com", password=password)
    assert response.status_code == 422
    assert errors(response) == [message]


def test_sign_up_with_a_good_password_works(client):
    assert signup(client).status_code == 302


def test_a_password_change_refuses_weak_passwords(app, client, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})
    for new, message in (("rahasia123", COMMON), ("SARI-dance-77", HAS_EMAIL)):
        response = client.post("/account/password", data={
            "current_password": "password123", "new_password": new, "confirm": new,
            "csrf_token": csrf_token(client)})
        assert response.status_code == 422
        assert errors(response) == [message.replace("'", "&#39;")]


def test_the_users_commands_refuse_weak_passwords(runner, ctx):
    common = runner.invoke(args=["users", "create-creator", "a@example.com", "--handle", "aa",
                                 "--password", "indonesia123"])
    assert common.exit_code != 0 and "most common" in common.output
    mine = runner.invoke(args=["users", "create-admin", "boss@example.com"],
                         input="the-boss-pass\nthe-boss-pass\n")
    assert mine.exit_code != 0 and "name of your email" in mine.output


def _signup_seconds(app, email, handle) -> float:
    client = app.test_client()
    token = csrf_token(client)
    start = time.perf_counter()
    response = client.post("/signup", data={"email": email, "password": "kopi-tubruk-77",
                                            "tiktok_handle": handle, "csrf_token": token})
    took = time.perf_counter() - start
    return took, response.status_code


def test_a_taken_email_answers_sign_up_as_slowly_as_a_new_one(app):
    with app.app_context():
        factories.creator()
    _signup_seconds(app, "warm@example.com", "@warm.up")
    new, taken = [], []
    for n in range(5):
        took, status = _signup_seconds(app, f"new{n}@example.com", f"@new.creator{n}")
        assert status == 302
        new.append(took)
        took, status = _signup_seconds(app, "sari@example.com", f"@other{n}")
        assert status == 422
        taken.append(took)
    ratio = statistics.median(taken) / statistics.median(new)
    assert 0.5 < ratio < 2, (taken, new)
