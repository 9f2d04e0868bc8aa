class AuthError(ValueError):
    """A sign-up or login rule was broken; the message is shown to the user."""


class EmailTaken(AuthError):
    """Sign-up with an email that already has an account."""


class TikTokLinkError(ValueError):
    """Connecting or proving a TikTok account failed; `code` picks the translated message and
    `params` fill it (e.g. the handle TikTok reported)."""

    def __init__(self, message: str, code: str, /, **params):
        super().__init__(message)
        self.code = code
        self.params = params
