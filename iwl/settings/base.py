"""Settings shared by every environment. dev.py, test.py and prod.py adjust a few of them."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .env import envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = envbool("DEBUG", "false")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks_db",
    "partnership",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "partnership.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partnership.middleware.CurrentOrganisationMiddleware",
]

ROOT_URLCONF = "iwl.urls"
WSGI_APPLICATION = "iwl.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnership.context_processors.current_organisation",
            ],
        },
    },
]

# One place parses DATABASE_URL; SQLite in the project folder is the embedded default.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database under concurrent saves (docs/adr/0010-sqlite-sessions-and-private-
    # responses.md): readers never block the writer (WAL), a write transaction takes the write
    # lock when it begins (IMMEDIATE), so two read-then-write transactions cannot deadlock, and
    # a waiting writer waits up to `timeout` seconds instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the service's queries are short, and on the national roll-ups
    # PostgreSQL's estimate of a query's cost set off compilation that took longer than the
    # query (coverage of 20,000 organisations: 756 of 1,081 ms; its export 1.5 s, 1.1 s without).
    # docs/performance.md, "JIT compilation".
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partnership.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessments:home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-in throttling (partnership.throttle, docs/adr/0005): this many failures for one
# email address from one client address inside the window lock that address for that client;
# the per-address limit counts every client together and must stay well above the first, so
# that no single client can lock anyone else out.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = envint("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 25)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Password reset requests allowed per email address and per client address inside the window.
PASSWORD_RESET_LIMIT_PER_ADDRESS = envint("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_PER_CLIENT = envint("PASSWORD_RESET_LIMIT_PER_CLIENT", 20)
PASSWORD_RESET_WINDOW_SECONDS = envint("PASSWORD_RESET_WINDOW_SECONDS", 60 * 60)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "iwl",
    }
}

# Reports and notification emails run on a task queue (django.tasks; docs/adr/0014-task-queue.md):
# "database" keeps the queue in the database (the embedded default; `make run` starts its
# worker beside the web server), "redis" puts it on RQ in Redis at REDIS_URL for production.
# Workers run `python manage.py task_worker`.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "database").strip().lower()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "redis": {
        "BACKEND": "iwl.rq_backend.RQBackend",
        "OPTIONS": {
            "URL": REDIS_URL,
            "PREFIX": os.environ.get("TASK_QUEUE_PREFIX", "iwl:"),
            "JOB_TIMEOUT": envint("TASK_TIMEOUT_SECONDS", 600),
        },
    },
}
if TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASK_BACKEND!r}"
    )
TASKS = {"default": TASK_BACKENDS[TASK_BACKEND]}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static" / "build", ("js", BASE_DIR / "static" / "js")]
# Uploaded evidence and rendered documents go through the storage API: the filesystem by default,
# or an S3-compatible object store (STORAGE_BACKEND=s3, django-storages with boto3) so that any
# number of web servers and workers share them.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
FILE_STORAGES = {
    "filesystem": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))},
    },
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            # Nothing is public: every file is read through a permission-checked view.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
}
if STORAGE_BACKEND not in FILE_STORAGES:
    raise ImproperlyConfigured(
        f"STORAGE_BACKEND must be one of {', '.join(FILE_STORAGES)}, not {STORAGE_BACKEND!r}"
    )
if STORAGE_BACKEND == "s3" and not FILE_STORAGES["s3"]["OPTIONS"]["bucket_name"]:
    raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET")
STORAGES = {
    "default": FILE_STORAGES[STORAGE_BACKEND],
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded evidence is never served as media: a permission-checked view streams it.
MEDIA_ROOT = FILE_STORAGES["filesystem"]["OPTIONS"]["location"]
# The largest evidence file accepted (assessments.evidence). It is checked while the upload
# arrives, so a bigger file is never kept in memory or on disk in full.
EVIDENCE_MAX_UPLOAD_BYTES = envint("EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Stored evidence is readable by the service's own user and group only (Django's default,
# 0o644, lets every local user read it).
FILE_UPLOAD_PERMISSIONS = 0o640

# Survey results show no figures for a side with fewer answers than this (assessments.surveys).
SURVEY_MIN_ANSWERS = envint("SURVEY_MIN_ANSWERS", 5)
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# The Ed25519 key that signs every joint agreement lives here, never in the database
# (partnership/signing/keys.py, docs/adr/0008-signatures-and-the-ledger.md). dev.py and test.py
# default it; prod.py requires it.
SIGNING_KEY_DIR = os.environ.get("SIGNING_KEY_DIR", "")

CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"
CRISPY_FAIL_SILENTLY = False

# Email goes through Django's mailers: the console in development, SMTP in production
# (prod.py), an in-memory outbox in tests (Django's test runner swaps it in).
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "IWL self-assessment <noreply@iwl.example>"
)

# A strict policy: no inline script or style; scripts we write carry the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# A signed-in session ends when the browser closes, and at the latest 8 hours (a working day)
# after it was last written (signing in, switching organisation): reading pages does not
# extend it. README.md, "Sessions", says so to users.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", "true")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Roll-ups across a network: no aggregate from fewer organisations than this is shown.
ROLLUP_MIN_ORGANISATIONS = int(os.environ.get("ROLLUP_MIN_ORGANISATIONS", "5"))

# seed_demo adds the demo network (about a minute of signed-off cycles made through the services).
DEMO_SEED_NETWORK = True

# Covering indexes (INCLUDE) exist on PostgreSQL only; on SQLite they are plain indexes.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
