"""User-facing, translated messages for TikTok connection and bio-code outcomes."""
from flask_babel import lazy_gettext as _l

LINK_ERRORS = {
    "state": _l("That TikTok sign-in did not start here (or has expired). Please try again."),
    "access_denied": _l("You did not allow ViewPay on TikTok, so nothing was connected. "
                        "You can try again, or prove your account with the bio code instead."),
    "oauth_error": _l("TikTok could not complete the sign-in (%(error)s). Please try again."),
    "exchange_failed": _l("TikTok did not accept the sign-in (it may have expired). "
                          "Please try again."),
    "missing_scopes": _l("Please allow ViewPay to see your profile and your videos: without "
                         "them we cannot read your views. Nothing was connected."),
    "handle_mismatch": _l("You signed in to TikTok as @%(seen)s, but this ViewPay account is "
                          "for @%(mine)s. Sign in to TikTok as @%(mine)s and connect again. "
                          "Nothing was connected."),
    "taken": _l("The TikTok account @%(seen)s is already linked to another ViewPay account."),
    "tiktok_down": _l("TikTok did not answer; try again in a minute."),
    "busy": _l("TikTok asked us to slow down; try again in a few minutes."),
    "not_configured": _l("Connecting a TikTok account is not available right now."),
    "no_code": _l("Your code has expired. Get a new code and put it in your bio."),
    "no_account": _l("TikTok has no account @%(handle)s. Check the handle on your account."),
    "code_missing": _l("We could not find %(code)s in the bio of @%(handle)s. Save your bio in "
                       "TikTok, wait a minute, and check again."),
}


def link_error(code: str, /, **params) -> str:
    message = LINK_ERRORS.get(code, LINK_ERRORS["tiktok_down"])
    return str(message) % params if params else str(message)
