"""Settings for govpublic. Everything that differs between installs comes from the
environment (see .env.example); the defaults give the embedded setup: SQLite, tasks
in-process, the real VK and OK API addresses. Every variable is checked as it is read
(govpublic.env); the last line reports all bad ones at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from govpublic.env import (
    env_bool,
    env_choice,
    env_email,
    env_float,
    env_import_path,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_secret,
    env_secrets,
    env_str,
    env_url,
    env_urls,
    env_version,
    problem,
    raise_bad_settings,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# SECURE=1 marks a production install: HTTPS-only cookies, HSTS, and a required SECRET_KEY.
SECURE = env_bool("SECURE", False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "127.0.0.1,localhost", each=lambda host: "/" not in host,
    expected="список имён хостов через запятую, без схемы и пути (portal.example.org)",
)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if SECURE:
        problem("SECRET_KEY", "обязателен при SECURE=1 (длинная случайная строка)")
    elif not set(ALLOWED_HOSTS) <= {"localhost", "127.0.0.1", "::1", "[::1]"}:
        # Anyone can sign sessions with the published demo key: only this machine may use it.
        problem("SECRET_KEY", "обязателен, когда ALLOWED_HOSTS называет не только этот компьютер "
                "(localhost, 127.0.0.1, ::1): демонстрационный ключ известен всем")
    # Only for the embedded demo and tests (pytest-django adds the test client's «testserver»).
    SECRET_KEY = "django-insecure-demo-key-only-for-the-embedded-setup-0123456789"
CSRF_TRUSTED_ORIGINS = env_urls("CSRF_TRUSTED_ORIGINS", example="https://portal.example.org", schemes=("http", "https"))
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", example="https://portal.example.org", schemes=("http", "https"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "govpublic.apps.AxesConfig",
    "govpublic.apps.AuditlogConfig",
    "django_celery_beat",
    "organizations",
    "checklist",
    "monitoring",
    "reports",
    "rest_framework",
    "govpublic.apps.KnoxConfig",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govpublic.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before anything that loads the user: a kept page is served on one query of the reader's rows.
    "reports.cache.KeptPagesMiddleware",
    "govpublic.security.AuditlogMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "govpublic.urls"
WSGI_APPLICATION = "govpublic.wsgi.application"

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
                "django.template.context_processors.i18n",
                "organizations.context_processors.roles",
            ],
        },
    },
]

# SQLite or PostgreSQL: the drivers requirements.txt installs. A request keeps its connection
# for DB_CONN_MAX_AGE seconds (0: a new one per request): opening one to PostgreSQL costs the
# server a process and the page a few milliseconds, the load test measures that. A kept
# connection is checked before a request reuses it, so a restarted database costs no error page.
DATABASES = {
    "default": dj_database_url.parse(
        env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
                example="postgres://пользователь:пароль@хост:5432/база или sqlite:///путь",
                schemes=("postgres", "postgresql", "pgsql", "sqlite")),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0, maximum=86400),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Computed page data (the dashboard's rows and totals): Redis shared by every gunicorn worker when
# CACHE_URL is set, else each process's own memory. Either way an entry's key carries the version
# of the data it was computed from (reports.cache), so a process never shows another's stale copy.
CACHE_URL = env_url("CACHE_URL", example="redis://127.0.0.1:6379/2", schemes=("redis", "rediss", "unix"))
CACHES = {
    "default": {"BACKEND": "govpublic.cache.RedisCache", "LOCATION": CACHE_URL,
                "KEY_PREFIX": "govpublic"}
    if CACHE_URL else
    {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "govpublic", "OPTIONS": {"MAX_ENTRIES": 2000}}
}
# With a shared cache, a session is read from it (and written through to the database): one
# query less on every page. Not with each process's own memory: a logout there would not reach
# the other workers.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: AXES_FAILURE_LIMIT bad passwords lock the username+address pair for
# AXES_COOLOFF_HOURS, counted from the failure that locked it: tries while locked neither count
# nor extend the lock. The address is the client's as TRUSTED_PROXY_COUNT reverse proxies in
# front report it in X-Forwarded-For (0: the connection's own address; govpublic.security).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
AXES_CLIENT_IP_CALLABLE = "govpublic.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "govpublic.security.lockout_response"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve from the app folders too, so the demo and tests need no collectstatic.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies without a manifest: no collectstatic needed for the demo or tests.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploaded evidence lives outside static and is never served by URL: only through a
# view that checks access (checklist.views.evidence_download). MEDIA_URL stays unset.
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / "media")
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 20, minimum=1, maximum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Uploads (issue 10): UPLOAD_MAX_MB above holds while the body streams in (the evidence
# upload view's checklist.upload_handlers); DATA_UPLOAD_MAX_MEMORY_SIZE bounds only the
# fields beside the file. An item keeps at most this many versions of its document.
EVIDENCE_MAX_REVISIONS = env_int("EVIDENCE_MAX_REVISIONS", 20, minimum=1, maximum=1000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Audit log and retention (152-ФЗ, DESIGN §8; issue 10 «Data kept»). The audit log says who
# changed what; the nightly `monitoring.retention_prune` task (monitoring.retention) deletes audit
# entries and login records past their days, blanks the text and author of posts by other
# people, and the contacts of snapshots that are not a page's latest — counts stay.
AUDITLOG_RETENTION_DAYS = env_int("AUDITLOG_RETENTION_DAYS", 365, minimum=1)
LOGIN_RECORDS_RETENTION_DAYS = env_int("LOGIN_RECORDS_RETENTION_DAYS", 90, minimum=1)
OTHERS_POSTS_RETENTION_DAYS = env_int("OTHERS_POSTS_RETENTION_DAYS", 120, minimum=1)
CONTACTS_RETENTION_DAYS = env_int("CONTACTS_RETENTION_DAYS", 180, minimum=1)
AUDITLOG_INCLUDE_ALL_MODELS = False
# The "before" of an update is read through the base manager: a detached official page is
# outside OfficialPage.objects, and its re-attachment must still log date → empty.
AUDITLOG_USE_BASE_MANAGER = True

# Celery: no broker → tasks run in the calling process (embedded demo, tests).
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", example="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_url("CELERY_RESULT_BACKEND", example="redis://127.0.0.1:6379/1") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Redis for the shared rate limiter; unset → an in-process limiter (one process only). Only Redis
# shares the window between processes (monitoring.clients.ratelimit).
RATE_LIMIT_STORAGE_URL = env_url(
    "RATE_LIMIT_STORAGE_URL", example="redis://127.0.0.1:6379/0",
    schemes=("redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster"),
) or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)

# VK and OK API access. Tokens only ever come from here and are never logged.
VK_API_URL = env_url("VK_API_URL", "https://api.vk.com/method", example="https://api.vk.com/method",
                     schemes=("http", "https"))
VK_API_VERSION = env_version("VK_API_VERSION", "5.199")
VK_ACCESS_TOKENS = env_secrets("VK_ACCESS_TOKENS") or env_secrets("VK_ACCESS_TOKEN")
VK_TOKEN_TYPE = env_choice("VK_TOKEN_TYPE", "service", ("service", "user"))
VK_RATE_LIMIT = env_rate("VK_RATE_LIMIT", "3/second")
# wall.get calls VK allows one token a day (about 5,000, reference §1.2; error 29 past it). When
# the registry needs more than the tokens' day allows, the sweep reads the most urgent pages and
# defers the rest to the next night. OK publishes no daily figure, so it has no such setting.
VK_DAILY_WALL_CALLS = env_int("VK_DAILY_WALL_CALLS", 5000, minimum=1)
OK_API_URL = env_url("OK_API_URL", "https://api.ok.ru/fb.do", example="https://api.ok.ru/fb.do",
                     schemes=("http", "https"))
OK_APPLICATION_KEY = env_secret("OK_APPLICATION_KEY")
OK_APPLICATION_SECRET_KEY = env_secret("OK_APPLICATION_SECRET_KEY")
OK_ACCESS_TOKEN = env_secret("OK_ACCESS_TOKEN")
# Requests are signed with the secret key, and the application key names whose secret it is.
if (OK_APPLICATION_KEY or OK_ACCESS_TOKEN) and not OK_APPLICATION_SECRET_KEY:
    problem("OK_APPLICATION_SECRET_KEY", "не задан, а без него запросы к Одноклассникам не подписать")
if (OK_APPLICATION_SECRET_KEY or OK_ACCESS_TOKEN) and not OK_APPLICATION_KEY:
    problem("OK_APPLICATION_KEY", "не задан, а без него Одноклассники не примут запросы приложения")
OK_RATE_LIMIT = env_rate("OK_RATE_LIMIT", "3/second")
# MAX (DESIGN §3.5): the district bot reads the channels it was added to. Without its token MAX
# channels are not read and say why; with a webhook secret the portal takes MAX events at
# /max/webhook/, without one each sweep and `manage.py max_updates` drain GET /updates.
MAX_API_URL = env_url("MAX_API_URL", "https://platform-api2.max.ru", example="https://platform-api2.max.ru",
                      schemes=("http", "https"))
MAX_BOT_TOKEN = env_secret("MAX_BOT_TOKEN")
MAX_RATE_LIMIT = env_rate("MAX_RATE_LIMIT", "30/second")
MAX_WEBHOOK_SECRET = env_secret("MAX_WEBHOOK_SECRET")
API_TIMEOUT_SECONDS = env_int("API_TIMEOUT_SECONDS", 20, minimum=1, maximum=300)
# First pause before retrying a failed API call; doubles on each further attempt.
API_RETRY_BACKOFF_SECONDS = env_float("API_RETRY_BACKOFF_SECONDS", 0.5, minimum=0, maximum=60)
# Pages per Celery task. 500 is what one VK groups.getById takes, and with a user token
# it fills execute requests exactly; a killed worker loses at most one batch's reads.
SWEEP_BATCH_SIZE = env_int("SWEEP_BATCH_SIZE", 500, minimum=1, maximum=10000)
# A run that stored nothing for this long, with no batch held by a live worker, is stalled:
# the watchdog sends it on (or «Проверить сейчас» / manage.py sweep take it over). A worker's
# hold on a batch lasts this long from the last pages it stored.
SWEEP_STALL_SECONDS = env_int("SWEEP_STALL_SECONDS", 600, minimum=1, maximum=86400)
# A batch task is acknowledged only when its batch is stored (acks_late); Redis gives an
# unacknowledged task to another worker after this many seconds. Sized to a batch (about two
# requests a page at a few a second, twice over), not Celery's default hour.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int(
        "CELERY_VISIBILITY_TIMEOUT", max(600, SWEEP_BATCH_SIZE * 2), minimum=60, maximum=86400
    )
}

EMAIL_BACKEND = env_import_path("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_email("DEFAULT_FROM_EMAIL", "govpublic@localhost")
EMAIL_FILE_PATH = env_path("EMAIL_FILE_PATH", BASE_DIR / "sent-mail")  # for the file backend

# Production hardening; `manage.py check --deploy` is clean with SECURE=1.
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True) and SECURE  # read (and checked) either way
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
    },
    # urllib3 at DEBUG prints full request URLs, which carry VK tokens: keep it quiet.
    "loggers": {
        "urllib3": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False

# Read-only REST API (reports/views/api.py): token or session auth, scoped like the pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Госпаблики API",
    "DESCRIPTION": "Read-only access to organizations, page compliance and checklist status.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "ComplianceStatusEnum": "monitoring.rules.STATUS_SEVERITY",
        "WorkStatusEnum": "checklist.models.WorkStatus",
    },
}
# Token holders are scripts of the district's own staff; a generous ceiling still stops a runaway loop.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["rest_framework.throttling.UserRateThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"user": env_rate("API_THROTTLE_RATE", "600/hour")}

# --- People's own accounts (issue 10, part 11): API tokens by django-rest-knox, stored as a
# SHA-512 digest only (the token is shown once, when made) and refused after API_TOKEN_TTL_DAYS.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90, minimum=1, maximum=3650)
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}

raise_bad_settings()
