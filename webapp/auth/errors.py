class AuthError(ValueError):
    """A sign-up or login rule was broken; the message is shown to the user."""
