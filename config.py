"""Configuration from the environment (12-factor). `Config` is the embedded default."""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TELEMED_INSTANCE_DIR", BASE_DIR / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment; for the embedded default a generated one kept in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if os.environ.get("TELEMED_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in production (TELEMED_ENV=production).")
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        # Written once, readable by the owner only; survives restarts so sessions do too.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'telemed.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TELEMED_DATA_DIR = os.environ.get("TELEMED_DATA_DIR", str(INSTANCE_DIR / "data"))
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "200"))
    # Files the app creates (database, WAL, blobs, caches) are owner-only: 0600 files, 0700 folders.
    TELEMED_UMASK = os.environ.get("TELEMED_UMASK", "077")
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
    TELEMED_PROXY_HOPS = int(os.environ.get("TELEMED_PROXY_HOPS", "0"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # "thread": a background thread of the web process (embedded default); "celery": Celery
    # workers over Redis (the default when REDIS_URL is set); "inline": analysed before the
    # upload request returns (tests, scripts); "deferred": left for the next start (seeding).
    ANALYSIS_MODE = os.environ.get("TELEMED_ANALYSIS_MODE", "celery" if os.environ.get("REDIS_URL") else "thread")
    # A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_LIFETIME_HOURS after login.
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_LIFETIME_HOURS = float(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = int(SESSION_LIFETIME_HOURS * 3600)
    SESSION_COOKIE_HTTPONLY = True
    # Throttling (Flask-Limiter syntax): failed logins per account name and per address, uploads
    # per user. Counters live in Redis when REDIS_URL is set (shared by all web processes).
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "10 per 15 minutes")
    RATELIMIT_LOGIN_ADDRESS = os.environ.get("RATELIMIT_LOGIN_ADDRESS", "50 per 15 minutes")
    RATELIMIT_UPLOAD = os.environ.get("RATELIMIT_UPLOAD", "60 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"  # set on every app: never inherited
    # Redis briefly down: count in memory meanwhile, never fail the request because of the limiter.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # After LOGIN_LOCKOUT_THRESHOLD failures in a row an account is locked 1 minute, then 2, 4, ...
    LOGIN_LOCKOUT_THRESHOLD = int(os.environ.get("LOGIN_LOCKOUT_THRESHOLD", "5"))
    LOGIN_LOCKOUT_MAX_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MAX_MINUTES", "60"))
    # Lax keeps the session cookie off cross-site POSTs; the CSRF token (Flask-WTF) is the defence.
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Origins allowed to open the live socket, comma-separated (e.g. "https://ecg.example.cn").
    # Empty: the app's own origin only (the Host the browser asked for).
    SOCKETIO_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("TELEMED_ALLOWED_ORIGINS", "").split(",")
                                if o.strip()] or None
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("REDIS_URL")
    DASHBOARD_DEBOUNCE_S = float(os.environ.get("DASHBOARD_DEBOUNCE_S", "0.5"))
    # A task is acknowledged only after the analysis is saved; one that outlives this is redelivered.
    CELERY_VISIBILITY_TIMEOUT_S = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT_S", "900"))
    # Seconds between two passes of the SLA clocks (the in-process thread, or Celery beat); 0: never.
    SLA_CHECK_S = float(os.environ.get("TELEMED_SLA_CHECK_S", "60"))
    # Language and clock for people without a consortium (administrators, the login page) and
    # the defaults of new consortia: the consortium's own settings win everywhere else.
    BABEL_DEFAULT_LOCALE = os.environ.get("TELEMED_DEFAULT_LOCALE", "zh_CN")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TELEMED_DEFAULT_TIMEZONE", "Asia/Shanghai")
    # A TrueType CJK font embedded (subset) in the PDF reports; Debian: fonts-wqy-microhei.
    REPORT_CJK_FONT = os.environ.get("TELEMED_REPORT_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

    def __init__(self):
        # Evaluated when the app is created, never at import time.
        self.SECRET_KEY = _secret_key()
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_MB * 1024 * 1024
        self.RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
        # TELEMED_ENV=production: HSTS and cookies sent over HTTPS only.
        self.TELEMED_PRODUCTION = os.environ.get("TELEMED_ENV") == "production"
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = self.TELEMED_PRODUCTION


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None
    SQLALCHEMY_ENGINE_OPTIONS = {}
    ANALYSIS_MODE = "inline"
    SOCKETIO_MESSAGE_QUEUE = None
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast fixtures; never in production
    DASHBOARD_DEBOUNCE_S = 0.0  # assert on the event right after the change
    BABEL_DEFAULT_LOCALE = "en"  # messages asserted in English unless a test asks for zh_CN
    SLA_CHECK_S = 0  # tests drive the clock themselves (telemed.services.sla.check(now=...))

    def __init__(self):
        self.SECRET_KEY = "test-secret"
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_MB * 1024 * 1024
        self.RATELIMIT_STORAGE_URI = "memory://"  # a fresh counter store for every test app
