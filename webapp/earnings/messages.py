"""User-facing, translated messages for money error codes (one place, both languages)."""
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.earnings.payouts import minimum

ERRORS = {
    "amount_invalid": _l("Enter a whole number of rupiah, like 50.000."),
    "insufficient": _l("That is more than your available balance."),
    "no_bank": _l("Add your bank details first."),
    "invalid": _l("This form has expired. Reload the page and try again."),
    "bank_unknown": _l("Choose a bank or e-wallet from the list."),
    "account_invalid": _l("An account number has 6 to 20 digits."),
    "phone_invalid": _l(
        "Enter the mobile number registered with the e-wallet, like 0812 3456 7890."),
    "holder_invalid": _l("Enter the account holder's name as the bank shows it (letters only)."),
    "rate_invalid": _l("Enter a number of rupiah per view, like 0,00002489."),
    "rate_negative": _l("A rate cannot be negative."),
    "rate_places": _l("A rate has at most 8 decimal places."),
    "same_rate": _l("This video already has that rate."),
    "not_live": _l("Only approved videos have a rate to change."),
    "busy": _l("Earnings were being credited at that moment; try again."),
    "reason_required": _l("Say why; the creator reads it."),
    "reference_invalid": _l("Enter the bank transfer reference (3 to 64 letters or digits)."),
    "not_pending": _l("This payout has already been decided."),
    "not_approved": _l("Only approved payouts can be marked paid."),
    "flagged": _l("This creator has an open flag. Look at it first, or approve anyway."),
}


def error_message(code: str) -> str:
    from webapp.i18n import rupiah

    config = current_app.config
    if code == "below_minimum":
        return _("The smallest withdrawal is %(minimum)s.", minimum=rupiah(minimum()))
    if code == "rate_too_high":
        return _("A rate above %(maximum)s per view is not allowed.",
                 maximum=rupiah(config["RATE_PER_VIEW_MAX"], exact=True))
    return str(ERRORS.get(code, _l("This cannot be done.")))
