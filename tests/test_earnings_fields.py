"""The one money field: every rupiah input (withdrawal amount, rates) reads and refuses alike."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from webapp.admin.money.forms import RateForm, VideoRateForm
from webapp.earnings.forms import WithdrawForm


def _form(app, cls, lang="id", **data):
    with app.test_request_context(method="POST"):
        from flask import session

        session["lang"] = lang
        form = cls(formdata=MultiDict(data), meta={"csrf": False})
        valid = form.validate()
        # Messages are lazy: read them while the reader's language is known.
        form.messages = {name: [str(e) for e in f.errors] for name, f in form._fields.items()}
        return valid, form


@pytest.mark.parametrize("cls, name, text, value", [
    (WithdrawForm, "amount", "Rp 50.000", Decimal(50_000)),
    (WithdrawForm, "amount", "50,000", Decimal(50_000)),
    (RateForm, "per_view", "0,00002489", Decimal("0.00002489")),
    (VideoRateForm, "per_view", "0.00003", Decimal("0.00003")),
])
def test_a_valid_amount_is_read_as_an_exact_decimal(app, cls, name, text, value):
    valid, form = _form(app, cls, reason="new deal", **{name: text})
    assert valid and form.value == value and getattr(form, name).decimal == value
    assert getattr(form, name).data == text  # shown again as typed


@pytest.mark.parametrize("cls, name, text, lang, message", [
    (WithdrawForm, "amount", "", "id", "Berapa yang ingin kamu tarik?"),
    (WithdrawForm, "amount", "", "en", "How much do you want to withdraw?"),
    (WithdrawForm, "amount", "50.000,5", "id",
     "Masukkan jumlah rupiah bulat (tanpa desimal), misalnya 50.000."),
    (WithdrawForm, "amount", "NaN", "en", "Enter a whole number of rupiah, like 50.000."),
    (RateForm, "per_view", "", "id", "Masukkan tarif baru per tayangan."),
    (RateForm, "per_view", "Infinity", "en", "Enter a number of rupiah per view, like 0,00002489."),
    (RateForm, "per_view", "0,000000001", "id", "Tarif paling banyak 8 angka di belakang koma."),
])
def test_a_refused_amount_says_why_in_the_readers_language(app, cls, name, text, lang, message):
    valid, form = _form(app, cls, lang, **{name: text})
    assert not valid and form.value is None
    assert form.messages[name] == [message]


def test_an_overlong_amount_is_refused_before_it_is_parsed(app):
    valid, form = _form(app, WithdrawForm, "en", amount="1" * 31)
    assert not valid and any("30" in e for e in form.messages["amount"])
