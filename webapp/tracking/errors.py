class InvalidViews(ValueError):
    """A view count that cannot be true (negative, absurd, missing); nothing is stored."""
