"""User-facing, translated messages for submission codes and statuses (one place, both languages)."""
from flask_babel import lazy_gettext as _l

ERRORS = {
    "empty": _l("Paste the link to your TikTok video."),
    "malformed": _l("That does not look like a link. Copy it from TikTok's Share button."),
    "not_tiktok": _l("Only TikTok video links can be submitted."),
    "credentials": _l("Links with a user name or password in them are not accepted."),
    "port": _l("Links with a port number are not accepted; copy the link from TikTok."),
    "ip_literal": _l("Links to an IP address are not accepted. Use a tiktok.com link."),
    "scheme": _l("Only http and https TikTok links can be submitted."),
    "profile_not_video": _l("This is a profile, not a video. Open the video and share that link."),
    "bad_id": _l("The video number in this link is not valid."),
    "no_video": _l("This TikTok link does not point to a video."),
    "too_long": _l("That link is too long."),
    "unsafe_url": _l("This short link leads outside TikTok; it was not followed."),
    "private_address": _l("This short link leads outside TikTok; it was not followed."),
    "too_many_redirects": _l("This short link redirects too many times; paste the full video link."),
    "short_not_found": _l("This short link leads to no video. Check it in the TikTok app."),
    "tiktok_down": _l("TikTok did not answer; try again in a minute."),
    "duplicate": _l("This video has already been submitted."),
}

STATUSES = {
    "checking": _l("Checking…"),
    "pending_review": _l("Verified, waiting for review"),
    "not_yours": _l("Not yours"),
    "not_found": _l("Not found"),
    "check_failed": _l("Could not check"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}


def error_message(code: str):
    return ERRORS.get(code, _l("This link cannot be submitted."))


def status_label(status: str):
    return STATUSES.get(status, status)
