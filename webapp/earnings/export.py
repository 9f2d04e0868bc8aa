"""The bank transfer batch: approved payouts as CSV, exact whole-rupiah amounts."""
import csv
import io
from decimal import Decimal

from webapp.audit import services as audit
from webapp.earnings.bank import bank_name
from webapp.earnings.payouts import approved_batch
from webapp.extensions import db
from webapp.timeutil import aware

HEADER = ("payout_id", "reference", "bank_code", "bank_name", "account_number", "holder_name",
          "amount_idr", "creator_email", "requested_at_utc")


def approved_csv(admin_id: int) -> str:
    """One row per approved payout; amounts are integers of rupiah written from Decimal."""
    batch = approved_batch()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for p in batch:
        writer.writerow([
            p.id, f"VIEWPAY-{p.id}", p.bank_code, bank_name(p.bank_code),
            _cell(p.account_number), _cell(p.holder_name), whole_rupiah(p.amount),
            _cell(p.creator.email), aware(p.requested_at).isoformat(timespec="seconds"),
        ])
    # Who took the bank details out of the system, and which payouts they covered.
    audit.record(admin_id, "payout_export", "payouts", "approved", payout_ids=[p.id for p in batch])
    db.session.commit()
    return out.getvalue()


def whole_rupiah(amount: Decimal) -> str:
    """'50000' for Decimal('50000.00000000'); refuses (never rounds) anything else."""
    whole = amount.to_integral_value()
    if whole != amount:
        raise ValueError(f"{amount} is not a whole rupiah amount")
    return f"{whole:f}"


def _cell(text: str) -> str:
    # A spreadsheet would run a cell starting with = + - @ as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
