"""Samverka settings: one module, every knob read from an environment variable.

Defaults give a safe single-machine installation: SQLite under ``var/``, a secret key generated
into ``var/`` on first use, DEBUG off, mail written to files under ``var/mail/``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent


def envbool(name: str, default: bool = False) -> bool:
    """A boolean from the environment: 1/true/yes/on (any case) is true."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for container secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text(encoding="utf-8").strip()
    return None


VAR_DIR = Path(os.environ.get("SAMVERKA_VAR_DIR", BASE_DIR / "var"))
TESTING = "pytest" in sys.modules or os.environ.get("SAMVERKA_TESTING") == "1"


def _secret_key() -> str:
    if key := envsecret("SAMVERKA_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Create with 0600 so the key is never readable by other users, even for an instant.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


SECRET_KEY = "tests-only-not-secret" if TESTING else _secret_key()
# Earlier keys, comma-separated, still accepted after a rotation (sessions, second factors).
SECRET_KEY_FALLBACKS = envlist("SAMVERKA_SECRET_KEY_FALLBACKS")
DEBUG = envbool("SAMVERKA_DEBUG", False)
ALLOWED_HOSTS = envlist("SAMVERKA_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("SAMVERKA_CSRF_TRUSTED_ORIGINS")


def served_at(host: str, port: int | str) -> str:
    """The address a server started on ``host``:``port`` is reached at (``SITE_URL`` when it is
    not set, so that links in mails point where the server listens)."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 (every interface: the machine's name)
        import socket

        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


SITE_URL = (
    os.environ.get("SAMVERKA_SITE_URL")
    or served_at(os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))
).rstrip("/")
# Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (core/client.py): addresses or
# networks, comma-separated; the default is a proxy on the same machine.
SAMVERKA_TRUSTED_PROXIES = envlist("SAMVERKA_TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in SAMVERKA_TRUSTED_PROXIES:  # a typo must stop the start, not every request
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"SAMVERKA_TRUSTED_PROXIES: {_error}") from None

INSTALLED_APPS = [
    "samverka.core",
    "samverka.geo",
    "samverka.actors",
    "samverka.clusters",
    "samverka.programmes",
    "samverka.indicators",
    "samverka.network",
    "samverka.events",
    "samverka.newsletters",
    "samverka.scanning",
    "samverka.knowledge",
    "samverka.sluice",
    "samverka.matchmaking",
    "samverka.privacy",
    "samverka.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "ninja",  # its static files (Swagger UI) for the API docs page
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "samverka.core.middleware.RejectNulMiddleware",  # first: no view or query ever sees NUL
    "samverka.core.client.ForwardedHeadersMiddleware",  # before the rest: see core/client.py
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "samverka.core.audit.RequestActorMiddleware",  # the user behind role changes in the log
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "samverka.core.mfa.MFARequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "samverka.core.page_cache.PageCacheMiddleware",  # last: see core/page_cache.py
]

ROOT_URLCONF = "samverka.urls"
WSGI_APPLICATION = "samverka.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "samverka.core.context_processors.site",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# Databases ---------------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'samverka.sqlite3'}"
_db_url = os.environ.get("SAMVERKA_DATABASE_URL", _default_db)
if TESTING and os.environ.get("SAMVERKA_TEST_DATABASE_URL"):
    _db_url = os.environ["SAMVERKA_TEST_DATABASE_URL"]
# Persistent connections (seconds; 0 closes after each request): a new PostgreSQL connection per
# request costs more than most pages' queries (bench/pages.py). Checked before reuse.
DATABASES = {
    "default": dj_database_url.parse(
        _db_url,
        conn_max_age=envint("SAMVERKA_DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not TESTING:
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif TESTING and os.environ.get("SAMVERKA_TEST_DATABASE_URL"):
    # Use the database named in the URL as the test database itself.
    DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: the database by default so rate limits are shared between processes; Redis to scale.
_redis_url = os.environ.get("SAMVERKA_REDIS_URL", "")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif os.environ.get("SAMVERKA_CACHE", "db" if not _redis_url else "redis") == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "samverka_cache",
        }
    }

# The page cache for logged-out visitors (core/page_cache.py): pages live in each server process's
# memory and are dropped when any content table changes (the generation token lives in the shared
# cache above). Seconds a page may live at most (0 turns it off; off with DEBUG, so template edits
# show, and in tests unless a test turns it on), the most pages one process keeps, the largest
# (so at most 500 × 256 KiB = 128 MiB a process; public pages are typically 10-30 KiB, a cluster
# profile with its member map about 200 KiB).
SAMVERKA_PAGE_CACHE_SECONDS = envint("SAMVERKA_PAGE_CACHE_SECONDS", 0 if TESTING or DEBUG else 300)
SAMVERKA_PAGE_CACHE_MAX_BYTES = envint("SAMVERKA_PAGE_CACHE_MAX_BYTES", 256 * 1024)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "samverka-pages",
    "OPTIONS": {"MAX_ENTRIES": envint("SAMVERKA_PAGE_CACHE_ENTRIES", 500)},
}

# Background tasks --------------------------------------------------------------------------------
SAMVERKA_TASKS = os.environ.get("SAMVERKA_TASKS", "database")
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif SAMVERKA_TASKS == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": _redis_url or "redis://127.0.0.1:6379/0"}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Authentication ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ALLOW_REGISTRATION = envbool("SAMVERKA_ALLOW_SIGNUP", False)
ACCOUNT_ADAPTER = "samverka.core.accounts.AccountAdapter"
# Failed logins are limited per IP and per account; counters live in the shared cache.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("SAMVERKA_LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "5/m/ip,3/m/key",
}
# Two-factor authentication: an authenticator app (TOTP) with recovery codes. Platform admins and
# programme officers must set it up before they can use the site when SAMVERKA_MFA_REQUIRED is on
# (the default, except with DEBUG on or under tests); see core/mfa.py and docs/security.md.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "samverka.core.mfa.MFAAdapter"  # secrets encrypted with a key from SECRET_KEY
MFA_TOTP_ISSUER = "Samverka"
# Accounts are created by administrators (sign-up is off by default) and often have no verified
# address; without this they could not set up the authenticator app they are required to have.
MFA_ALLOW_UNVERIFIED_EMAIL = True
SAMVERKA_MFA_REQUIRED = envbool("SAMVERKA_MFA_REQUIRED", not DEBUG and not TESTING)

# Internationalisation ----------------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# Static and uploaded files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise warns about a missing root before the first collectstatic.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SAMVERKA_IMPORT_MAX_BYTES = envint("SAMVERKA_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Bounded work for any import file: what an XLSX may unpack to (checked before reading it) and
# the data rows one CSV/XLSX file may have.
SAMVERKA_IMPORT_MAX_UNCOMPRESSED_BYTES = envint(
    "SAMVERKA_IMPORT_MAX_UNCOMPRESSED_BYTES", 100_000_000
)
SAMVERKA_IMPORT_MAX_ROWS = envint("SAMVERKA_IMPORT_MAX_ROWS", 500_000)
SAMVERKA_UPLOAD_MAX_MB = envint("SAMVERKA_UPLOAD_MAX_MB", 20)  # knowledge-hub attachments
# The largest request body the server reads (samverka.wsgi refuses a longer one with 413 before
# reading it): the largest upload the application accepts, plus room for the form around it.
SAMVERKA_REQUEST_MAX_BYTES = envint(
    "SAMVERKA_REQUEST_MAX_BYTES",
    max(
        SAMVERKA_IMPORT_MAX_BYTES, SAMVERKA_UPLOAD_MAX_MB * 1024 * 1024, DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    + 1024 * 1024,
)

# Outbound fetches (calendar subscriptions, news feeds) and the public Get help form.
SAMVERKA_FEEDS_ALLOW_PRIVATE = envbool("SAMVERKA_FEEDS_ALLOW_PRIVATE")
SAMVERKA_FEEDS_MAX_BYTES = envint("SAMVERKA_FEEDS_MAX_BYTES", 2 * 1024 * 1024)
SAMVERKA_FEEDS_TIMEOUT = float(os.environ.get("SAMVERKA_FEEDS_TIMEOUT") or 15)
SAMVERKA_HELP_RATE_LIMIT = os.environ.get("SAMVERKA_HELP_RATE_LIMIT") or "5/3600"
SAMVERKA_SEMANTIC = envbool("SAMVERKA_SEMANTIC")  # blend embeddings into matching
# The empty reference page /-/empty that bench/pages.py compares key pages against; off in production.
SAMVERKA_BENCH_ENDPOINTS = envbool("SAMVERKA_BENCH_ENDPOINTS")

# Newsletters: sending pace, the lease after which a stalled send is resumed, the bounce webhook's
# bearer secret (unset refuses every call) and the List-Unsubscribe mailto address.
SAMVERKA_NEWSLETTER_BATCH_SIZE = envint("SAMVERKA_NEWSLETTER_BATCH_SIZE", 50)
SAMVERKA_NEWSLETTER_RATE = envint("SAMVERKA_NEWSLETTER_RATE", 600)  # per minute; 0: no limit
SAMVERKA_NEWSLETTER_LEASE_SECONDS = envint("SAMVERKA_NEWSLETTER_LEASE_SECONDS", 600)
SAMVERKA_BOUNCE_SECRET = envsecret("SAMVERKA_BOUNCE_SECRET")
SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL = os.environ.get("SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL", "")

# Personal data: registrations are anonymised this many days after their event ended, help cases
# this many days after they were closed, copies of sent mail in EMAIL_FILE_PATH deleted this many
# days after they were written (0: never); the daily job "privacy-retention" does it.
SAMVERKA_RETENTION_REGISTRATIONS_DAYS = envint("SAMVERKA_RETENTION_REGISTRATIONS_DAYS", 730)
SAMVERKA_RETENTION_CASES_DAYS = envint("SAMVERKA_RETENTION_CASES_DAYS", 1095)
SAMVERKA_RETENTION_MAIL_DAYS = envint("SAMVERKA_RETENTION_MAIL_DAYS", 30)

# Email -------------------------------------------------------------------------------------------
_email_url = os.environ.get("SAMVERKA_EMAIL_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("SAMVERKA_FROM_EMAIL", "Samverka <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _email_url.startswith(("smtp://", "smtps://", "submission://")):
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _parts.hostname or "localhost"
    EMAIL_PORT = _parts.port or (465 if _parts.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_parts.username or "")
    EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
    EMAIL_USE_SSL = _parts.scheme == "smtps"
    EMAIL_USE_TLS = _parts.scheme == "submission"
    EMAIL_TIMEOUT = 20
elif _email_url == "console://":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Security ----------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS (the normal production case) cookies are sent only over TLS.
SAMVERKA_HTTPS = envbool("SAMVERKA_HTTPS", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SAMVERKA_HTTPS
CSRF_COOKIE_SECURE = SAMVERKA_HTTPS
# Forwarding headers reach Django only from SAMVERKA_TRUSTED_PROXIES (core/client.py).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
if SAMVERKA_HTTPS:
    SECURE_SSL_REDIRECT = envbool("SAMVERKA_SSL_REDIRECT", True)
# HSTS for a year once the site is served over HTTPS (SAMVERKA_HSTS_SECONDS=0 turns it off).
SECURE_HSTS_SECONDS = envint("SAMVERKA_HSTS_SECONDS", 31536000 if SAMVERKA_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SAMVERKA_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SAMVERKA_HSTS_PRELOAD", False)

# Content Security Policy: no inline scripts, everything served from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The interactive API docs load their assets from our own static files (see api/urls).
NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("SAMVERKA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
