"""Typed failures of the TikTok layer.

Callers decide what each means for a submission; this package only names what happened.
`retryable` tells the tracking layer whether asking again later can help.
"""
from __future__ import annotations


class TikTokError(Exception):
    """Base of every failure raised by webapp.tiktok."""

    retryable = True
    reason = "error"

    def __init__(self, message: str = "", *, status_code: int | None = None):
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        self.status_code = status_code


class InvalidUrl(TikTokError, ValueError):
    """The pasted text is not a TikTok video URL we accept; message is shown to the user."""

    retryable = False
    reason = "invalid_url"

    def __init__(self, message: str = "", *, code: str = "malformed"):
        super().__init__(message)
        # A stable machine code ("not_tiktok", "profile_not_video", "bad_id", ...) that the
        # web layer maps to a translated message; `message` is the English explanation.
        self.code = code

    @classmethod
    def coded(cls, code: str) -> InvalidUrl:
        return cls(URL_MESSAGES[code], code=code)


# The English explanation of each InvalidUrl code; the web layer shows its own translation.
URL_MESSAGES = {
    "empty": "Please paste the link to your TikTok video.",
    "too_long": "This text is too long to be a TikTok link.",
    "malformed": "This does not look like a link. Copy it with the Share button in TikTok.",
    "scheme": "Only web links (https://) to TikTok can be used.",
    "credentials": "Links with a user name or password in them are not accepted.",
    "port": "Links with a port number are not accepted. Copy the link from TikTok.",
    "ip_literal": "Links to an IP address are not accepted. Use a tiktok.com link.",
    "not_tiktok": "This is not a TikTok link.",
    "profile_not_video": "This is a link to a TikTok profile, not to a video. "
                         "Open the video and share that link.",
    "bad_id": "The video number in this link is not valid.",
    "no_video": "This TikTok link does not point to a video.",
}


class UnsafeUrl(InvalidUrl):
    """A URL or redirect hop points somewhere we must never connect to (SSRF guard)."""

    reason = "unsafe_url"


class NotFound(TikTokError):
    """TikTok says the video (or short link, or user) does not exist."""

    retryable = False
    reason = "not_found"


class Private(TikTokError):
    """The video or the whole account is private."""

    retryable = False
    reason = "private"


class RegionBlocked(TikTokError):
    """Withheld in the region the request came from."""

    reason = "region_blocked"


class Unavailable(TikTokError):
    """Ambiguous 'not available now' (statusCode 10204, under review): retry later, never 'deleted'."""

    reason = "unavailable"


class Blocked(TikTokError):
    """WAF challenge, login redirect, or a page with no data blob: we were blocked, not told 'deleted'."""

    reason = "blocked"


class Garbled(TikTokError):
    """The answer arrived but could not be understood (bad JSON, missing fields, wrong types)."""

    reason = "garbled"


class RateLimited(TikTokError):
    """HTTP 429 / rate_limit_exceeded, or our own limiter said no."""

    reason = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: float | None = None, status_code: int | None = 429):
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class Upstream(TikTokError):
    """Timeouts, connection errors, 5xx, oversize bodies: TikTok (or the network) failed."""

    reason = "upstream"


class InvalidParams(Garbled, ValueError):
    """TikTok says our request was malformed: a bug on our side, retrying will not help."""

    retryable = False


class AuthError(TikTokError):
    """OAuth token invalid, expired, revoked (invalid_grant) or a scope is missing."""

    retryable = False
    reason = "auth"


class NotOwned(TikTokError):
    """Display API answered without this id: not owned by the connected user, or not available."""

    retryable = False
    reason = "not_owned"


class Throttled(RateLimited):
    """Our own guard said wait (rate budget spent, a hold after a 429, an open circuit breaker):
    TikTok was not asked, so this says nothing about the video and is no failure of it."""

    reason = "throttled"

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        super().__init__(message, retry_after=retry_after, status_code=None)
