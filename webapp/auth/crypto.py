"""TikTok tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp).

Keys come from TIKTOK_TOKEN_KEYS (comma-separated Fernet keys: the first encrypts, every one
decrypts, so keys rotate without losing tokens). Without it a key is derived from SECRET_KEY
with HKDF, so a deployment is safe by default; changing SECRET_KEY then makes stored tokens
unreadable and creators reconnect (decrypt() raises, the connection is marked broken).
"""
import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_HKDF_INFO = b"viewpay tiktok token encryption v1"


class TokenKeyError(ValueError):
    """A stored token cannot be decrypted with any configured key."""


def derive_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def _fernet() -> MultiFernet:
    config = current_app.config
    keys = [k.strip() for k in (config.get("TIKTOK_TOKEN_KEYS") or "").split(",") if k.strip()]
    if not keys:
        keys = [derive_key(config["SECRET_KEY"]).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise TokenKeyError("a stored TikTok token cannot be decrypted with the current keys"
                            ) from exc
