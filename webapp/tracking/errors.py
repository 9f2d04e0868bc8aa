class InvalidViews(ValueError):
    """A view count that cannot be true (negative, absurd, missing); nothing is stored.

    `code` lets a page show the reason in the reader's language."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code
