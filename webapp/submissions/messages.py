"""User-facing, translated words for submissions: link errors, statuses, and the technical
details stored with a video (`status_detail`, `last_fetch_error`) turned into sentences.

The stored details are written for logs ("unavailable: page unavailable (...statusCode 10204)",
"posted by @x", "throttled: page: circuit breaker open"); nobody should read them raw. A detail
this module does not recognise becomes a generic sentence: admins still find the raw text in a
tooltip, creators never see it.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.submissions.models import CHECKING, REJECTED, Submission

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
    "rejected_before": _l("An admin did not approve this video, so it cannot be submitted "
                          "again. The reason is on the video's page."),
}

STATUSES = {
    "checking": _l("Checking…"),
    "pending_review": _l("Verified, waiting for review"),
    "not_yours": _l("Not yours"),
    "not_found": _l("Not found"),
    "check_failed": _l("Could not check"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "superseded": _l("Superseded"),
}
# Admins read the same statuses from outside: "not yours" is the creator's own point of view.
ADMIN_STATUSES = {**STATUSES, "not_yours": _l("Not the creator's")}

# Where a count came from (ViewSnapshot.source), as a phrase that follows the number.
SOURCES = {
    "display": _l("from TikTok's API"),
    "page": _l("from the TikTok page"),
    "oembed": _l("from TikTok's embed service"),
    "manual": _l("entered by an admin"),
    "extension": _l("seen by an admin's browser extension"),
}

UNKNOWN = _l("The check ran into a problem we cannot describe yet.")

# Details stored as whole fixed phrases (webapp.submissions.verification and .services,
# webapp.earnings.models.LEGACY_DROP_NOTE).
PHRASES = {
    "TikTok did not say who posted it": _l(
        "TikTok did not say who posted the video, so we could not tell whose it is."),
    "claimed by the proven owner of this TikTok account": _l(
        "The proven owner of this TikTok account claimed the video, so this claim ended."),
    "verified view count decreased": _l("The verified view count went down."),
}
_POSTED_BY = re.compile(r"posted by @(?P<handle>\S*)")
_PROVEN_ELSEWHERE = re.compile(r"@(?P<handle>\S+) was proven by its owner on another account")
_NO_HANDLE = ("", "None")  # verification writes "posted by @None" when TikTok named no handle


def error_message(code: str):
    return ERRORS.get(code, _l("This link cannot be submitted."))


def status_label(status: str):
    return STATUSES.get(status, _l("Unknown status"))


def admin_status_label(status: str):
    """The status as an admin reads it (the queue, the video pages, the filters)."""
    return ADMIN_STATUSES.get(status, _l("Unknown status"))


def source_in_words(source: str | None) -> str:
    """'page' -> 'from the TikTok page' (never the raw name)."""
    return str(SOURCES.get(source or "", _l("from an unknown source")))


def detail_in_words(sub: Submission) -> str | None:
    """The submission's stored detail as a sentence, or None when there is nothing to say.

    A rejection's reason is the admin's own words and is shown as they wrote it elsewhere."""
    if not sub.status_detail or sub.status == REJECTED:
        return None
    words = error_in_words(sub.status_detail)
    if sub.status == CHECKING:  # an attempt failed and another one is scheduled
        return _("%(what)s We will try again shortly.", what=words)
    return words


def error_in_words(raw: str | None) -> str | None:
    """A stored technical detail ("<reason>: <message>" or a fixed phrase) as a sentence."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw in PHRASES:
        return str(PHRASES[raw])
    if match := _POSTED_BY.fullmatch(raw):
        handle = match["handle"]
        if handle in _NO_HANDLE:
            return _("TikTok names another account as the author of this video.")
        return _("TikTok says @%(handle)s posted this video, not this creator.", handle=handle)
    if match := _PROVEN_ELSEWHERE.fullmatch(raw):
        return _("@%(handle)s was proven by its owner on another ViewPay account, so this claim "
                 "ended.", handle=match["handle"])
    reason, _sep, message = raw.partition(": ")
    explain = _BY_REASON.get(reason)
    return str(explain(message)) if explain else str(UNKNOWN)


def _not_found(message: str):
    if "user not found" in message:
        return _l("TikTok says the account that posted this video no longer exists.")
    if "short link" in message:
        return _l("The short link leads to no video.")
    return _l("TikTok says this video does not exist: it was deleted, or the link is wrong.")


def _private(message: str):
    if "account" in message:
        return _l("The TikTok account is private, so nobody else can see the video.")
    return _l("The video is private on TikTok, so nobody else can see it.")


