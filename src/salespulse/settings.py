"""Django settings for SalesPulse.

Everything that differs between machines comes from the environment (see README):
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, TIME_ZONE, SALESPULSE_VAR_DIR, and for
PostgreSQL POSTGRES_RANDOM_PAGE_COST and POSTGRES_WORK_MEM.
"""

import os
from pathlib import Path

import environ

from salespulse.postgres_options import session_options

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()

VAR_DIR = Path(env.str("SALESPULSE_VAR_DIR", default=str(PROJECT_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# The default key only suits the local demo; a deployment sets SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="salespulse-local-demo-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The project's apps come first: for a msgid or template that Django's own apps also
    # define (e.g. "Filter", which django.contrib.admin translates as 过滤器), the app
    # listed first wins.
    "salespulse.core",
    "salespulse.accounts",
    "salespulse.crm",
    "salespulse.pipeline",
    "salespulse.imports",
    "salespulse.analytics",
    "salespulse.api",
    "salespulse.rebates",
    "salespulse.signals",
    "salespulse.campaigns",
    "salespulse.knowledge",
    "salespulse.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    # Lets /api/docs serve Swagger UI from Ninja's packaged static files instead of a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "salespulse.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "salespulse.urls"
WSGI_APPLICATION = "salespulse.wsgi.application"

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
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'salespulse.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create the file's folder; a fresh clone has no var/ yet.
    database_name = str(DATABASES["default"]["NAME"])
    if database_name and database_name != ":memory:" and not database_name.startswith("file:"):
        Path(database_name).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the import page write while dashboards read; the busy timeout makes
    # concurrent writers wait instead of failing at once with "database is locked".
    # IMMEDIATE takes the write lock when a transaction begins: a transaction that first
    # reads and then writes would otherwise fail at once with "database is locked" when
    # another writer got in between, instead of waiting for the busy timeout.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Session settings for the analytics queries. The planner's default cost of a random
    # page read (4) assumes spinning disks. On SSDs, or with the working set in memory,
    # values from 1.1 to 2 are common. At 1.5 PostgreSQL reads one team's share of a table
    # through the owner indexes, and it still scans whole tables for company-wide totals.
    # At the default 4 MB of sort memory, a percentile over a year of stays spills to disk.
    database_options = DATABASES["default"].setdefault("OPTIONS", {})
    database_options["options"] = session_options(os.environ, database_options.get("options", ""))
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "analytics:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Serve from the app and node_modules folders as well, so a server started without
# `collectstatic` (e.g. `salespulse runserver` with DEBUG off) still has its scripts.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages come from npm (package-lock.json) and are served from node_modules.
NODE_MODULES_DIR = PROJECT_DIR / "node_modules"
for _prefix, _folder in [
    ("vendor/echarts", "echarts/dist"),
    ("vendor/htmx", "htmx.org/dist"),
    ("vendor/sortablejs", "sortablejs"),
]:
    if (NODE_MODULES_DIR / _folder).is_dir():
        STATICFILES_DIRS.append((_prefix, NODE_MODULES_DIR / _folder))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files (campaign videos, evidence) go to an S3-compatible bucket when one is
# named; the endpoint may be MinIO or any other S3-compatible service.
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "querystring_auth": True,
        },
    }
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

# Upload limit of the import page; the CLI has no limit of its own.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# Largest campaign case video accepted; larger uploads stop before their body is stored.
CAMPAIGN_VIDEO_MAX_BYTES = env.int("CAMPAIGN_VIDEO_MAX_BYTES", default=200 * 1024 * 1024)
# Seconds ffprobe/ffmpeg may run on one uploaded video before the probe is abandoned.
CAMPAIGN_FFMPEG_TIMEOUT_SECONDS = env.int("CAMPAIGN_FFMPEG_TIMEOUT_SECONDS", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Company name printed on rebate confirmations and drawn in their seal.
SALESPULSE_COMPANY_NAME = env.str("SALESPULSE_COMPANY_NAME", default="销售脉搏示例公司")

# One cache for every process: set CACHE_URL (e.g. redis://127.0.0.1:6379/1) when several
# gunicorn or Celery workers run, so sign-in throttling and task progress are shared.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Background work (chat ingestion, re-tagging, digests, detector runs) goes to Celery when
# a broker is named; without one, tasks run inline in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
