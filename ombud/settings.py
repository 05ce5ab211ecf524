"""Django settings, read from the environment (see docs/configuration.md).

Policy (deadlines, categories, routing, calendars) is *not* here: it is data in the database,
editable by a regulator admin. Only deployment facts live in settings.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ombud.env import env_bool, env_int, env_list, env_str, secret_from_env_or_file

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("OMBUD_DATA_DIR", str(Path.cwd() / "var"))).resolve()

SECRET_KEY = secret_from_env_or_file("OMBUD_SECRET_KEY", DATA_DIR / "keys" / "secret_key", 50)
# AES-256-GCM key for personal data at rest (urlsafe base64 of 32 bytes).
ENCRYPTION_KEY = secret_from_env_or_file("OMBUD_ENCRYPTION_KEY", DATA_DIR / "keys" / "encryption_key", 32)
# HMAC key of the audit log's chain (docs/audit.md). Kept apart from the database, so that
# someone who can write to the database cannot recompute a valid chain; back it up with the rest.
AUDIT_KEY = secret_from_env_or_file("OMBUD_AUDIT_KEY", DATA_DIR / "keys" / "audit_key", 32)
if len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured("OMBUD_AUDIT_KEY must be at least 32 characters")
DEBUG = env_bool("OMBUD_DEBUG", False)
ALLOWED_HOSTS = env_list("OMBUD_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("OMBUD_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ombud.directory",
    "ombud.campaigns",
    "ombud.intake",
    "ombud.cases",
    "ombud.oversight",
    "ombud.reports",
    "ombud.portal",
    "ombud.audit",
    "ombud",  # project-level commands (serve, worker, demo), base templates and static files
]

# The ones from ombud.middleware are Django's (or Ombud's) for pages only: a request to the
# API (/api/, bearer tokens) steps over sessions, CSRF, messages, the page user and the error
# pages; it keeps the security headers, the host check, the lockout answer, the error format and
# the body guards (ombud/middleware.py).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ombud.middleware.SessionMiddleware",
    "ombud.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's own, not a pages-only subclass: the API's views are csrf_exempt (django-ninja),
    # so it costs a bearer-token call next to nothing, and Django's deployment checks
    # (security.W003, W016) know it by this name only.
    "django.middleware.csrf.CsrfViewMiddleware",
    "ombud.middleware.AuthenticationMiddleware",
    "ombud.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ombud.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "ombud.api.JsonErrorsMiddleware",
    "ombud.middleware.DomainErrorPageMiddleware",
    "ombud.security.JsonDepthLimitMiddleware",
    "ombud.security.RejectNulBytesMiddleware",
]

ROOT_URLCONF = "ombud.urls"
WSGI_APPLICATION = "ombud.wsgi.application"
AUTH_USER_MODEL = "directory.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["ombud.templatetags.figures"],  # `count` in every template
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'ombud.sqlite3'}"),
        conn_max_age=env_int("OMBUD_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (the dashboard) run while a writer records a visit; IMMEDIATE makes a
    # write transaction take the lock at BEGIN instead of failing mid-way with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: Ombud's queries are short index reads and GROUP BYs over rollups, for
    # which compiling the plan costs more than it saves. On the large-cost plans of a million
    # cases PostgreSQL's default (jit_above_cost 100000) added 1.5 s to a 0.6 s statistics query
    # (docs/scale.md). Per connection, so it needs no change to the server's configuration.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A PostgreSQL streaming replica for the reads of reports, statistics and public pages
# (ombud/replica.py, docs/scale.md). Unset: no alias, no router, no middleware — nothing changes.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
# A client that sent a non-safe request reads from the primary for this long (a signed cookie).
OMBUD_READ_YOUR_WRITES_SECONDS = env_int("OMBUD_READ_YOUR_WRITES_SECONDS", 10)
# The replica is used only while at most this far behind, checked at most this often per process.
OMBUD_REPLICA_MAX_LAG_SECONDS = env_int("OMBUD_REPLICA_MAX_LAG_SECONDS", 10)
OMBUD_REPLICA_CHECK_SECONDS = env_int("OMBUD_REPLICA_CHECK_SECONDS", 5)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("OMBUD_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if not DATABASES["replica"]["ENGINE"] == DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL, and DATABASE_URL too (its primary)")
    # A replica out of reach must not hold a request up: fall back to the primary quickly.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("OMBUD_REPLICA_CONNECT_TIMEOUT", 2)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"]["OPTIONS"]["options"] = "-c jit=off"  # as on the primary (above)
    if OMBUD_REPLICA_MAX_LAG_SECONDS > OMBUD_READ_YOUR_WRITES_SECONDS:
        # A client whose cookie has expired would read a replica that may not hold its write yet.
        raise ImproperlyConfigured(
            "OMBUD_REPLICA_MAX_LAG_SECONDS must not exceed OMBUD_READ_YOUR_WRITES_SECONDS "
            f"({OMBUD_REPLICA_MAX_LAG_SECONDS} > {OMBUD_READ_YOUR_WRITES_SECONDS})"
        )
    if OMBUD_REPLICA_CHECK_SECONDS < 0:
        raise ImproperlyConfigured(f"OMBUD_REPLICA_CHECK_SECONDS must be >= 0, got {OMBUD_REPLICA_CHECK_SECONDS}")
    DATABASE_ROUTERS.append("ombud.replica.ReplicaRouter")
    # Read-your-writes: every non-safe request marks its client, whatever answers it.
    MIDDLEWARE.insert(1, "ombud.replica.ReadYourWritesMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account+address pair after repeated failures; a reception day has many staff
# behind one NAT, so never lock by address alone.
AXES_FAILURE_LIMIT = env_int("OMBUD_LOGIN_FAILURE_LIMIT", 8)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("OMBUD_AXES_ENABLED", True)
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "ombud.directory.lockout.lockout_response"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A visit is a few hundred bytes of JSON; anything near this limit is an attack or a bug.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OMBUD_MAX_BODY_BYTES", 64 * 1024)

# Public pages' limits, counted in the database by every worker together (portal/limits.py,
# docs/tracking.md, docs/publication.md): wrong secret codes per tracking number (strict),
# failed lookups per address (generous: a reception site's visitors share one address), votes
# per address and report.
OMBUD_TRACK_NUMBER_LIMIT = env_int("OMBUD_TRACK_NUMBER_LIMIT", 10)
OMBUD_TRACK_NUMBER_WINDOW_SECONDS = env_int("OMBUD_TRACK_NUMBER_WINDOW_SECONDS", 3600)
OMBUD_TRACK_ADDRESS_LIMIT = env_int("OMBUD_TRACK_ADDRESS_LIMIT", 100)
OMBUD_TRACK_ADDRESS_WINDOW_SECONDS = env_int("OMBUD_TRACK_ADDRESS_WINDOW_SECONDS", 600)
OMBUD_POLL_ADDRESS_LIMIT = env_int("OMBUD_POLL_ADDRESS_LIMIT", 30)
OMBUD_POLL_WINDOW_SECONDS = env_int("OMBUD_POLL_WINDOW_SECONDS", 3600)
# The consumers' side (docs/portal.md): the address printed on receipts, in SMS and in the QR
# code (the site's public origin, no trailing slash), and the regulator's hotline.
OMBUD_PUBLIC_URL = env_str("OMBUD_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
OMBUD_HOTLINE = env_str("OMBUD_HOTLINE", "12378")
# One-time SMS codes (portal/verification.py): how long a code lives, how many wrong tries it
# takes, how long before another may be sent to the same number, and how many codes a number and
# an address may be sent per hour.
OMBUD_OTP_TTL_SECONDS = env_int("OMBUD_OTP_TTL_SECONDS", 600)
OMBUD_OTP_MAX_ATTEMPTS = env_int("OMBUD_OTP_MAX_ATTEMPTS", 5)
OMBUD_OTP_RESEND_SECONDS = env_int("OMBUD_OTP_RESEND_SECONDS", 60)
OMBUD_OTP_PHONE_LIMIT = env_int("OMBUD_OTP_PHONE_LIMIT", 5)
OMBUD_OTP_ADDRESS_LIMIT = env_int("OMBUD_OTP_ADDRESS_LIMIT", 30)
OMBUD_OTP_WINDOW_SECONDS = env_int("OMBUD_OTP_WINDOW_SECONDS", 3600)
# Online filings (portal/filing/): at most OMBUD_FILING_PHONE_LIMIT per verified phone per
# OMBUD_FILING_PHONE_WINDOW_SECONDS (a day), and OMBUD_FILING_ADDRESS_LIMIT per address (an
# IPv4 address or IPv6 /64, portal/limits.py) per OMBUD_FILING_ADDRESS_WINDOW_SECONDS (an hour).
# Over a limit: 429 with Retry-After. The address limit is generous: a family or an office
# behind one NAT address files together.
OMBUD_FILING_PHONE_LIMIT = env_int("OMBUD_FILING_PHONE_LIMIT", 5)
OMBUD_FILING_PHONE_WINDOW_SECONDS = env_int("OMBUD_FILING_PHONE_WINDOW_SECONDS", 86400)
OMBUD_FILING_ADDRESS_LIMIT = env_int("OMBUD_FILING_ADDRESS_LIMIT", 20)
OMBUD_FILING_ADDRESS_WINDOW_SECONDS = env_int("OMBUD_FILING_ADDRESS_WINDOW_SECONDS", 3600)
# The company search of the public API (GET /api/v1/public/companies): requests per address per minute.
OMBUD_COMPANY_SEARCH_LIMIT = env_int("OMBUD_COMPANY_SEARCH_LIMIT", 120)
# Answers to a public consultation (portal/consultations/services.py): how many one address may
# send per window (a household or an office shares one address; a bot sends hundreds).
OMBUD_CONSULTATION_ADDRESS_LIMIT = env_int("OMBUD_CONSULTATION_ADDRESS_LIMIT", 20)
OMBUD_CONSULTATION_WINDOW_SECONDS = env_int("OMBUD_CONSULTATION_WINDOW_SECONDS", 3600)
# Reverse proxies whose X-Forwarded-For these limits may read (addresses or networks).
OMBUD_TRUSTED_PROXIES = env_list("OMBUD_TRUSTED_PROXIES", [])

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# OMBUD_HTTPS=1 (docs/configuration.md, "HTTPS"): plain HTTP is redirected, browsers are told
# to use HTTPS for a year (HSTS) and cookies are sent over HTTPS only; `ombud check --deploy`
# then passes (ombud/tests/test_deploy_check.py). /healthz and /readyz answer over plain HTTP
# too: load balancers probe them from inside the network.
HTTPS = env_bool("OMBUD_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OMBUD_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("OMBUD_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # security.W021 asks for the preload directive. Preloading is a commitment made by
    # submitting the registrable domain (hstspreload.org) and can take months to undo; Ombud
    # usually runs on a subdomain of the regulator's domain, which cannot be submitted by
    # itself. It is the domain owner's decision: OMBUD_HSTS_PRELOAD=1 once they have made it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a proxy that terminates TLS, Django sees plain HTTP; it may trust the proxy's
# X-Forwarded-Proto only when the proxy always sets it (and strips a client's own).
if env_bool("OMBUD_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("OMBUD_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

TASKS = {
    "default": {
        "BACKEND": env_str("OMBUD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# A token dies after this, or earlier on logout, password change or deactivation (docs/api.md).
API_TOKEN_TTL_HOURS = env_int("OMBUD_API_TOKEN_TTL_HOURS", 12)
if API_TOKEN_TTL_HOURS < 1:
    raise ImproperlyConfigured(f"OMBUD_API_TOKEN_TTL_HOURS must be at least 1, got {API_TOKEN_TTL_HOURS}")

# Notifications and the deadline worker (docs/notifications.md). Message texts and the reminder
# lead time are data (MessageTemplate, DeadlineRule "alert.reminder"), not settings.
# console | file | gateway | memory | dotted path (console and file show one-time codes: development only)
OMBUD_SMS_BACKEND = env_str("OMBUD_SMS_BACKEND", "console")
OMBUD_SMS_GATEWAY_URL = env_str("OMBUD_SMS_GATEWAY_URL", "")
OMBUD_SMS_GATEWAY_KEY = env_str("OMBUD_SMS_GATEWAY_KEY", "")
OMBUD_EMAIL_BACKEND = env_str("OMBUD_EMAIL_BACKEND", "console")  # console | email | memory | dotted path
OMBUD_SWEEP_SECONDS = env_int("OMBUD_SWEEP_SECONDS", 60)
OMBUD_NOTIFY_RETRY_SECONDS = env_int("OMBUD_NOTIFY_RETRY_SECONDS", 60)
OMBUD_NOTIFY_STUCK_SECONDS = env_int("OMBUD_NOTIFY_STUCK_SECONDS", 300)
# A task row RUNNING longer than this was left by a dead worker: queued again (cases/tasks.py).
OMBUD_TASK_STUCK_SECONDS = env_int("OMBUD_TASK_STUCK_SECONDS", 900)
# Django's mail, used when OMBUD_EMAIL_BACKEND=email.
EMAIL_HOST = env_str("OMBUD_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("OMBUD_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("OMBUD_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("OMBUD_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OMBUD_SMTP_STARTTLS", False)
EMAIL_USE_SSL = env_bool("OMBUD_SMTP_SSL", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env_str("OMBUD_EMAIL_FROM", "ombud@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_personal_data": {"()": "ombud.logfilters.ScrubPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env_str("OMBUD_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request bodies never reach a log: django.request logs only the path and status.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
