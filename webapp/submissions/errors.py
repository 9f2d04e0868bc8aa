class SubmissionError(ValueError):
    """A submission rule was broken; `code` picks the translated message shown to the user."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


class ReviewError(ValueError):
    """An approve/reject that no longer applies (already reviewed, wrong state)."""
