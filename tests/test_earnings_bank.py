"""Bank details: Indonesian banks and e-wallets, validated, normalised, masked, audited."""
import pytest
from sqlalchemy import select

from tests.test_earnings_services import new_creator
from webapp.audit.models import AuditEvent
from webapp.earnings import bank
from webapp.earnings.errors import MoneyError
from webapp.extensions import db


@pytest.mark.parametrize("code,number,stored", [
    ("bca", "1234567890", "1234567890"), ("bri", "0021-01-001234-56-7", "002101001234567"),
    ("mandiri", "123 456", "123456"), ("seabank", "9" * 20, "9" * 20),
    ("gopay", "+62 812-3456-7890", "081234567890"), ("ovo", "628123456789", "08123456789"),
    ("dana", "0812.3456.78901", "0812345678901"),
])
def test_account_numbers_are_normalised(code, number, stored):
    assert bank.normalise_account(code, number) == stored


@pytest.mark.parametrize("code,number,error", [
    ("bca", "12345", "account_invalid"), ("bca", "1" * 21, "account_invalid"),
    ("bca", "12345abc", "account_invalid"), ("bni", "", "account_invalid"),
    ("gopay", "1234567890", "phone_invalid"), ("ovo", "+1 415 555 0100", "phone_invalid"),
    ("dana", "0212345678", "phone_invalid"), ("paypal", "1234567890", "bank_unknown"),
])
def test_implausible_accounts_are_refused(code, number, error):
    with pytest.raises(MoneyError) as refused:
        bank.normalise_account(code, number)
    assert refused.value.code == error


@pytest.mark.parametrize("name,stored", [
    ("  Sari   Dewi ", "Sari Dewi"), ("Siti Nur'aini", "Siti Nur'aini"),
    ("A. Budi Santoso", "A. Budi Santoso"), ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
])
def test_holder_names(name, stored):
    assert bank.normalise_holder(name) == stored


@pytest.mark.parametrize("name", ["", "A", "Sari123", "=cmd()", "x" * 101, "<script>"])
def test_bad_holder_names_are_refused(name):
    with pytest.raises(MoneyError):
        bank.normalise_holder(name)


def test_the_list_has_the_big_indonesian_banks_and_e_wallets():
    names = {b.name for b in bank.BANKS.values()}
    assert {"BCA", "BRI", "BNI", "Mandiri", "BSI", "CIMB Niaga", "Permata", "Danamon", "BTN",
            "Bank Jago", "SeaBank", "GoPay", "OVO", "DANA"} <= names


def test_saving_twice_replaces_the_details_and_audits_both(ctx):
    creator = new_creator()
    first = bank.save_account(creator.id, "bca", "1234567890", "Sari Dewi")
    second = bank.save_account(creator.id, "gopay", "081299998888", "Sari Dewi")
    assert first.id == second.id and bank.account_for(creator.id).masked == "••••8888"
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "bank_details")).all()
    assert len(details) == 2 and '"replaced": true' in details[1]
    assert "1234567890" not in "".join(details)  # the audit log keeps only the masked number
