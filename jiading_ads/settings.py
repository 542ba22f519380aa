"""Settings for the Jiading digital-advertising action plan tracker.

Everything that differs between a developer's machine and production comes
from the environment; the defaults are for development on SQLite.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tables2",
    "django_filters",
    "security.axes_config.AxesConfig",  # django-axes, with a Chinese name in the admin
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "jiading_ads.taskqueue.TaskQueueConfig",  # django-tasks-db: the queue in the database, its admin in Chinese
    "departments",
    "tasks",
    "security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.ContentSecurityPolicyMiddleware",
    "security.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jiading_ads.errors.FriendlyNotFoundMiddleware",
    "jiading_ads.errors.MethodNotAllowedMiddleware",
    "security.middleware.RequestContextMiddleware",
    # Before the password and second-factor steps, whose redirects it records too.
    "security.middleware.BreakGlassAuditMiddleware",
    "security.middleware.SessionSecurityMiddleware",
    "security.two_factor.TwoFactorMiddleware",
    "jiading_ads.errors.BadInputMiddleware",
    # django-axes must come last: it turns a locked-out login into our lockout page.
    "axes.middleware.AxesMiddleware",
]

# No inline scripts or styles anywhere (templates, Django admin): only the
# site's own files. The QR code is inline SVG markup, which is neither.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

if not DEBUG:
    # WhiteNoise serves collected static files in production; runserver and
    # the test server serve them from the app folders in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "jiading_ads.urls"

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
                "tasks.access.nav_context",
            ],
        },
    },
]

WSGI_APPLICATION = "jiading_ads.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # A connection that died while the database was away is replaced
        # instead of failing every later request of that worker.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run` on SQLite: readers do not block the writer (WAL); a writer
    # takes the lock when its transaction begins (IMMEDIATE) and waits up to
    # 20 s for another to finish instead of failing with "database is locked",
    # so simultaneous saves end in the workflow's conflict message.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("SQLITE_TIMEOUT_SECONDS", "20")),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No per-process state decides anything: several app servers answer one office,
# so sessions, lockouts, rate limits, the mail queue and the daily runs' claims
# all live in the database. There is deliberately no cache (Django's default
# would be a per-process memory); something that needs one must share it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# A new password differs from the current one and this many before it.
PASSWORD_HISTORY_COUNT = int(os.environ.get("PASSWORD_HISTORY_COUNT", "5"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Length is ComplexityValidator's (10, with a Chinese message); Django's
    # MinimumLengthValidator has no zh-hans translation in 5.2.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "security.validators.ComplexityValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "security.validators.NotUsernameValidator"},
    {"NAME": "security.validators.PasswordHistoryValidator", "OPTIONS": {"count": PASSWORD_HISTORY_COUNT}},
]
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))

# Login-failure handling (django-axes): 5 failures for one account or from one
# address lock it for 15 minutes; the coordinator or an admin can unlock.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "security.views.lockout_response"
AXES_VERBOSE = False
# How many trusted reverse proxies stand in front of the app. Lockouts and the
# audit trail take the client address from X-Forwarded-For only through these
# (security/clientip.py); with 0 the header is ignored.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "security.clientip.client_ip"
# Failures and lockouts are rows in the database, so they hold across every app server.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Two-factor login (security/two_factor.py), per role by the roles' stable
# keys (departments.models.Role.Key; "unit_staff" for a unit's staff). 等保
# level 3 asks two factors of every user, so every role and the unit staff are
# in by default; a site that leaves one out records why. The break-glass
# superuser always needs it; DJANGO_2FA_EVERYONE=1 also asks accounts without a role.
TWO_FACTOR_REQUIRED = env_bool("DJANGO_2FA", True)
TWO_FACTOR_ROLES = [
    key.strip()
    for key in os.environ.get("DJANGO_2FA_ROLES", "admin,security_admin,auditor,coordinator,viewer,unit_staff").split(
        ","
    )
    if key.strip()
]
TWO_FACTOR_FOR_EVERYONE = env_bool("DJANGO_2FA_EVERYONE", False)
OTP_TOTP_ISSUER = "嘉定行动方案跟踪"

# Sessions end after SESSION_IDLE_MINUTES without a request (等保: idle timeout).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
# The cookie outlives the idle limit so that SessionSecurityMiddleware, not
# the session store, ends an idle session: it can then say why and record it.
SESSION_COOKIE_AGE = max(8 * 3600, SESSION_IDLE_MINUTES * 60 * 2)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Chinese for what Django and django-axes leave untranslated (compiled .mo committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves the static files from every app server; in production
# they are collected with hashed names (collectstatic) and cached for ever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Evidence files live outside the web root and are only served through a
# view that checks the login; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "uploads"))
# Several app servers share the evidence through an S3-compatible object store
# (政务云 object stores speak S3) when DJANGO_S3_BUCKET is set: every file goes
# through Django's storage API (django-storages), private, never overwritten.
S3_BUCKET = os.environ.get("DJANGO_S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY", ""),
            "secret_key": os.environ.get("DJANGO_S3_SECRET_KEY", ""),
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            # A folder inside the bucket, when the bucket is shared.
            "location": os.environ.get("DJANGO_S3_PREFIX", ""),
            # Most S3-compatible stores other than AWS want bucket names in the path.
            "addressing_style": os.environ.get("DJANGO_S3_ADDRESSING_STYLE", "path"),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
# One set of upload limits (jiading_ads/uploads.py), for every upload: the 台账
# import, the plan import and evidence files. Files are counted while they
# arrive; an Office file (.xlsx, .docx) is then checked part by part, streamed,
# before openpyxl or python-docx reads it. A 台账 of 400 measures is about
# 2 MB unpacked, under 2,000 rows a sheet and 30,000 cells; a task table a few
# dozen rows.
UPLOAD_MAX_FILE_BYTES = env_int("UPLOAD_MAX_FILE_BYTES", max(EVIDENCE_MAX_BYTES, 10 * 1024 * 1024))
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", 5 * UPLOAD_MAX_FILE_BYTES)
UPLOAD_MAX_ENTRIES = env_int("UPLOAD_MAX_ENTRIES", 500)  # parts of an Office file
UPLOAD_MAX_UNPACKED_BYTES = env_int("UPLOAD_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_PART_BYTES = env_int("UPLOAD_MAX_PART_BYTES", 16 * 1024 * 1024)  # one part, unpacked
UPLOAD_MAX_RATIO = env_int("UPLOAD_MAX_RATIO", 200)  # a part's compression ratio
UPLOAD_MAX_SHEETS = env_int("UPLOAD_MAX_SHEETS", 20)
# Rows of a worksheet (and the highest row number, its dimension and merged
# ranges), and the rows of a document's tables together.
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 5000)
# Columns of a worksheet; grid columns of a Word table (Word allows 63).
UPLOAD_MAX_COLUMNS = env_int("UPLOAD_MAX_COLUMNS", 100)
UPLOAD_MAX_CELLS = env_int("UPLOAD_MAX_CELLS", 200_000)  # cells of a file, and cells its merged ranges cover
UPLOAD_MAX_TABLES = env_int("UPLOAD_MAX_TABLES", 200)  # tables of a Word document
UPLOAD_MAX_CELL_CHARS = env_int("UPLOAD_MAX_CELL_CHARS", 10_000)  # a cell's or a text run's characters
# The import preview lists at most this many row errors, then says how many more.
IMPORT_PREVIEW_MAX_ERRORS = 50
FILE_UPLOAD_HANDLERS = [
    "jiading_ads.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EVIDENCE_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "jpg",
    "jpeg",
    "png",
    "txt",
    # OFD (the national standard for e-documents) and WPS Office's own formats.
    "ofd",
    "wps",
    "et",
    "dps",
]
# Refused with their own message: an archive's content cannot be checked or
# opened by the reviewer without unpacking it.
EVIDENCE_ARCHIVE_EXTENSIONS = ["zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "cab", "arj", "lzh", "iso"]

# A past period stops taking reports this many days after its due date,
# unless the coordinator opens it for late reporting (tasks/periods.py).
REPORTING_GRACE_DAYS = int(os.environ.get("REPORTING_GRACE_DAYS", "15"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "tracker@jiading.gov.cn")

# Slow side effects (mail) are tasks on a queue in the database (Django's
# tasks API through django-tasks and django-tasks-db): requests only add a
# row; `manage.py db_worker` on any app server runs them (jiading_ads/mail.py).
# DJANGO_TASKS_EAGER=1 runs each task at once in the process that queues it.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_bool("DJANGO_TASKS_EAGER", False)
        else "django_tasks_db.DatabaseBackend"
    }
}
# A message the mail server refuses is tried again after these many seconds
# (the last delay repeating), at most MAIL_MAX_ATTEMPTS times in all.
MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
MAIL_RETRY_DELAYS = [int(s) for s in os.environ.get("MAIL_RETRY_SECONDS", "60,300,1800,7200").split(",")]
# The tracker's address as users reach it, for links in notification emails
# (e.g. https://tracker.jiading.gov.cn); without it emails say to log in.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "")
# Password reset by email: off unless switched on here AND a real mail backend
# is set (security/password_reset.py); requests per address and per email per hour.
PASSWORD_RESET_ENABLED = env_bool("DJANGO_PASSWORD_RESET", False)
PASSWORD_RESET_LIMIT_PER_HOUR = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_HOUR", "5"))
PASSWORD_RESET_TIMEOUT = 3600

if not DEBUG:
    # Production sits behind a TLS-terminating reverse proxy that sets
    # X-Forwarded-Proto; DJANGO_SECURE=0 turns these off for a plain-HTTP
    # load test on loopback.
    secure = env_bool("DJANGO_SECURE", True)
    SESSION_COOKIE_SECURE = secure
    CSRF_COOKIE_SECURE = secure
    SECURE_SSL_REDIRECT = secure
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if secure else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = secure
    X_FRAME_OPTIONS = "DENY"
    # HSTS preload lists are for public domains; an intranet host cannot be on them.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
        "tasks": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
        # The task queue: a failed task (a mail the server refused) is logged here too.
        "django_tasks": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    },
}
FILTERS_EMPTY_CHOICE_LABEL = "全部"

# The plan pages show unless a user picks another one (synthetic benchmark
# plans, later plans of the district).
DEFAULT_PLAN_DOC_NUMBER = os.environ.get("DEFAULT_PLAN_DOC_NUMBER", "嘉府发〔2023〕2号")
