"""The landing page at /: anonymous visitors read the rate in force with a worked example, the
steps, the FAQ and the way in; signed-in people still go straight to their home."""
import re
from decimal import Decimal

from tests import factories
from tests.conftest import csrf_token


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main>", 1)[1]))


def test_anonymous_visitors_read_the_rate_in_force_and_how_to_start(app, client):
    app.config.update(VALIDATION_DAYS=3, PAYOUT_REVIEW_DAYS=2)
    response = client.get("/")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), text_of(response)
    assert '<html lang="id">' in html
    assert "Rp0,00002489" in text  # the configured rate, every decimal
    assert re.search(r"150\.247 [^.]{1,40} → [^.]{0,40}Rp3,74", text)  # x 0,00002489 = 3,7396...
    assert "Rp25" in text  # the smallest withdrawal: 1.000.000 views at this rate, rounded up
    assert "3 hari" in text and "2 hari" in text  # validation and review spans, in words
    assert html.count('<ol class="lp-steps">') == 1 and html.count("<li>") >= 3
    assert html.count("<details>") == 5
    assert 'href="/signup"' in html and 'href="/login"' in html

    client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/"})
    text = text_of(client.get("/"))
    assert "Rp0.00002489" in text and "Rp3.74" in text and "3 days" in text


def test_the_page_follows_a_rate_an_admin_sets(app, client):
    from webapp.earnings import rates

    with app.app_context():
        admin = factories.admin()
        rates.set_rate(Decimal("0.0001"), admin.id)
    text = text_of(client.get("/"))
    assert "Rp0,0001 " in text
    assert "Rp15,02" in text  # 150.247 x 0,0001 = 15,0247
    assert "Rp100" in text  # 1.000.000 views at the new rate


def test_signed_in_people_still_go_home(act, app):
    with app.app_context():
        factories.creator(), factories.admin()
    act.login("sari@example.com")
    assert act.client.get("/").headers["Location"].endswith("/dashboard")
    act.logout()
    act.login("admin@example.com")
    assert act.client.get("/").headers["Location"].endswith("/admin/")
