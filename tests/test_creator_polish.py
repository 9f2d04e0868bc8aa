"""What a fresh-eyes review of the creator pages found, as the creator meets it: one message
after a submit, words that name the real problem (a holder name's length, a short password),
a pasted TikTok profile link taken as the handle, and a chart that says each time once."""
import re
import xml.etree.ElementTree as ET

import pytest
from freezegun import freeze_time

from tests import factories
from tests.conftest import csrf_token
from webapp.auth import services as auth
from webapp.charts import Series, line_chart

OOB_FLASH = re.compile(r'<div id="flash" class="flashes" aria-live="polite" '
                       r'hx-swap-oob="innerHTML">(.*?)</div>\s*$', re.S)


def errors(response) -> list[str]:
    return re.findall(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))


def english(app, client):
    client.post("/lang/en", data={"csrf_token": csrf_token(client)})


# --- 3. the dashboard shows only the latest outcome of a submit ------------------------------

def test_a_failed_submit_clears_the_earlier_success_message(app, act, sandbox):
    with app.app_context():
        tt = factories.tiktok_user(sandbox, "sari.dance")
        auth.set_locale(factories.creator(), "en")
        vid = factories.tiktok_video(sandbox, tt["user_id"], views=10)
    act.login("sari@example.com")
    url = f"https://www.tiktok.com/@sari.dance/video/{vid}"

    first = act.hx_post("/submissions", {"url": url})
    assert first.status_code == 200
    flash = OOB_FLASH.search(first.get_data(as_text=True))
    assert flash and "Submitted. We are checking your video on TikTok" in flash.group(1)
    assert first.get_data(as_text=True).count('id="flash"') == 1  # said once, not appended twice

    again = act.hx_post("/submissions", {"url": url})
    assert again.status_code == 422
    assert errors(again) == ["This video has already been submitted."]
    flash = OOB_FLASH.search(again.get_data(as_text=True))
    assert flash is not None, "the 422 answer must also answer the message area"
    assert "alert-msg" not in flash.group(1)  # the green "Submitted" goes away
    assert "Submitted" not in act.client.get("/dashboard").get_data(as_text=True)  # not kept


