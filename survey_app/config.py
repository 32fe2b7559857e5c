"""Configuration: one documented class, every value from the environment.

Every setting reads ``HAILONG_<NAME>``; the defaults suit a laptop demo on SQLite.
Production (``HAILONG_ENV=production``) refuses to start with the default secrets.
"""
import os
from pathlib import Path

DEFAULT_SECRET = "dev-only-change-me"  # noqa: S105 - the refused default, not a real secret


def _env(name, default=None):
    return os.environ.get(f"HAILONG_{name}", default)


def _env_bool(name, default=False):
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_database_url(instance_path):
    return f"sqlite:///{Path(instance_path) / 'hailong.db'}"


class Config:
    #: ``development`` or ``production``.
    ENV_NAME = _env("ENV", "development")
    #: Signs sessions, CSRF tokens and invitation links.
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET)
    #: Keys the hashes of dossier codes and API keys (never stored in clear).
    HASH_KEY = _env("HASH_KEY", None)
    #: SQLAlchemy URL; default: SQLite file under the instance folder.
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", None)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: A PostgreSQL streaming replica for the reads of the console, the API and the public
    #: results (GET/HEAD); empty: no replica. Writes, the citizens' pages and the commands
    #: always use the primary. Ignored on SQLite. See survey_app/read_replica.py.
    READ_DATABASE_URL = _env("READ_DATABASE_URL", "")
    #: Reads go back to the primary while the replica lags more than this (seconds), and
    #: a browser that saved something reads from the primary for this long (plus the check
    #: interval), so a page after "Save" never shows the old value.
    READ_MAX_LAG_SECONDS = float(_env("READ_MAX_LAG_SECONDS", "30"))
    #: Seconds between two checks of the replica (answers? lag?) in each worker.
    READ_CHECK_SECONDS = float(_env("READ_CHECK_SECONDS", "5"))
    #: Public base URL printed in QR codes and invitation links, e.g.
    #: ``https://khaosat.tinh.gov.vn``. Unset (the demo): the address a request came to,
    #: or for commands ``http://127.0.0.1:<FLASK_RUN_PORT or 5000>``. Production needs it.
    BASE_URL = _env("BASE_URL", None)
    #: Days an invitation link stays valid.
    INVITATION_DAYS = int(_env("INVITATION_DAYS", "30"))
    #: Flood guard: accepted submissions one client may make to one service point (QR and
    #: kiosk forms together; Flask-Limiter syntax). Far above a counter's real rate: a
    #: shared Wi-Fi puts many citizens behind one address, and suspicious answers are
    #: quarantined instead (services/quarantine.py), never refused.
    SUBMIT_RATE_LIMIT = _env("SUBMIT_RATE_LIMIT", "1000 per hour")
    #: Answers from one address at one service point that make a burst: all are held in
    #: quarantine (left out of the indices until a manager releases them).
    QUARANTINE_BURST = _env("QUARANTINE_BURST", "10 per 5 minutes")
    #: Identical answer sets at one service point (any address) that are held.
    QUARANTINE_PATTERN = _env("QUARANTINE_PATTERN", "10 per 5 minutes")
    #: A form sent sooner than this after it was shown (seconds) is held.
    QUARANTINE_MIN_SECONDS = float(_env("QUARANTINE_MIN_SECONDS", "5"))
    #: Months after which `hailong retention run` removes the personal data of comments
    #: and the optional profile answers (0: never). Stated on the privacy page.
    RETENTION_MONTHS = int(_env("RETENTION_MONTHS", "24"))
    #: Minutes after which a kiosk's form page returns to a fresh form in Vietnamese, so
    #: that the next citizen never sees a half-filled one (at least twice the time the
    #: questionnaire takes).
    KIOSK_RESET_MINUTES = int(_env("KIOSK_RESET_MINUTES", "5"))
    #: Login attempts per client.
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    #: Reverse proxies in front of the app (1 behind nginx): the client's address and
    #: scheme are then read from X-Forwarded-For / X-Forwarded-Proto.
    PROXY_COUNT = int(_env("PROXY_COUNT", "0"))
    #: Wrong passwords in a row that lock an account, and for how long.
    LOCKOUT_AFTER = int(_env("LOCKOUT_AFTER", "5"))
    LOCKOUT_MINUTES = int(_env("LOCKOUT_MINUTES", "15"))
    #: Flask-Limiter storage, e.g. ``redis://127.0.0.1:6379`` with several workers.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Longest comment a citizen may write.
    COMMENT_MAX_LENGTH = int(_env("COMMENT_MAX_LENGTH", "1000"))
    #: Requests larger than this are refused (bytes).
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))

    #: A fixed "today" (a ``datetime.date``) for tests; None: the real date in TIMEZONE.
    TODAY = None
    #: Tallies (services/tally.py): a page refreshes them at most this often per process,
    #: and only while the refresh would read at most TALLY_SYNC_LIMIT responses (an
    #: anonymous page: TALLY_PUBLIC_SYNC_LIMIT); a bigger backlog is left to `hailong tally
    #: refresh`, which the deploy's timer runs every minute.
    TALLY_REFRESH_SECONDS = int(os.environ.get("HAILONG_TALLY_REFRESH_SECONDS", "20"))
    TALLY_SYNC_LIMIT = int(os.environ.get("HAILONG_TALLY_SYNC_LIMIT", "200000"))
    TALLY_PUBLIC_SYNC_LIMIT = int(os.environ.get("HAILONG_TALLY_PUBLIC_SYNC_LIMIT", "20000"))
    #: Responses a request may read one by one: a crosstab of two attributes that vary
    #: within a day (channel x sex; no tally holds such pairs), or any page while its
    #: tallies wait for a rebuild. About 10 s on 2 cores, well inside gunicorn's 60 s; a
    #: larger scope is asked to narrow down (crosstab) or to come back (503).
    ROW_READ_LIMIT = int(os.environ.get("HAILONG_ROW_READ_LIMIT", "250000"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")

    # A citizen may keep the form open for a long time; an expired token re-renders
    # the form with the answers kept, so a generous limit loses nothing.
    WTF_CSRF_TIME_LIMIT = 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", ENV_NAME == "production")
    REMEMBER_COOKIE_HTTPONLY = True


class UnsafeConfiguration(RuntimeError):
    """Raised when a production configuration would be unsafe to run."""


def check_production(config):
    """Return a list of problems that make ``config`` unsafe for production."""
    problems = []
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET):
        problems.append("HAILONG_SECRET_KEY is unset or the default")
    if not config.get("HASH_KEY"):
        problems.append("HAILONG_HASH_KEY is unset")
    if not config.get("BASE_URL"):
        problems.append("HAILONG_BASE_URL is unset (QR codes and invitation links would carry "
                        "whatever address a request names)")
    if config.get("DEBUG"):
        problems.append("debug mode is on")
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if url.startswith("sqlite") and not _env_bool("ALLOW_SQLITE"):
        problems.append("SQLite in production (set HAILONG_ALLOW_SQLITE=1 to accept it)")
    read_url = (config.get("READ_DATABASE_URL") or "").strip()
    if read_url and url.startswith("postgresql") and not read_url.startswith("postgresql"):
        problems.append("HAILONG_READ_DATABASE_URL is not a PostgreSQL URL "
                        "(postgresql+psycopg://user:password@host:port/database)")
    workers = int(os.environ.get("HAILONG_WORKERS", "1"))
    if workers > 1 and str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        problems.append(f"{workers} workers with in-memory rate limits (each worker counts "
                        "alone): set HAILONG_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379")
    return problems
