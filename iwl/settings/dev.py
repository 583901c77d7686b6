import os

from . import dotenv  # noqa: F401  (loads .env before base reads the environment)

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")

from .base import *  # noqa: E402,F403

# `make run` creates this key once (python manage.py create_signing_key).
SIGNING_KEY_DIR = SIGNING_KEY_DIR or str(BASE_DIR / "var" / "signing")  # noqa: F405
