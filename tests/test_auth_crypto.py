"""TikTok tokens at rest: Fernet, keyed from config or derived from SECRET_KEY, rotatable."""
import pytest
from cryptography.fernet import Fernet

from webapp.auth import crypto


def test_round_trip_hides_the_token_and_never_repeats(ctx):
    first, second = crypto.encrypt("act.secret"), crypto.encrypt("act.secret")
    assert "act.secret" not in first and first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "act.secret"


def test_the_derived_key_follows_secret_key(ctx):
    stored = crypto.encrypt("rft.secret")
    assert crypto.derive_key("test") == crypto.derive_key("test") != crypto.derive_key("other")
    ctx.config["SECRET_KEY"] = "rotated"
    with pytest.raises(crypto.TokenKeyError):
        crypto.decrypt(stored)


def test_configured_keys_rotate_without_losing_tokens(ctx):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    ctx.config["TIKTOK_TOKEN_KEYS"] = old
    stored = crypto.encrypt("act.1")
    ctx.config["TIKTOK_TOKEN_KEYS"] = f"{new}, {old}"  # new first: it encrypts, both decrypt
    assert crypto.decrypt(stored) == "act.1"
    fresh = crypto.encrypt("act.2")
    ctx.config["TIKTOK_TOKEN_KEYS"] = new
    assert crypto.decrypt(fresh) == "act.2"
    with pytest.raises(crypto.TokenKeyError):
        crypto.decrypt(stored)
    with pytest.raises(crypto.TokenKeyError):
        crypto.decrypt("not a token")
