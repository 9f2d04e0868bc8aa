"""Builds the TikTok HTTP client from the app's config (the only Flask-aware module here)."""
from flask import current_app

from webapp.tiktok.http import HttpSettings, TikTokHttp


def http_from_config(config=None) -> TikTokHttp:
    config = config or current_app.config
    timeout = config["TIKTOK_TIMEOUT_SECONDS"]
    return TikTokHttp(HttpSettings(
        web_base=config["TIKTOK_WEB_BASE"], api_base=config["TIKTOK_API_BASE"],
        vm_base=config["TIKTOK_VM_BASE"], vt_base=config["TIKTOK_VT_BASE"],
        connect_timeout=min(3.0, timeout), read_timeout=timeout, total_timeout=timeout * 1.5,
        max_bytes=config["TIKTOK_MAX_BYTES"],
    ))
