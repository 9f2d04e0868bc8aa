class MoneyError(ValueError):
    """A money rule was broken; `code` picks the translated message (webapp.earnings.messages)."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code
