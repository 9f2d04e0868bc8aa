"""Creator money pages over HTTP: access rules, CSRF, 422 fragments, and what a creator sees."""
import re
from decimal import Decimal

import pytest

from tests import factories
from tests.conftest import csrf_token
from tests.test_earnings_services import earn, key, new_creator, with_bank
from webapp.earnings import payouts
from webapp.earnings import services as earnings


@pytest.fixture
def people(ctx):
    ctx.config["PAYOUT_MINIMUM"] = Decimal(10_000)  # an operator's fixed minimum (default: derived)
    sari, budi = new_creator("sari"), new_creator("budi")
    earn(sari, 150_247)
    earn(sari, 1_000_000_000)  # Rp 24.890 more
    with_bank(sari)
    earn(budi, 2_000_000_000)
    with_bank(budi, "dana", "081255554321", "Budi Santoso")
    budis = payouts.request_payout(budi.id, Decimal(12_345), key())
    return dict(sari=sari.email, budi=budi.email, sari_id=sari.id, budis_payout=budis.id,
                admin=factories.admin().email)


PAGES = ["/earnings/", "/earnings/ledger", "/earnings/bank", "/earnings/payouts/1"]


@pytest.mark.parametrize("path", PAGES)
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/login")


def test_admins_are_sent_to_the_payout_queue(act, people):
    act.login(people["admin"])
    response = act.client.get("/earnings/")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/money/payouts")


def test_the_earnings_page_shows_balance_available_and_exact_figures(act, people):
    act.login(people["sari"])
    html = act.client.get("/earnings/").get_data(as_text=True)
    assert "Rp24.893,74" in html  # 2 decimals, Indonesian format
    assert "Rp24.893,73964783" in html  # the exact figure, one tap away (<details>)
    assert 'data-exact="24893.73964783"' in html
    assert "BCA ••••7890" in html and "1234567890" not in html


def test_the_ledger_shows_every_entry_with_views_rate_and_why(act, people):
    act.login(people["sari"])
    html = act.client.get("/earnings/ledger").get_data(as_text=True)
    assert html.count('class="card entry') == 2
    assert "0 → 150.247" in html and "Rp0,00002489" in html and "Rp3,73964783" in html
    page = act.hx_get("/earnings/ledger?page=1")
    assert page.status_code == 200 and "<html" not in page.get_data(as_text=True)


def test_creators_see_only_their_own_money(act, people):
    act.login(people["sari"])
    assert act.client.get(f"/earnings/payouts/{people['budis_payout']}").status_code == 404
    for path in ("/earnings/", "/earnings/ledger"):
        html = act.client.get(path).get_data(as_text=True)
        assert "Rp12.345" not in html and "Rp49.780" not in html and "Rp24.893" in html
        assert "Budi" not in html and "••••4321" not in html


def test_requesting_a_withdrawal_updates_the_figures_in_place(act, people):
    act.login(people["sari"])
    response = act.hx_post("/earnings/payouts", {"amount": "20.000", "request_key": key()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    # The summary, its chart and the payouts, out of band.
    assert 'id="withdraw-form"' in html and html.count('hx-swap-oob="true"') == 3
    assert 'id="available" data-exact="4893.73964783"' in html
    assert "Rp20.000" in html and "Rp20.000,00" not in html  # no ",00" on whole rupiah
    payout = payouts.for_creator(people["sari_id"])[0]
    detail = act.client.get(f"/earnings/payouts/{payout.id}").get_data(as_text=True)
    assert "BCA ••••7890" in detail and "Sari Dewi" in detail


def test_a_double_posted_form_makes_one_payout(act, people):
    act.login(people["sari"])
    form_key = key()
    for _ in range(2):
        assert act.hx_post("/earnings/payouts",
                           {"amount": "10000", "request_key": form_key}).status_code == 200
    assert len(payouts.for_creator(people["sari_id"])) == 1


@pytest.mark.parametrize("amount,message", [
    ("", "How much"), ("12,5", "whole number"), ("9.999", "Rp10,000"),
    ("30.000", "more than your available"), ("abc", "whole number"),
])
def test_bad_withdrawals_get_a_422_fragment(act, people, amount, message):
    act.login(people["sari"])
    act.client.post("/lang/en", data={"csrf_token": csrf_token(act.client)})
    response = act.hx_post("/earnings/payouts", {"amount": amount, "request_key": key()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="withdraw-form"' in html and "<html" not in html and message in html
    assert payouts.for_creator(people["sari_id"]) == []


def test_without_bank_details_the_form_asks_for_them(act, ctx):
    creator = new_creator()
    earn(creator, 1_000_000_000)
    act.login(creator.email)
    assert "/earnings/bank" in act.client.get("/earnings/").get_data(as_text=True)
    response = act.hx_post("/earnings/payouts", {"amount": "10000", "request_key": key()})
    assert response.status_code == 422


def test_posts_without_a_csrf_token_are_refused(act, people):
    act.login(people["sari"])
    response = act.client.post("/earnings/payouts", data={"amount": "10000",
                                                          "request_key": key()},
                               headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert act.client.post("/earnings/bank", data={"bank_code": "bca"}).status_code == 400
    assert payouts.for_creator(people["sari_id"]) == []


def test_bank_details_are_saved_and_bad_ones_get_422(act, people):
    act.login(people["sari"])
    form = act.client.get("/earnings/bank").get_data(as_text=True)
    assert 'name="bank_code"' in form and "SeaBank" in form and "GoPay" in form
    bad = act.hx_post("/earnings/bank", {"bank_code": "ovo", "account_number": "1234",
                                         "holder_name": "Sari Dewi"})
    assert bad.status_code == 422 and 'id="bank-form"' in bad.get_data(as_text=True)
    bad = act.hx_post("/earnings/bank", {"bank_code": "bca", "account_number": "1234567",
                                         "holder_name": "Sari 123"})
    assert bad.status_code == 422
    good = act.hx_post("/earnings/bank", {"bank_code": "ovo", "account_number": "0812 9999 0000",
                                          "holder_name": "Sari Dewi"})
    assert good.status_code == 204 and good.headers["HX-Redirect"] == "/earnings/"
    html = act.client.get("/earnings/").get_data(as_text=True)
    assert "OVO ••••0000" in html


def test_a_plain_form_post_works_without_javascript(act, people):
    act.login(people["sari"])
    token = csrf_token(act.client)
    response = act.client.post("/earnings/payouts", data={
        "amount": "10000", "request_key": key(), "csrf_token": token})
    assert response.status_code == 302
    assert earnings.totals(people["sari_id"]).reserved == Decimal(10_000)
    response = act.client.post("/earnings/payouts", data={
        "amount": "1", "request_key": key(), "csrf_token": token})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


def test_pages_are_indonesian_by_default(act, people):
    act.login(people["sari"])
    html = act.client.get("/earnings/").get_data(as_text=True)
    assert re.search(r'lang="id"', html)
