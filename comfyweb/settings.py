"""The one settings module. Everything that differs between a laptop, CI and production comes from the
environment (see docs/configuration.md); production refuses to start without its secrets."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from comfyweb.env import database_from_url, env_bool, env_int, env_list, env_str, redis_url_with_db

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("COMFYWEB_DATA_DIR", str(BASE_DIR / "var")))

# "development" (the one-command run), "test" (pytest) or "production".
ENVIRONMENT = env_str("COMFYWEB_ENV", "test" if "pytest" in sys.modules else "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"COMFYWEB_ENV must be development, test or production, not {ENVIRONMENT!r}.")
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"

DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")


def _secret_key() -> str:
    if PRODUCTION:
        key = env_str("SECRET_KEY")
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")
        return key
    if TESTING:
        return env_str("SECRET_KEY", secrets.token_urlsafe(50))
    # Development: a random key kept in the data directory, so sessions survive restarts and no key is
    # ever committed.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return env_str("SECRET_KEY", path.read_text().strip())


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the platform's host names in production (no '*').")

# The platform's own public base URL (scheme + host, no trailing slash). Signed URLs handed to ComfyUI and
# to vendors (BFL polling URLs, upload and download URLs, e-mail links) are built from it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not PUBLIC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be the platform's https:// address in production.")

INSTALLED_APPS = [
    "console.admin_site.StaffOTPAdminConfig",  # django.contrib.admin behind the TOTP gate
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "channels",
    "axes",
    "pgtrigger",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "comfyweb.apps.CoreConfig",
    "accounts",
    "billing",
    "billing.payments",
    "nodes",
    "canvas",
    "privacy",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "comfyweb.middleware.ApiErrorMiddleware",
    "accounts.origins.OriginPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "comfyweb.middleware.SignedInNoStoreMiddleware",
    "accounts.devices.DeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "comfyweb.middleware.FriendlyNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "comfyweb.urls"
WSGI_APPLICATION = "comfyweb.wsgi.application"
ASGI_APPLICATION = "comfyweb.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "comfyweb.context_processors.site",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "" if PRODUCTION else f"sqlite:///{DATA_DIR / 'comfyweb.sqlite3'}")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
DATABASES = {"default": database_from_url(DATABASE_URL, base_dir=BASE_DIR)}
if PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: DATABASE_URL must be a postgres:// URL.")
# Production runs a psycopg pool by default: /proxy calls take a connection per short step (never across
# a vendor call), which without a pool would open a real connection per step and re-PREPARE every time.
_POOL_MAX = env_int("DATABASE_POOL_MAX_SIZE", default=20 if PRODUCTION else 0, minimum=0)
# The hot statements (a /proxy call, a ledger operation) are PREPAREd once per connection (comfyweb.sql).
# Turn it off behind a pooler that shares server sessions between clients (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
if PRODUCTION and not _POOL_MAX and DATABASE_PREPARED_STATEMENTS:
    # Without a pool every step would open a connection and PREPARE again; only an external pooler
    # (PgBouncer, which also needs DATABASE_PREPARED_STATEMENTS=0) replaces it.
    raise ImproperlyConfigured(
        "DATABASE_POOL_MAX_SIZE=0 in production needs an external pooler: set DATABASE_PREPARED_STATEMENTS=0."
    )
if _POOL_MAX and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": _POOL_MAX, "timeout": 10}}
if TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-backed test database, so that threads in concurrency smoke tests get their own connections.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-comfyweb.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if TESTING and REDIS_URL:
    # pytest-xdist workers share one Redis server: each gets its own database, so that one test's
    # cache.clear() (FLUSHDB) or rate-limit counters never reach a test running on another worker.
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    REDIS_URL = redis_url_with_db(REDIS_URL, 1 + int(_worker or 0) % 15)
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (channel layer, cache, Celery broker).")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The embedded default's in-process broker names its host: a bare "memory://" makes kombu warn "No
# hostname was supplied" on the embedded run.
EMBEDDED_BROKER_URL = "memory://localhost/"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or EMBEDDED_BROKER_URL)
# Without a broker (the embedded default and the test suite) tasks run in-process, at enqueue time.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# --- Auth ------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full cost would dominate the suite; tests check the hasher choice separately.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
PASSWORD_MAX_LENGTH = 200
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": PASSWORD_MAX_LENGTH}},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/dashboard"
LOGOUT_REDIRECT_URL = "/"

# Login throttling that cannot be turned against the owner (accounts/services/login_throttle.py):
# 1. per account + client: AXES_FAILURE_LIMIT failures from one IP pause sign-in to that account from that
#    IP for 15 minutes (a warning at 2 attempts left; the owner is e-mailed);
# 2. per account, from all clients: after LOGIN_ACCOUNT_FREE_FAILURES failures in an hour each attempt
#    waits 30 s, doubling to 15 minutes, except from a browser the owner already signed in with.
# A password reset lifts both.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=10, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"  # the sign-in form's field (accounts.forms.LoginForm)
# Normalised (trimmed, lower-case) so case variants of one address share one failure counter.
AXES_USERNAME_CALLABLE = "accounts.views.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
LOGIN_ACCOUNT_FREE_FAILURES = env_int("LOGIN_ACCOUNT_FREE_FAILURES", default=10, minimum=1)
LOGIN_TRUSTED_COOKIE = "__Host-signin" if PRODUCTION else "signin_trusted"

# API keys and platform bearer tokens.
API_KEYS_MAX_LIVE_PER_USER = 25
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60
PLATFORM_TOKEN_TTL_SECONDS = env_int("PLATFORM_TOKEN_TTL_SECONDS", default=3600, minimum=60)
if PLATFORM_TOKEN_TTL_SECONDS > 3600:
    raise ImproperlyConfigured("PLATFORM_TOKEN_TTL_SECONDS must be at most 3600 (tokens are short-lived).")

# --- Sessions, cookies, security headers -----------------------------------------------------------------
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The Stripe webhook must never be redirected (quality.md P2).
    # Matched against the path without its leading slashes: every spelling of the webhook URL (a trailing
    # slash, doubled slashes, another case, anything after it) is exempt, so none of them can redirect.
    SECURE_REDIRECT_EXEMPT = [r"(?i)^billing/+stripe/+webhook"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A CSRF refusal on an API path is JSON in the one error shape, never Django's HTML page.
CSRF_FAILURE_VIEW = "comfyweb.handlers.csrf_failure"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL] if PUBLIC_BASE_URL else [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Request limits --------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: API JSON bodies above it get 413.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100

# --- I18n, static, media ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root on every start
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail ----------------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "comfyweb <noreply@localhost>")
SITE_NAME = env_str("SITE_NAME", "comfyweb")
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@localhost")

# --- Money -----------------------------------------------------------------------------------------------
CREDITS_PER_USD = env_int("CREDITS_PER_USD", default=211, minimum=1)

# --- DRF -------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_PARSER_CLASSES": ["comfyweb.jsonio.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "comfyweb.errors.drf_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "STRICT_JSON": True,
}

# --- Logging ---------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # httpx logs every request at INFO with its full URL: one line per vendor call and per canvas
        # request, and URLs can carry vendor query credentials or signed tokens. Failures are logged by us.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # One "Task … succeeded" line per periodic sweep (every 30 s) drowns the console; failures still log.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- API keys (H2): no API key or platform token ever reaches a log line (quality.md §6 item 8). ---
LOGGING["filters"] = {"scrub_secrets": {"()": "accounts.log_filters.SecretScrubFilter"}}
LOGGING["handlers"]["console"]["filters"] = ["scrub_secrets"]  # type: ignore[index]

# --- sandbox & storage (nodes/sandbox, nodes/storage.py) ---------------------------------------------------
# How long a simulated vendor job takes from submit to its terminal status; `[slow]` prompts take 10 times
# as long. Tests answer at once unless they set it.
SANDBOX_JOB_SECONDS = env_int("SANDBOX_JOB_SECONDS", default=0 if TESTING else 6, minimum=0)
# How long signed sandbox result URLs (/sandbox/files/…) stay fetchable without credentials.
SANDBOX_FILE_TTL_SECONDS = env_int("SANDBOX_FILE_TTL_SECONDS", default=24 * 3600, minimum=3600)
# POST /customers/storage: the unauthenticated PUT capability and the credential-free download URL.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", default=200 * 1024 * 1024, minimum=1)
# Edge limits (comfyweb/bodylimit.py, docs/deploy.md): checked from the headers before a body byte is read.
# (path prefix, max body bytes, needs an X-API-KEY/Authorization header when a body is sent); the first
# matching prefix wins. /proxy calls are held to their own route's cap (nodes/vendors: 32 MiB JSON, 64 MiB
# multipart, 200 MiB video uploads), with the value here as the ceiling.
BODY_LIMIT_MIB = 1024 * 1024
PROXY_BODY_MAX_BYTES = env_int("PROXY_BODY_MAX_BYTES", default=200 * BODY_LIMIT_MIB, minimum=1)
BODY_LIMITS: list[tuple[str, int, bool]] = [
    ("/proxy/", PROXY_BODY_MAX_BYTES, True),
    ("/storage/upload/", UPLOAD_MAX_BYTES, False),  # the unauthenticated PUT capability
    ("/sandbox/", 200 * BODY_LIMIT_MIB, False),  # the vendor simulator takes what the vendors take
    ("/customers", 64 * 1024, True),  # small JSON bodies, always with a key or platform token
    ("/billing/stripe/webhook", 1 * BODY_LIMIT_MIB, False),  # Stripe events are far below 1 MiB
    ("/admin/", DATA_UPLOAD_MAX_MEMORY_SIZE, False),  # staff change forms
]
# Everything else: sign-in, settings and payment forms, /auth/token.
BODY_LIMIT_DEFAULT_BYTES = env_int("BODY_LIMIT_DEFAULT_BYTES", default=256 * 1024, minimum=1024)
UPLOAD_URL_TTL_SECONDS = env_int("UPLOAD_URL_TTL_SECONDS", default=3600, minimum=60)
DOWNLOAD_URL_TTL_SECONDS = env_int("DOWNLOAD_URL_TTL_SECONDS", default=24 * 3600, minimum=3600)

# --- payments (billing/payments) ---------------------------------------------------------------------------
# Without STRIPE_SECRET_KEY the sandbox gateway (a local TEST MODE checkout page) takes payments; production
# refuses to start without both Stripe secrets, so it can never fall back to the sandbox.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_LIVEMODE = env_bool("STRIPE_LIVEMODE", default=False)
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
# Replay window for webhook signatures; a system check (payments.E001) insists on an int > 0.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
TOPUP_MIN_MICROS = env_int("TOPUP_MIN_MICROS", default=5_000_000, minimum=1)
TOPUP_MAX_MICROS = env_int("TOPUP_MAX_MICROS", default=10_000_000_000, minimum=1)
if PRODUCTION and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production.")
CELERY_BEAT_SCHEDULE["payments-sweep-open-purchases"] = {
    "task": "payments.sweep_open_purchases",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["payments-recover-undelivered-events"] = {
    "task": "payments.recover_undelivered_events",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["payments-balance-watch-sweep"] = {
    "task": "payments.balance_watch_sweep",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {"task": "payments.reconcile", "schedule": 86400.0}

# --- billing (the credit ledger, billing/) ---------------------------------------------------------------
# Support grants above this amount wait for a second, different staff member (quality.md L8). $100.
GRANT_APPROVAL_THRESHOLD_MICROS = env_int("GRANT_APPROVAL_THRESHOLD_MICROS", default=100_000_000, minimum=0)
# --- support console (console/) ----------------------------------------------------------------------------
# Staff must confirm a TOTP code (django-otp) before the console opens. Off only for the one-command local
# run (DEBUG / development); production refuses to start with it off (quality.md A-15).
CONSOLE_REQUIRE_OTP = env_bool("CONSOLE_REQUIRE_OTP", default=not (DEBUG or ENVIRONMENT == "development"))
if PRODUCTION and not CONSOLE_REQUIRE_OTP:
    raise ImproperlyConfigured("CONSOLE_REQUIRE_OTP cannot be turned off in production.")
OTP_TOTP_ISSUER = SITE_NAME
# Holds past their expiry are released every minute (quality.md L7).
CELERY_BEAT_SCHEDULE["billing-expire-holds"] = {"task": "billing.tasks.expire_holds", "schedule": 60.0}

# --- vendors & proxy (nodes/engine, nodes/vendors) ----------------------------------------------------------
# Per vendor: VENDOR_<NAME>_API_KEY, VENDOR_<NAME>_MODE (sandbox | live; default: live with a key, else
# sandbox), VENDOR_<NAME>_BASE_URL (overrides the live base). Veo also reads VENDOR_VEO_PROJECT/_LOCATION.
# One vendor per module in nodes/vendors/ (its file name is the vendor's settings name; Luma's second base,
# `luma_2`, shares Luma's), read from the folder so that adding a vendor is adding its module.
PROXY_VENDOR_NAMES = tuple(
    sorted(
        p.stem for p in (BASE_DIR / "nodes" / "vendors").glob("*.py") if p.stem not in ("__init__", "common")
    )
)
VENDOR_SETTINGS: dict[str, dict[str, str]] = {
    _name: {
        "api_key": env_str(f"VENDOR_{_name.upper()}_API_KEY", ""),
        "mode": env_str(f"VENDOR_{_name.upper()}_MODE", ""),
        "base_url": env_str(f"VENDOR_{_name.upper()}_BASE_URL", ""),
        "project": env_str(f"VENDOR_{_name.upper()}_PROJECT", ""),
        "location": env_str(f"VENDOR_{_name.upper()}_LOCATION", ""),
    }
    for _name in PROXY_VENDOR_NAMES
}
for _name, _conf in VENDOR_SETTINGS.items():
    if _conf["mode"] not in ("", "sandbox", "live"):
        raise ImproperlyConfigured(f"VENDOR_{_name.upper()}_MODE must be sandbox or live.")
# Where sandbox-mode vendors are called: empty (the default) = this platform's own /sandbox/ simulator,
# called in-process (no address that could be wrong); set it only for a simulator running elsewhere.
SANDBOX_UPSTREAM_BASE_URL = env_str("SANDBOX_UPSTREAM_BASE_URL", "").rstrip("/")
# The price table is cached per process for a few seconds (admission stays cheap); 0 = always read.
PROXY_PRICE_CACHE_SECONDS = env_int("PROXY_PRICE_CACHE_SECONDS", default=0 if TESTING else 5, minimum=0)
# Generous per-minute limits; polls have their own budget so a polling client is never starved.
PROXY_CALLS_PER_MINUTE_PER_USER = env_int("PROXY_CALLS_PER_MINUTE_PER_USER", default=600, minimum=1)
PROXY_CALLS_PER_MINUTE_PER_KEY = env_int("PROXY_CALLS_PER_MINUTE_PER_KEY", default=600, minimum=1)
PROXY_POLLS_PER_MINUTE = env_int("PROXY_POLLS_PER_MINUTE", default=6000, minimum=60)
# Idempotency-Key replies larger than this are not kept: a retry then gets 409 idempotency_consumed.
PROXY_IDEMPOTENCY_MAX_STORED_BYTES = env_int(
    "PROXY_IDEMPOTENCY_MAX_STORED_BYTES", default=1_048_576, minimum=0
)
# Database steps of /proxy calls running at once per process (the rest queue on the event loop); keep it
# near DATABASE_POOL_MAX_SIZE.
PROXY_DB_CONCURRENCY = env_int("PROXY_DB_CONCURRENCY", default=16, minimum=1)
# Open vendor jobs that nobody polled for this long are polled (and settled) by the sweeper.
PROXY_SWEEP_IDLE_SECONDS = env_int("PROXY_SWEEP_IDLE_SECONDS", default=120, minimum=10)
CELERY_BEAT_SCHEDULE["nodes-sweep-jobs"] = {"task": "nodes.tasks.sweep_jobs", "schedule": 60.0}

# --- hosted ComfyUI sessions (canvas/, docs/canvas.md) ---------------------------------------------------
# The canvas's own origin: ComfyUI runs extension JavaScript, so it must never share an origin (cookies,
# CSRF token) with the platform's pages. The one-command run uses http://localhost:<port> beside the
# platform's http://127.0.0.1:<port>: two origins, both secure contexts.
# Outside production the canvas defaults to `localhost` beside a 127.0.0.1 platform; a platform on any
# other host gets no default (hosted sessions then need CANVAS_BASE_URL set).
_CANVAS_DEFAULT = PUBLIC_BASE_URL.replace("://127.0.0.1", "://localhost", 1)
CANVAS_BASE_URL = env_str(
    "CANVAS_BASE_URL", "" if PRODUCTION or _CANVAS_DEFAULT == PUBLIC_BASE_URL else _CANVAS_DEFAULT
).rstrip("/")
if CANVAS_BASE_URL:
    from urllib.parse import urlsplit as _urlsplit

    if _urlsplit(CANVAS_BASE_URL).hostname == _urlsplit(PUBLIC_BASE_URL).hostname:
        raise ImproperlyConfigured("CANVAS_BASE_URL must have its own host name, not the platform's.")
    if PRODUCTION and not CANVAS_BASE_URL.startswith("https://"):
        raise ImproperlyConfigured("CANVAS_BASE_URL must be an https:// address in production.")
# `local`: one ComfyUI process per session on this machine, from CANVAS_COMFYUI_COMMAND (placeholders
# {python} {comfyui_dir} {port} {api_base} {user_dir} {input_dir} {output_dir} {temp_dir});
# `pool`: the operator-registered backends (admin → Hosted ComfyUI → Canvas backends).
CANVAS_COMFYUI_DIR = env_str("CANVAS_COMFYUI_DIR", "")
CANVAS_COMFYUI_COMMAND = env_str(
    "CANVAS_COMFYUI_COMMAND",
    "{python} {comfyui_dir}/main.py --listen 127.0.0.1 --port {port} --comfy-api-base {api_base} "
    "--user-directory {user_dir} --input-directory {input_dir} --output-directory {output_dir} "
    "--temp-directory {temp_dir}"
    if CANVAS_COMFYUI_DIR
    else "",
)
CANVAS_COMFYUI_EXTRA_ARGS = env_str("CANVAS_COMFYUI_EXTRA_ARGS", "")  # e.g. "--cpu"
CANVAS_PYTHON = env_str("CANVAS_PYTHON", sys.executable)
CANVAS_SPAWNER = env_str("CANVAS_SPAWNER", "local" if CANVAS_COMFYUI_COMMAND else "pool")
if CANVAS_SPAWNER not in {"local", "pool"}:
    raise ImproperlyConfigured("CANVAS_SPAWNER must be local or pool.")
CANVAS_LOCAL_MAX_SESSIONS = env_int("CANVAS_LOCAL_MAX_SESSIONS", default=2, minimum=1)
# Per-minute price of a local session (pool backends carry their own); 0 = free.
CANVAS_LOCAL_PRICE_PER_MINUTE_MICROS = env_int("CANVAS_LOCAL_PRICE_PER_MINUTE_MICROS", default=0, minimum=0)
CANVAS_DATA_DIR = Path(env_str("CANVAS_DATA_DIR", str(DATA_DIR / "canvas")))
CANVAS_IDLE_MINUTES = env_int("CANVAS_IDLE_MINUTES", default=30, minimum=1)
CANVAS_MAX_HOURS = env_int("CANVAS_MAX_HOURS", default=8, minimum=1)
CANVAS_START_TIMEOUT_SECONDS = env_int("CANVAS_START_TIMEOUT_SECONDS", default=180, minimum=5)
CANVAS_TICKET_TTL_SECONDS = env_int("CANVAS_TICKET_TTL_SECONDS", default=60, minimum=5)
# What the session's own API key (the one injected into /api/prompt) may spend on API nodes. $25.
CANVAS_SESSION_SPEND_LIMIT_MICROS = env_int(
    "CANVAS_SESSION_SPEND_LIMIT_MICROS", default=25_000_000, minimum=0
)
# ComfyUI's own default --max-upload-size (100 MB); bigger request bodies are refused by the proxy.
CANVAS_UPLOAD_MAX_BYTES = env_int("CANVAS_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024, minimum=1)
CELERY_BEAT_SCHEDULE["canvas-sweep"] = {"task": "canvas.tasks.sweep_sessions", "schedule": 30.0}

# --- privacy (privacy/: data export and account deletion) ---------------------------------------------------
# A confirmed deletion waits this long (the cancel link in the e-mail works until then) before it runs.
DELETION_GRACE_HOURS = env_int("DELETION_GRACE_HOURS", default=72, minimum=0)
# How long the pipeline waits for in-flight API calls to settle their holds before it releases them.
DELETION_HOLDS_WAIT_SECONDS = env_int("DELETION_HOLDS_WAIT_SECONDS", default=3600, minimum=0)
# What is kept after a deletion (pseudonymised ledger, purchases, usage) and for how long: shown to the user.
ACCOUNTING_RETENTION_YEARS = env_int("ACCOUNTING_RETENTION_YEARS", default=10, minimum=1)
# An export's download link works this long, for its owner only.
EXPORT_LINK_TTL_HOURS = 24
# At most this many exports per user per day (quality.md D-04: rate-limited).
EXPORTS_PER_DAY = env_int("EXPORTS_PER_DAY", default=5, minimum=1)
CELERY_BEAT_SCHEDULE["privacy-run-due-deletions"] = {"task": "privacy.run_due_deletions", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["privacy-purge-expired-exports"] = {
    "task": "privacy.purge_expired_exports",
    "schedule": 3600.0,
}
