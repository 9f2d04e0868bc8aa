"""Money and time as people read them, in both languages: the `rupiah`, `when`, `timeago` and
`day` filters (webapp/i18n.py), and the pages that use them."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale

from tests import factories
from webapp.i18n import day, rupiah, timeago, when

D = Decimal


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("amount,id_text,en_text", [
    (D("3.73964783"), "Rp3,74", "Rp3.74"),              # 2 decimals, half up
    (D("24893.73964783"), "Rp24.893,74", "Rp24,893.74"),
    (D("10000"), "Rp10.000", "Rp10,000"),               # whole rupiah: no ",00"
    (D("10000.00000000"), "Rp10.000", "Rp10,000"),      # as the database hands it back
    (D("24890.00017423"), "Rp24.890", "Rp24,890"),      # rounds to whole
    (D("0.5"), "Rp0,50", "Rp0.50"),
    (D("0.00027379"), "Rp0,00027", "Rp0.00027"),        # a tiny credit is not "Rp0,00"
    (D("0.00002489"), "Rp0,000025", "Rp0.000025"),
    (D("0.00000001"), "Rp0,00000001", "Rp0.00000001"),  # the smallest stored amount
    (D("0"), "Rp0", "Rp0"),
    (D("-3.745"), "-Rp3,75", "-Rp3.75"),
    (D("-0.00027379"), "-Rp0,00027", "-Rp0.00027"),
    (None, "–", "–"),
])
def test_rupiah_says_rp_in_both_languages(in_request, amount, id_text, en_text):
    with force_locale("id"):
        assert rupiah(amount) == id_text
    with force_locale("en"):
        assert rupiah(amount) == en_text


@pytest.mark.parametrize("amount,id_text,en_text", [
    (D("3.73964783"), "Rp3,73964783", "Rp3.73964783"),
    (D("20000.00000000"), "Rp20.000", "Rp20,000"),
    (D("0.00010000"), "Rp0,0001", "Rp0.0001"),
    (D("24890.00017423"), "Rp24.890,00017423", "Rp24,890.00017423"),
])
def test_exact_rupiah_shows_every_stored_decimal(in_request, amount, id_text, en_text):
    with force_locale("id"):
        assert rupiah(amount, exact=True) == id_text
    with force_locale("en"):
        assert rupiah(amount, exact=True) == en_text


def test_money_is_never_a_float(in_request):
    with pytest.raises(TypeError):
        rupiah(3.74)


def test_times_are_jakarta_time_labelled_wib(in_request):
    utc = datetime(2026, 12, 2, 7, 3, tzinfo=timezone.utc)
    naive = utc.replace(tzinfo=None)  # SQLite hands back naive UTC
    with force_locale("id"):
        assert when(utc) == when(naive) == "2 Des 2026 14.03 WIB"
        assert when("2026-12-02T07:03:00+00:00") == "2 Des 2026 14.03 WIB"  # ISO evidence
        assert day(datetime(2026, 12, 31, 18, 0)) == "1 Jan 2027"  # already next year in Jakarta
    with force_locale("en"):
        # Day before month, as `day` writes it (CLDR's narrow space before PM).
        assert when(utc) == "2 Dec 2026, 2:03\u202fPM WIB"
        assert day(datetime(2026, 12, 31, 18, 0)) == "1 Jan 2027"
    assert when(None) == "–"


def test_timeago_in_words(in_request):
    now = datetime(2026, 12, 2, 7, 3, tzinfo=timezone.utc)
    with force_locale("id"):
        assert timeago(now - timedelta(minutes=3), now=now) == "3 menit yang lalu"
        assert timeago(now - timedelta(hours=5), now=now) == "5 jam yang lalu"
        assert timeago(now + timedelta(days=2), now=now) == "dalam 2 hari"
    with force_locale("en"):
        assert timeago(now - timedelta(minutes=3), now=now) == "3 minutes ago"
        assert timeago(now - timedelta(seconds=20), now=now) == "just now"


def test_pages_show_a_tiny_credit_and_times_with_wib(app, act, sandbox):
    """11 views earn Rp0,00027379: the ledger says so instead of "Rp0,00"; the bio code's
    expiry is a Jakarta time labelled WIB."""
    with app.app_context():
        factories.approved_video(sandbox, views=11, proven=False)  # the bio code is offered
    act.login("sari@example.com")
    ledger = act.client.get("/earnings/ledger").get_data(as_text=True)
    assert "Rp0,00027" in ledger and "Rp0,00<" not in ledger
    act.hx_post("/account/tiktok/bio-code")
    page = act.client.get("/account/tiktok").get_data(as_text=True)
    assert " WIB" in page
