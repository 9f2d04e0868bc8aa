"""Login Kit grants: authorization codes, access tokens (`act.`) and refresh tokens (`rft.`).

Lifetimes are TikTok's (24 h access, 365 d refresh; codes single-use, about 5 minutes) and are
measured on the sandbox clock, so tests expire tokens by moving `clock_offset_seconds`.
"""
import base64
import hashlib
import secrets

from .model import open_id_for

CODE_TTL = 300
ACCESS_TTL = 86400
REFRESH_TTL = 31536000


class OAuthError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error, self.description = error, description


def _pkce_ok(challenge: str, verifier: str) -> bool:
    # TikTok's docs ask for hex SHA-256 while RFC 7636 clients send base64url: accept either.
    digest = hashlib.sha256(verifier.encode()).digest()
    b64 = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return challenge in (digest.hex(), b64)


class TokenStore:
    """Lives inside State and uses its lock and clock."""

    def __init__(self, state):
        self.state = state
        self.codes: dict[str, dict] = {}
        self.access: dict[str, dict] = {}
        self.refresh: dict[str, dict] = {}

    def issue_code(self, user_id, client_key, redirect_uri, scopes, challenge=None) -> str:
        code = secrets.token_urlsafe(24)
        with self.state.lock:
            self.codes[code] = {"user_id": user_id, "client_key": client_key, "scopes": scopes,
                                "redirect_uri": redirect_uri, "challenge": challenge,
                                "expires_at": self.state.now() + CODE_TTL}
        return code

    def redeem_code(self, code, client_key, redirect_uri, verifier=None) -> dict:
        with self.state.lock:
            grant = self.codes.pop(code, None)  # single use, even when the rest fails
            if grant is None or grant["expires_at"] <= self.state.now():
                raise OAuthError("invalid_grant", "Authorization code is expired or invalid.")
            if grant["client_key"] != client_key:
                raise OAuthError("invalid_grant", "Authorization code was issued to another client.")
            if grant["redirect_uri"] != redirect_uri:
                raise OAuthError("invalid_grant", "Redirect URI does not match the authorize request.")
            if grant["challenge"] and verifier and not _pkce_ok(grant["challenge"], verifier):
                raise OAuthError("invalid_request", "Code verifier or code challenge is invalid.")
            return self.issue(grant["user_id"], client_key, grant["scopes"])

    def issue(self, user_id, client_key, scopes) -> dict:
        now = self.state.now()
        access, refresh = "act." + secrets.token_urlsafe(40), "rft." + secrets.token_urlsafe(40)
        base = {"user_id": user_id, "client_key": client_key, "scopes": list(scopes)}
        with self.state.lock:
            self.access[access] = dict(base, expires_at=now + ACCESS_TTL)
            self.refresh[refresh] = dict(base, expires_at=now + REFRESH_TTL)
        return {"access_token": access, "expires_in": ACCESS_TTL,
                "open_id": open_id_for(client_key, user_id), "refresh_expires_in": REFRESH_TTL,
                "refresh_token": refresh, "scope": ",".join(scopes), "token_type": "Bearer"}

    def use_refresh(self, token, client_key) -> dict:
        """Rotate: the old refresh token dies, a full new set comes back."""
        with self.state.lock:
            grant = self.refresh.get(token)
            if grant is None or grant["expires_at"] <= self.state.now():
                raise OAuthError("invalid_grant", "Refresh token is invalid or expired.")
            if grant["client_key"] != client_key:
                raise OAuthError("invalid_grant", "Refresh token was issued to another client.")
            del self.refresh[token]
            return self.issue(grant["user_id"], client_key, grant["scopes"])

    def revoke(self, token, client_key) -> None:
        """Revoking a user's access token disconnects the app: every token of that pair dies."""
        with self.state.lock:
            grant = self.access.get(token) or self.refresh.get(token)
            if grant is None or grant["client_key"] != client_key:
                return
            pair = (grant["user_id"], client_key)
            for table in (self.access, self.refresh):
                for key in [k for k, g in table.items() if (g["user_id"], g["client_key"]) == pair]:
                    del table[key]

    def check_access(self, token: str) -> dict | None:
        with self.state.lock:
            grant = self.access.get(token)
            if grant is None or grant["expires_at"] <= self.state.now():
                return None
            return dict(grant)

    def expire(self, open_id: str | None = None) -> int:
        """Control API: make access tokens (of one open_id, or all) expired right now."""
        count = 0
        with self.state.lock:
            for grant in self.access.values():
                if open_id in (None, open_id_for(grant["client_key"], grant["user_id"])):
                    grant["expires_at"] = self.state.now() - 1
                    count += 1
        return count
