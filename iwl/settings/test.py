import os

from . import dotenv  # noqa: F401  (loads .env before base reads the environment)

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: E402,F403
from .base import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests must not depend on collectstatic having run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# tests/conftest.py creates this key once per machine (one per pytest-xdist worker, so that
# parallel workers never race to write it).
SIGNING_KEY_DIR = SIGNING_KEY_DIR or str(  # noqa: F405
    BASE_DIR / "var" / f"test-signing-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
)
# The demo network takes a minute to seed: only its own tests turn it on.
DEMO_SEED_NETWORK = False
