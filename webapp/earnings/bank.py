"""Where a creator's withdrawals go: an Indonesian bank account or e-wallet, validated."""
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.audit import services as audit
from webapp.earnings.errors import MoneyError
from webapp.earnings.models import BankAccount
from webapp.txn import lock_one
from webapp.extensions import db

BANK, EWALLET = "bank", "ewallet"


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    kind: str


BANKS = {b.code: b for b in (
    Bank("bca", "BCA", BANK), Bank("bri", "BRI", BANK), Bank("bni", "BNI", BANK),
    Bank("mandiri", "Mandiri", BANK), Bank("bsi", "BSI", BANK),
    Bank("cimb", "CIMB Niaga", BANK), Bank("permata", "Permata", BANK),
    Bank("danamon", "Danamon", BANK), Bank("btn", "BTN", BANK), Bank("jago", "Bank Jago", BANK),
    Bank("seabank", "SeaBank", BANK), Bank("gopay", "GoPay", EWALLET),
    Bank("ovo", "OVO", EWALLET), Bank("dana", "DANA", EWALLET),
    Bank("shopeepay", "ShopeePay", EWALLET),
)}

_SEPARATORS = re.compile(r"[\s.\-]")
_ACCOUNT = re.compile(r"^\d{6,20}$")
# E-wallets are keyed by the mobile number: 08..., 628... or +628..., 10-13 digits as 08...
_PHONE = re.compile(r"^(?:\+?62|0)(8\d{8,11})$")
# Letters of any script, and the punctuation real names carry (Sri Rahayu, Siti Nur'aini, A. Budi).
_NAME = re.compile(r"^[^\W\d_]+(?:[ .,'\-]+[^\W\d_]+)*\.?$")


def bank_name(code: str) -> str:
    bank = BANKS.get(code)
    return bank.name if bank else code


def normalise_account(bank_code: str, number: str) -> str:
    """Digits only; e-wallet phone numbers as 08...; raises MoneyError when not plausible."""
    bank = BANKS.get(bank_code)
    if bank is None:
        raise MoneyError("unknown bank", "bank_unknown")
    digits = _SEPARATORS.sub("", number or "")
    if bank.kind == EWALLET:
        match = _PHONE.match(digits)
        if not match:
            raise MoneyError("not an Indonesian mobile number", "phone_invalid")
        return "0" + match.group(1)
    if not _ACCOUNT.match(digits):
        raise MoneyError("an account number has 6-20 digits", "account_invalid")
    return digits


HOLDER_MIN, HOLDER_MAX = 2, 100


def normalise_holder(name: str) -> str:
    """Spaces collapsed; raises MoneyError: holder_short / holder_long on the length, so "x" is
    not told it has a wrong letter, and holder_invalid on anything but a name's characters."""
    name = " ".join((name or "").split())
    if len(name) < HOLDER_MIN:
        raise MoneyError(f"a holder name has at least {HOLDER_MIN} letters", "holder_short")
    if len(name) > HOLDER_MAX:
        raise MoneyError(f"a holder name has at most {HOLDER_MAX} characters", "holder_long")
    if not _NAME.match(name):
        raise MoneyError("a holder name is letters", "holder_invalid")
    return name


def account_for(creator_id: int) -> BankAccount | None:
    return db.session.scalar(select(BankAccount).where(BankAccount.creator_id == creator_id))


def save_account(creator_id: int, bank_code: str, number: str, holder: str) -> BankAccount:
    """Create or replace the creator's bank details (audited: a changed account is a red flag)."""
    number, holder = normalise_account(bank_code, number), normalise_holder(holder)
    # Locked, so "replaced" is judged on the committed row even when two tabs save at once.
    account = (lock_one(BankAccount, BankAccount.creator_id == creator_id)
               or BankAccount(creator_id=creator_id))
    changed = account.id is not None and (account.bank_code, account.account_number) != (
        bank_code, number)
    account.bank_code, account.account_number, account.holder_name = bank_code, number, holder
    db.session.add(account)
    try:
        db.session.flush()
    except IntegrityError:  # two tabs saving the first details at once: the other one won
        db.session.rollback()
        return save_account(creator_id, bank_code, number, holder)
    audit.record(creator_id, "bank_details", "bank_account", account.id, bank=bank_code,
                 account=account.masked, replaced=changed)
    db.session.commit()
    return account
