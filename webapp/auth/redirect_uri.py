"""The Login Kit redirect URI comes from settings, never from a request's Host header (a forged
Host would otherwise send TikTok's authorization code to another site)."""
from urllib.parse import urlsplit

CALLBACK_PATH = "/account/tiktok/callback"


def configured(config) -> str | None:
    """TIKTOK_REDIRECT_URI, else one built from SERVER_NAME and PREFERRED_URL_SCHEME, else None."""
    if config.get("TIKTOK_REDIRECT_URI"):
        return config["TIKTOK_REDIRECT_URI"]
    if config.get("SERVER_NAME"):
        scheme = config.get("PREFERRED_URL_SCHEME") or "https"
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{scheme}://{config['SERVER_NAME']}{root}{CALLBACK_PATH}"
    return None


def check_settings(app) -> None:
    """At start-up: with Login Kit configured, refuse to run without a redirect URI from settings,
    and fix the one built from SERVER_NAME into TIKTOK_REDIRECT_URI."""
    if not app.config.get("TIKTOK_CLIENT_KEY"):
        return
    uri = configured(app.config)
    if uri is None:
        raise RuntimeError("TIKTOK_CLIENT_KEY is set: set TIKTOK_REDIRECT_URI to the callback URL "
                           f"registered with TikTok (https://<your host>{CALLBACK_PATH}), or "
                           "SERVER_NAME (and PREFERRED_URL_SCHEME) to build it.")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RuntimeError(f"TIKTOK_REDIRECT_URI must be an absolute http(s) URL, not {uri!r}.")
    app.config["TIKTOK_REDIRECT_URI"] = uri