def test_the_full_page_has_one_message_area(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    assert act.client.get("/dashboard").get_data(as_text=True).count('id="flash"') == 1


# --- 5. a holder name that is too short is told so --------------------------------------------

@pytest.mark.parametrize("holder, message", [
    ("x", "Enter the account holder's full name: at least 2 letters."),
    (" x ", "Enter the account holder's full name: at least 2 letters."),
    ("Sari " * 30, "The account holder's name can have at most 100 characters."),
    ("Sari 123", "Enter the account holder's name as the bank shows it (letters only)."),
])
def test_the_holder_name_gets_words_for_its_real_problem(app, act, holder, message):
    with app.app_context():
        auth.set_locale(factories.creator(), "en")
    act.login("sari@example.com")
    bad = act.hx_post("/earnings/bank", {"bank_code": "bca", "account_number": "1234567890",
                                         "holder_name": holder})
    assert bad.status_code == 422
    assert [e.replace("&#39;", "'") for e in errors(bad)] == [message]


def test_the_holder_field_still_limits_typing_to_100(app, act):
    with app.app_context():
        factories.creator()
    act.login("sari@example.com")
    html = act.client.get("/earnings/bank").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="holder_name"[^>]*maxlength="100"', html)


# --- 6. a short password is told so, in the words of the hint above it ------------------------

def signup(client, password="kopi-tubruk-77", handle="@newperson", email="new@example.com"):
    english(None, client)
    return client.post("/signup", data={"email": email, "password": password,
                                        "tiktok_handle": handle,
                                        "csrf_token": csrf_token(client)})


def test_a_short_password_at_signup_gets_one_specific_message(client):
    response = signup(client, password="short")
    assert response.status_code == 422
    assert errors(response) == ["The password needs at least 8 characters."]


def test_a_too_long_password_at_signup_is_told_the_maximum(client):
    response = signup(client, password="kopi-tubruk-" + "7" * 200)
    assert errors(response) == ["The password can have at most 200 characters."]


def test_a_short_password_in_indonesian(client):
    response = client.post("/signup", data={"email": "new@example.com", "password": "pendek",
                                            "tiktok_handle": "@newperson",
                                            "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Kolom ini harus 8 sampai 200 karakter." not in response.get_data(as_text=True)


def test_a_short_new_password_on_the_account_page(app, act):
    with app.app_context():
        auth.set_locale(factories.creator(), "en")
    act.login("sari@example.com")
    response = act.client.post("/account/password", data={
        "csrf_token": csrf_token(act.client), "current_password": "password123",
        "new_password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "The password needs at least 8 characters." in errors(response)


def test_a_short_password_on_the_reset_page(app, client):
    from webapp.auth import reset
    from webapp.auth.models import User
    from webapp.extensions import db

    with app.app_context():
        user = factories.creator()
        auth.set_locale(user, "en")
        token = reset.make_token(db.session.get(User, user.id))
    english(app, client)
    response = client.post(f"/password/reset/{token}", data={
        "new_password": "short", "confirm": "short", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert errors(response) == ["The password needs at least 8 characters."]


# --- 7. a pasted TikTok profile link gives its handle -----------------------------------------

@pytest.mark.parametrize("pasted", [
    "https://www.tiktok.com/@newperson", "tiktok.com/@newperson?lang=id", "@newperson",
    "https://m.tiktok.com/@newperson/", "http://tiktok.com/@newperson?_t=8abc&_r=1",
    "  https://www.tiktok.com/@newperson/video/7301234567890123456  ",
])
def test_a_tiktok_profile_link_is_taken_as_its_handle(app, client, pasted):
    response = signup(client, handle=pasted)
    assert response.status_code == 302, errors(response)
    with app.app_context():
        assert auth.find_by_email("new@example.com").tiktok_handle == "newperson"


HANDLE_ERROR = "A TikTok handle has 2-24 letters, digits, '_' or '.', not ending in '.'."


@pytest.mark.parametrize("pasted", [
    "https://www.instagram.com/@newperson", "https://tiktok.com.evil.example/@newperson",
    "https://eviltiktok.com/@newperson", "https://www.tiktok.com/newperson",
    "https://vm.tiktok.com/ZSabc123/", "ftp://tiktok.com/@newperson",
])
def test_other_links_are_still_refused_with_the_handle_message(client, pasted):
    response = signup(client, handle=pasted)
    assert response.status_code == 422
    assert [e.replace("&#39;", "'") for e in errors(response)] == [HANDLE_ERROR]


def test_a_long_pasted_link_is_not_cut_short_by_the_field(client):
    handle = "a" * 24
    html = client.get("/signup").get_data(as_text=True)
    maxlength = int(re.search(r'<input[^>]*id="tiktok_handle"[^>]*maxlength="(\d+)"', html)
                    .group(1))
    link = f"https://www.tiktok.com/@{handle}?is_from_webapp=1&sender_device=pc"
    assert len(link) <= maxlength  # the browser would silently cut it: a wrong handle


# --- 8. the video chart says a time once ------------------------------------------------------

def x_labels(svg) -> list[str]:
    root = ET.fromstring(str(svg).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
    height = float(root.get("viewBox").split()[3])
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
            if float(t.get("y")) == height - 6]


def test_identical_neighbouring_x_labels_are_drawn_once():
    series = [Series("Views", [100, 150, 200, 260]), Series("Earnings", [0, 1, 2, 3])]
    svg = line_chart(series, labels=["20.40", "20.40", "20.41", "20.41"], label="t")
    assert x_labels(svg) == ["20.40", "20.41"]
    assert x_labels(line_chart(series[:1], labels=["20.40"] * 4, label="t")) == ["20.40"]
    assert x_labels(line_chart(series[:1], labels=["1", "2", "3", "4"], label="t")) == [
        "1", "2", "3", "4"]


def test_the_video_page_says_a_minute_once(app, act, sandbox):
    from jobs.refresh import refresh_submission

    with freeze_time("2026-11-30 13:40:05", tick=True):
        with app.app_context():
            video = factories.approved_video(sandbox, views=800)
        factories.set_views(sandbox, video["vid"], 843)
        assert refresh_submission(video["sub_id"]) == "ok"
        act.login("sari@example.com")
        html = act.client.get(f"/submissions/{video['sub_id']}").get_data(as_text=True)
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    table_times = re.findall(r'<tr><th scope="row">([^<]+)</th>', html)
    assert len(table_times) == 2 and table_times[0] == table_times[1]  # two counts, one minute
    assert x_labels(svg) == [table_times[0]]
