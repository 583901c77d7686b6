import os

from . import dotenv  # noqa: F401  (loads .env before base reads the environment)

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")

from .base import *  # noqa: E402,F403
