"""What a creator should do about a video, in plain words: its status, why, and the next step.

One sentence per situation, with a link when the step happens elsewhere in ViewPay. `tone`
says how it looks: "info" (nothing to do), "warn" (money waits, or something may need them),
"error" (the video does not earn until they act, or at all).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.submissions.models import (APPROVED, CHECK_FAILED, CHECKING, NOT_FOUND, NOT_YOURS,
                                      PENDING_REVIEW, REJECTED, SUPERSEDED, Submission)

# The reason codes verification and refreshes store before the ":" of their detail.
_PRIVATE = ("private",)
_GONE = ("not_found", "unavailable", "not_owned")


@dataclass(frozen=True)
class Advice:
    tone: str  # "info" | "warn" | "error"
    text: str
    link_endpoint: str | None = None  # where the next step happens
    link_label: str | None = None


def _reason(detail: str | None) -> str:
    return (detail or "").split(":", 1)[0].strip()


def _private() -> Advice:
    return Advice("error", _("Private video: make it public so it keeps counting."))


def advice_for(sub: Submission, holds: frozenset[str] | set[str] = frozenset()) -> Advice | None:
    """The advice for one video; `holds` are the kinds of its open flags. None: all is well."""
    if sub.status == APPROVED:
        return _approved(sub, holds)
    return _BY_STATUS.get(sub.status, lambda s: None)(sub)


def _approved(sub: Submission, holds) -> Advice | None:
    if sub.refresh_failures and _reason(sub.last_fetch_error) in _PRIVATE:
        return _private()
    if sub.refresh_failures and _reason(sub.last_fetch_error) in _GONE:
        return Advice("error", _("TikTok does not show this video right now. If it was deleted "
                                 "or made private it stops earning; make it public again to "
                                 "keep counting."))
    if "identity" in holds:
        return Advice("warn", _("Earnings of this video are held until you prove the TikTok "
                                "account is yours."), "auth.tiktok_account",
                      _("Prove your TikTok account"))
    if "identity_old" in holds:
        return Advice("warn", _("Earnings of this video are held while an admin checks it: it "
                                "was posted long before you proved your TikTok account. "
                                "Nothing to do."))
    if holds:
        return Advice("warn", _("Earnings of this video are held while an admin checks an "
                                "unusual change in its views. Nothing to do: they are released "
                                "when the check is done."))
    if sub.refresh_failures:
        return Advice("info", _("TikTok did not answer our last check. We will try again "
                                "automatically; nothing to do."))
    return None


def _not_found(sub: Submission) -> Advice:
    if _reason(sub.status_detail) in _PRIVATE:
        return Advice("error", _("Private video: make it public, then submit the link again."))
    return Advice("error", _("TikTok cannot find this video. A deleted video cannot earn; if it "
                             "is still up, make sure it is public and submit the link again."))


def _not_yours(sub: Submission) -> Advice:
    if sub.author_handle_seen:
        text = _("TikTok says @%(handle)s posted this video. Only videos from your own TikTok "
                 "account can earn.", handle=sub.author_handle_seen)
    else:
        text = _("TikTok says another account posted this video. Only videos from your own "
                 "TikTok account can earn.")
    return Advice("error", text, "auth.tiktok_account", _("Check your TikTok account"))


def _checking(sub: Submission) -> Advice:
    if sub.verify_attempts or sub.status_detail:  # no plain answer yet: a retry is scheduled
        return Advice("info", _("TikTok has not answered clearly yet. We keep trying "
                                "automatically for a while; nothing to do."))
    return Advice("info", _("We are checking this video on TikTok. This takes a minute; "
                            "nothing to do."))


def _rejected(sub: Submission) -> Advice:
    if sub.reject_reason:
        return Advice("error", _("Rejected by an admin: %(reason)s", reason=sub.reject_reason))
    return Advice("error", _("Rejected by an admin."))


_BY_STATUS = {
    CHECKING: lambda sub: _checking(sub),
    PENDING_REVIEW: lambda sub: Advice("info", _("Checked on TikTok. An admin will approve "
                                                 "it soon; nothing to do.")),
    CHECK_FAILED: lambda sub: Advice("warn", _("We could not check this video on TikTok. An "
                                               "admin will look at it; no need to submit it "
                                               "again.")),
    NOT_FOUND: _not_found,
    NOT_YOURS: _not_yours,
    REJECTED: _rejected,
    SUPERSEDED: lambda sub: Advice("error", _("The proven owner of this TikTok account claimed "
                                              "this video, so it is no longer tracked for "
                                              "you.")),
}