def _unavailable(message: str):
    # verification.Ambiguous: "page <reason> (<page message>); oEmbed <oEmbed message>"
    if message.startswith("page "):
        page_reason = message[5:].split(" ", 1)[0]
        if page_reason == "unavailable":
            return _l("TikTok's page says the video is not available, and TikTok's embed "
                      "service does not find it either: it may be deleted or private, or "
                      "TikTok may be keeping us out.")
        if page_reason in ("blocked", "rate_limited", "throttled"):
            return _l("TikTok kept us from reading the video page, and its embed service does "
                      "not find the video: it may be deleted or private.")
        if page_reason == "region_blocked":
            return _l("TikTok does not show this video in our region, and its embed service "
                      "does not find it.")
        return _l("The video page could not be read, and TikTok's embed service does not find "
                  "the video: it may be deleted or private.")
    if "under review" in message:
        return _l("TikTok is reviewing this video; it is not shown to anyone yet.")
    return _l("TikTok says the video is not available right now: it may be deleted or private, "
              "or TikTok may be keeping us out. One sighting does not prove which.")


def _blocked(message: str):
    if "age-gated" in message:
        return _l("The video is age-restricted: TikTok shows it only to signed-in viewers, so "
                  "it cannot be read automatically.")
    return _l("TikTok blocked the automatic check (a security check or a sign-in page).")


def _garbled(message: str):
    if message.startswith("photo page"):
        return _l("This is a photo post, not a video.")
    return _l("TikTok's answer could not be read.")


def _throttled(message: str):
    if "circuit breaker" in message:
        return _l("Checks are paused for a moment after repeated TikTok failures.")
    return _l("Checks are spaced out to stay within TikTok's limits.")


# The `reason` of each webapp.tiktok error (and tracking's invalid_views) -> its words.
_BY_REASON = {
    "not_found": _not_found,
    "private": _private,
    "unavailable": _unavailable,
    "region_blocked": lambda m: _l("TikTok does not show this video in our region."),
    "blocked": _blocked,
    "garbled": _garbled,
    "rate_limited": lambda m: _l("TikTok asked us to slow down."),
    "throttled": _throttled,
    "upstream": lambda m: _l("TikTok did not answer in time, or answered with an error."),
    "auth": lambda m: _l("The creator's TikTok connection stopped working; they need to "
                         "connect again."),
    "not_owned": lambda m: _l("TikTok's API does not list this video among the creator's own "
                              "videos."),
    "invalid_views": lambda m: _l("TikTok gave no usable view count."),
    "invalid_url": lambda m: _l("The video's link cannot be used."),
    "unsafe_url": lambda m: _l("The video's link cannot be used."),
}


def owner_evidence(sub: Submission, *, via_login: bool) -> tuple[str, str]:
    """(kind, sentence): why we believe the video is, or is not, the creator's.

    kind is "proven" (TikTok names the creator's proven account), "matches" (only the handle
    agrees: typed at sign-up, or TikTok gave no account number), "mismatch" or "unknown".
    `via_login`: the creator connected TikTok (Login Kit) rather than only a bio code."""
    creator, seen_handle = sub.creator, sub.author_handle_seen
    if creator.identity_proven and sub.author_id_seen:
        if sub.author_id_seen != creator.tiktok_user_id:
            return "mismatch", _("TikTok names another account as the author: @%(seen)s.",
                                 seen=seen_handle or "?")
        if via_login:
            return "proven", _("Proven: TikTok names the creator's account, confirmed by "
                               "signing in with TikTok.")
        return "proven", _("Proven: TikTok names the creator's account, confirmed by a code "
                           "in their TikTok bio.")
    if seen_handle and creator.tiktok_handle:
        if seen_handle.lower() != creator.tiktok_handle.lower():
            return "mismatch", _("Does not match: TikTok names @%(seen)s, the creator is "
                                 "@%(mine)s.", seen=seen_handle, mine=creator.tiktok_handle)
        if creator.identity_proven:
            return "matches", _("The handle matches the creator's proven account, but TikTok "
                                "gave no account number to compare.")
        return "matches", _("The handle matches @%(handle)s, which the creator only typed at "
                            "sign-up (not proven).", handle=creator.tiktok_handle)
    if seen_handle:
        return "mismatch", _("TikTok names @%(seen)s; this creator has no TikTok handle.",
                             seen=seen_handle)
    return "unknown", _("TikTok has not named the author yet.")
