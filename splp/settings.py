"""One settings module for both profiles; only the environment differs.

Embedded default (``make run``): SQLite, no Redis, a Celery broker on its own SQLite file.
Production: DATABASE_URL, REDIS_URL and SECRET_KEY set, DEBUG off.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

from splp.presets import DEFAULT_PEMDA, PEMDA_PRESETS
from splp.timezones import ZONE_ABBREVIATIONS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SPLP_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Production must set its own secret; only the developer profile may fall back to a fixed one.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else None)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (production). For development set DEBUG=1, as `make run` does."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "monitoring.admin_config.SplpAdminConfig",  # django.contrib.admin with the SPLP's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "splp",
    "directory",
    "access",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "splp.api_errors.JsonErrorsMiddleware",
    # Static files from the application server, in both profiles (the bus' /gateway/ never gets here).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "splp.portal.NotFoundPageMiddleware",
    # Last, as django-axes asks: turns a locked-out portal or admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "splp.urls"
WSGI_APPLICATION = "splp.wsgi.application"

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
                "splp.context_processors.pemda",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'splp.sqlite3'}")}
# Persistent connections in production (seconds); 0 closes after each request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the portal, the bus and the Celery worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # The directory's covering index (INCLUDE columns) is a PostgreSQL optimisation; SQLite builds it without
    # them, which is all the embedded profile needs: no warning on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Login lockout (django-axes) on the portal, the admin and the API token login: after SPLP_LOGIN_FAILURE_LIMIT
# failures for one username from one client address, that pair is refused (the right password included) for
# SPLP_LOGIN_COOLOFF_MINUTES after its last failure. Per username and address together, so an attacker does
# not lock an account out everywhere, nor a whole office that shares one NAT address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("SPLP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SPLP_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "splp.login_security.request_client_ip"
AXES_LOCKOUT_CALLABLE = "splp.login_security.lockout_response"
# Logins are recorded in the audit trail; unlocking early is `manage.py axes_reset_username <username>`.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # no start-up banner on every manage.py command

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Indonesian for everyone, whatever the browser asks; a Pemda may set another shipped language here.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="id")
# One catalogue per area of the UI, so each can be maintained on its own; all merge at run time.
LOCALE_PATHS = [
    BASE_DIR / "locale" / part
    for part in ("core", "portal", "api", "admin", "monitoring-rollups", "monitoring-pasal8", "monitoring-report",
                 "monitoring-status", "monitoring-privacy")
]
# The demo Pemda `seed_demo` loads (splp/presets.py): Kota Baubau in the developer profile, none otherwise.
SPLP_PEMDA_PRESET = env.str("SPLP_PEMDA_PRESET", default=DEFAULT_PEMDA if DEBUG else "")
if SPLP_PEMDA_PRESET and SPLP_PEMDA_PRESET not in PEMDA_PRESETS:
    raise environ.ImproperlyConfigured(
        f"SPLP_PEMDA_PRESET={SPLP_PEMDA_PRESET!r} is not a preset; choose one of: {', '.join(sorted(PEMDA_PRESETS))}."
    )
# The Pemda's own zone: dates ("today"), times shown, reminders and the yearly report follow it. Defaults to
# the preset's zone; production names it (no default fits every Pemda: a wrong one is silently an hour off).
TIME_ZONE = env.str(
    "SPLP_TIME_ZONE", default=PEMDA_PRESETS[SPLP_PEMDA_PRESET]["time_zone"] if SPLP_PEMDA_PRESET else ""
)
if TIME_ZONE not in ZONE_ABBREVIATIONS:
    raise environ.ImproperlyConfigured(
        (f"SPLP_TIME_ZONE={TIME_ZONE!r} is not one of Indonesia's zones. " if TIME_ZONE else
         "SPLP_TIME_ZONE must be set when DEBUG is off (production). ")
        + "Set it to the Pemda's zone: "
        + ", ".join(f"{zone} ({abbreviation})" for zone, abbreviation in ZONE_ABBREVIATIONS.items()) + "."
    )
USE_I18N = True
USE_TZ = True
# Date-times Django renders by default (the admin's) carry the zone abbreviation: splp/formats/.
FORMAT_MODULE_PATH = ["splp.formats"]

STATIC_URL = "static/"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Evidence files of coaching/supervision activities.
SPLP_MAX_EVIDENCE_BYTES = env.int("SPLP_MAX_EVIDENCE_BYTES", default=10 * 1024 * 1024)
# Days an approved access request may wait for the publisher's grant before the daily job expires it
# (so the requesting organisation can apply again).
SPLP_GRANT_WAIT_DAYS = env.int("SPLP_GRANT_WAIT_DAYS", default=14)
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "splp" / "static"]
# collectstatic writes hashed, compressed copies that WhiteNoise serves with far-future cache headers. With
# DEBUG on (make run) WhiteNoise serves the apps' files directly and URLs are not hashed: no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal-home"
LOGOUT_REDIRECT_URL = "portal-home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind the Pemda's TLS proxy: redirect plain http and ask browsers to stay on https (0 = off).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploads (OpenAPI documents) are capped; the same cap bounds pasted documents.
SPLP_MAX_SPEC_BYTES = env.int("SPLP_MAX_SPEC_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = SPLP_MAX_SPEC_BYTES + 64 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = SPLP_MAX_SPEC_BYTES + 64 * 1024

# Hosts and networks the Dinas treats as internal: plain http is accepted for them.
SPLP_INTERNAL_HOSTS = env.list(
    "SPLP_INTERNAL_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
# The bus. Upstream hosts the Dinas allows (names with * wildcards, or CIDRs), besides internal hosts.
# The developer profile allows the national SPLP's gateway, so the demo's national connection validates.
SPLP_UPSTREAM_HOSTS = env.list("SPLP_UPSTREAM_HOSTS", default=["splp.layanan.go.id"] if DEBUG else [])
# Proxies in front of the SPLP whose X-Forwarded-For is believed for the client address.
SPLP_TRUSTED_PROXIES = env.list("SPLP_TRUSTED_PROXIES", default=[])
# The Pemda's intranet (CIDRs): where a grant's IP allow-list must lie when the classification policy
# requires one (access.policy). Empty: an allow-list is still required, anywhere.
SPLP_INTRANET_NETWORKS = env.list(
    "SPLP_INTRANET_NETWORKS", default=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"] if DEBUG else []
)
for _network in SPLP_INTRANET_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise environ.ImproperlyConfigured(
            f"SPLP_INTRANET_NETWORKS: {_network!r} is not an address or CIDR network."
        ) from None
# How long a process may use a cached key/grant: the longest a revoked key keeps working.
SPLP_GATEWAY_CACHE_SECONDS = env.float("SPLP_GATEWAY_CACHE_SECONDS", default=5.0)
SPLP_GATEWAY_POOL_SIZE = env.int("SPLP_GATEWAY_POOL_SIZE", default=64)
SPLP_GATEWAY_MAX_REQUEST_BYTES = env.int("SPLP_GATEWAY_MAX_REQUEST_BYTES", default=10 * 1024 * 1024)
SPLP_GATEWAY_MAX_RESPONSE_BYTES = env.int("SPLP_GATEWAY_MAX_RESPONSE_BYTES", default=50 * 1024 * 1024)
# Responses up to this size are read whole before answering; larger ones are streamed.
SPLP_GATEWAY_BUFFER_BYTES = env.int("SPLP_GATEWAY_BUFFER_BYTES", default=1024 * 1024)
# Request-log buffer: the local file (embedded default, and fallback when Redis is down) and flush period.
SPLP_LOG_BUFFER_PATH = env.str("SPLP_LOG_BUFFER_PATH", default=str(VAR_DIR / "reqlog-buffer.sqlite3"))
SPLP_LOG_FLUSH_SECONDS = env.float("SPLP_LOG_FLUSH_SECONDS", default=0.2)
# Key of the hashes the request log keeps instead of path and query values (access/logmask.py): not the
# SECRET_KEY, so rotating one does not touch the other. Changing it makes older rows unsearchable by value.
SPLP_LOG_HASH_KEY = env.str("SPLP_LOG_HASH_KEY", default="dev-only-log-hash-key" if DEBUG else None)
if not SPLP_LOG_HASH_KEY:
    raise environ.ImproperlyConfigured(
        "SPLP_LOG_HASH_KEY must be set when DEBUG is off (production): a long random value, kept secret and "
        "stable (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    )
# Raw request-log rows are kept this long (days); hourly rollups are kept for good.
SPLP_LOG_RETENTION_DAYS = env.int("SPLP_LOG_RETENTION_DAYS", default=400)
# The Dinas' signing certificate (PKCS#12, issued by the BSrE) that signs finalised documents (PAdES).
# Unset: the developer profile (DEBUG) signs with a self-signed one generated into SPLP_VAR_DIR; production
# finalises without signing, and the admin says the document is not signed.
SPLP_SIGNING_PKCS12 = env.str("SPLP_SIGNING_PKCS12", default="")
SPLP_SIGNING_PASSWORD = env.str("SPLP_SIGNING_PASSWORD", default="")
# The request-log chain head is appended here every day (one JSON line), outside the database: production
# puts it on another disk or host than the database's files, so a chain rebuilt in the database is detected.
SPLP_LOG_ANCHOR_FILE = env.str("SPLP_LOG_ANCHOR_FILE", default=str(VAR_DIR / "log-anchors.jsonl"))
# /metrics (Prometheus): allowed with this bearer token, or from these addresses/networks (client address as
# splp.clientip sees it). Neither set: /metrics answers 404.
SPLP_METRICS_TOKEN = env.str("SPLP_METRICS_TOKEN", default="")
SPLP_METRICS_ALLOWED_IPS = env.list("SPLP_METRICS_ALLOWED_IPS", default=[])

# Pemda identity used until the Dinas records its own in the admin (splp.Pemda).
SPLP_PEMDA_NAME = env.str("SPLP_PEMDA_NAME", default="Pemerintah Daerah")
SPLP_DINAS_NAME = env.str("SPLP_DINAS_NAME", default="Dinas Komunikasi dan Informatika")
SPLP_DOMAIN = env.str("SPLP_DOMAIN", default="splp.localhost")
SPLP_LOGO_TEXT = env.str("SPLP_LOGO_TEXT", default="SPLP")
# Demo upstreams answered by the project itself (developer profile only).
SPLP_DEMO_UPSTREAM = env.bool("SPLP_DEMO_UPSTREAM", default=DEBUG)
# Where seed_demo points the demo APIs' upstreams (the project serves demo upstreams itself).
SPLP_DEMO_UPSTREAM_BASE = env.str("SPLP_DEMO_UPSTREAM_BASE", default="http://127.0.0.1:8000/demo-upstream")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
# STARTTLS on a plain connection (usually port 587) or TLS from the first byte (usually 465): one or neither.
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise environ.ImproperlyConfigured(
        "EMAIL_USE_TLS (STARTTLS, usually port 587) and EMAIL_USE_SSL (TLS from the start, usually port 465) "
        "exclude each other: set only the one the mail server offers."
    )
EMAIL_PORT = env.int("EMAIL_PORT", default=465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
# Seconds before an unanswering mail server fails the send (it is retried on the next run), instead of hanging
# a worker that holds the reminder's claim.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="splp@localhost")
# Where links in e-mails point, e.g. https://splp.example.go.id (no trailing slash). Empty: https:// and the
# domain of the Pemda identity (admin, else SPLP_DOMAIN). `make run` sets http://127.0.0.1:<PORT>.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if SITE_URL:
    _site = urlsplit(SITE_URL)
    if _site.scheme not in ("http", "https") or not _site.netloc or _site.query or _site.fragment:
        raise environ.ImproperlyConfigured(
            f"SITE_URL={SITE_URL!r} must be an address such as https://splp.example.go.id (scheme and host)."
        )
    if _site.scheme != "https" and not DEBUG:
        raise environ.ImproperlyConfigured(
            f"SITE_URL={SITE_URL!r} must start with https:// when DEBUG is off: e-mailed links lead to the login."
        )

# Celery: Redis in production. The embedded default needs no server: kombu's SQLAlchemy transport on its own
# SQLite file, with the fixes in splp/broker.py (the filesystem transport killed the worker: kombu #1551).
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates its files, not their folder
    CELERY_BROKER_URL = f"splp+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"  # "splp": splp/celery.py
    # This transport keeps no unacknowledged messages: a worker killed mid-task loses what it had prefetched.
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TIMEZONE = TIME_ZONE
# The schedule lives in the database (django-celery-beat), editable in the admin; a data migration
# installs the default jobs.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "splp.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "splp.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "splp.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "splp.api.exception_handler",
}
# API tokens (django-rest-knox): only a hash is stored; each expires, and a logout or a password change ends it.
REST_KNOX = {"TOKEN_TTL": timedelta(days=env.int("SPLP_API_TOKEN_TTL_DAYS", default=30))}
SPECTACULAR_SETTINGS = {
    "TITLE": "SPLP API",
    # The introduction (with the way back to the portal and the bus' conventions) and the areas' tags are
    # written by the hooks, in the request's language.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "splp.api_schema.describe_api",
        "access.api.schema.document_bus",
    ],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API's contract is JSON; DRF's form parsers stay for `curl -d` and the browsable API, undocumented.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Swagger UI served from the bundled sidecar: the SPLP may run without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
