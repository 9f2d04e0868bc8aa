"""Builds the TikTok HTTP client, the guard and the sources from the app's config (the only
Flask-aware module here; the rest of the package takes plain values)."""
from flask import current_app

from webapp.tiktok.breaker import BreakerSettings
from webapp.tiktok.guard import SourceGuard
from webapp.tiktok.http import HttpSettings, TikTokHttp
from webapp.tiktok.limits import Limit
from webapp.tiktok.oauth import LoginKit, OAuthApp
from webapp.tiktok.sources import DisplaySource, OEmbedSource, PageSource, ProfileSource


def http_from_config(config=None) -> TikTokHttp:
    config = config or current_app.config
    timeout = config["TIKTOK_TIMEOUT_SECONDS"]
    return TikTokHttp(HttpSettings(
        web_base=config["TIKTOK_WEB_BASE"], api_base=config["TIKTOK_API_BASE"],
        vm_base=config["TIKTOK_VM_BASE"], vt_base=config["TIKTOK_VT_BASE"],
        cdn_base=config["TIKTOK_CDN_BASE"] or None,
        connect_timeout=min(3.0, timeout), read_timeout=timeout, total_timeout=timeout * 1.5,
        max_bytes=config["TIKTOK_MAX_BYTES"],
    ))


def guard_from_config(config=None) -> SourceGuard:
    from webapp.extensions import jobqueue  # the app's Redis, shared by every process

    config = config or current_app.config
    window = config["TIKTOK_RATE_WINDOW_SECONDS"]
    limits = {"display": Limit(config["TIKTOK_DISPLAY_RATE"], window),
              "page": Limit(config["TIKTOK_PAGE_RATE"], window),
              "oembed": Limit(config["TIKTOK_OEMBED_RATE"], window)}
    breaker = BreakerSettings(
        window_seconds=config["TIKTOK_BREAKER_WINDOW_SECONDS"],
        min_calls=config["TIKTOK_BREAKER_MIN_CALLS"],
        min_success=config["TIKTOK_BREAKER_MIN_SUCCESS"],
        cooldown_seconds=config["TIKTOK_BREAKER_COOLDOWN_SECONDS"])
    return SourceGuard(jobqueue.connection, limits, breaker,
                       max_wait=config["TIKTOK_RATE_MAX_WAIT_SECONDS"])


class Sources:
    """The guarded sources of one job or request, sharing one HTTP client and one guard."""

    def __init__(self, http: TikTokHttp | None = None, guard=None):
        self.http = http or http_from_config()
        self.guard = guard if guard is not None else guard_from_config()
        self.display = DisplaySource(self.http, self.guard)
        self.page = PageSource(self.http, self.guard)
        self.oembed = OEmbedSource(self.http, self.guard)
        self.profile = ProfileSource(self.http, self.guard)


def login_kit(http: TikTokHttp | None = None) -> LoginKit:
    config = current_app.config
    # From settings only (webapp.auth.redirect_uri fixes it at start-up): never the Host header.
    redirect_uri = config["TIKTOK_REDIRECT_URI"]
    scopes = tuple(s.strip() for s in config["TIKTOK_SCOPES"].split(",") if s.strip())
    return LoginKit(http or http_from_config(), OAuthApp(
        client_key=config["TIKTOK_CLIENT_KEY"], client_secret=config["TIKTOK_CLIENT_SECRET"],
        redirect_uri=redirect_uri, scopes=scopes, web_base=config["TIKTOK_WEB_BASE"]))


def oauth_configured() -> bool:
    config = current_app.config
    return bool(config["TIKTOK_CLIENT_KEY"] and config["TIKTOK_CLIENT_SECRET"])
