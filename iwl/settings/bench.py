"""Benchmarks (``make bench``, bench/): production-like, on a PostgreSQL database of their own.

No .env file is read: the harness drops and recreates the database named by DATABASE_URL, so
it must never pick up a developer's own database from .env. bench/database.py also refuses a
database whose name does not contain "bench".
"""

import os
import warnings

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iwl_bench")
os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key")
# Connections kept for the whole load test, so the database processes measured stay the same.
os.environ.setdefault("DB_CONN_MAX_AGE", "600")

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, SIGNING_KEY_DIR, STORAGES  # noqa: E402

DEBUG = False
# The bench's own Ed25519 key (created by the harness, partnership.signing.keys.create_key):
# the generated ledgers are signed with it, and gunicorn's workers verify and sign with it too.
SIGNING_KEY_DIR = SIGNING_KEY_DIR or str(BASE_DIR / "var" / "bench-signing")
# The test client calls itself "testserver"; gunicorn is reached on 127.0.0.1.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# bench/urls.py: the service's URLs plus a minimal signed-in view, the load test's baseline.
ROOT_URLCONF = "bench.urls"

# Bench users sign in thousands of times; a slow hasher would measure the hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# No collectstatic for a benchmark: pages name their static files without the manifest's
# hashes (the PDFs read the stylesheets from static/build either way).
# The bench's evidence files (sign-off verification re-hashes them), apart from a developer's.
MEDIA_ROOT = str(BASE_DIR / "var" / "bench-media")
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# ...so WhiteNoise finds no STATIC_ROOT to serve, and would say so in every process.
warnings.filterwarnings("ignore", message="No directory at")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
