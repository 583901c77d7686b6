"""Production: everything from the real environment, secure by default."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import envbool, envint, envlist, required

SECRET_KEY = required("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name at least one host in production")

# Every joint agreement is signed with this key; without it the service must not start.
SIGNING_KEY_DIR = required("SIGNING_KEY_DIR")
if not (Path(SIGNING_KEY_DIR) / "private.pem").is_file():
    raise ImproperlyConfigured(
        f"No signing key in SIGNING_KEY_DIR ({SIGNING_KEY_DIR}): create one with "
        "`python manage.py create_signing_key` and keep the directory out of the database backups"
    )

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": envint("EMAIL_PORT", 587),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS", "true"),
            "timeout": envint("EMAIL_TIMEOUT", 10),
        },
    }
}

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Anything cached must be shared by every gunicorn worker and every machine: keep the cache
# in Redis (CACHE_REDIS_URL), or else in the database (run `python manage.py createcachetable`
# once after migrate). Sessions are in the database (Django's default), so any web server can
# answer any request. The sign-in throttle keeps its own table (partnership.ThrottleEntry).
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "").strip()
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "iwl",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "iwl_cache",
        }
    }

# One JSON object per line, for the log collector.
LOGGING = {
    **LOGGING,  # noqa: F405
    "formatters": {"json": {"()": "iwl.logs.JSONLinesFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
}
