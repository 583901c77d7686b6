"""Benchmarks, run with ``python -m bench`` (``make bench``): see bench/README.md.

Each benchmark is a function returning a dict of figures, so a larger harness can call it and
collect the results. These helpers give a benchmark Django and a database of its own.
"""

import os
from contextlib import contextmanager


def setup_django(settings_module: str = "iwl.settings.test") -> None:
    """Configure Django (the test settings unless DJANGO_SETTINGS_MODULE says otherwise)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


@contextmanager
def throwaway_database():
    """Create a fresh database for the run and drop it afterwards.

    It is Django's test database for the configured server: in memory for SQLite, or
    ``iwl_bench_<pid>`` next to the DATABASE_URL database for PostgreSQL (never the test
    database a test run may be using at the same time).
    """
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings = connection.settings_dict
    old_name = settings["NAME"]
    if connection.vendor != "sqlite":
        settings.setdefault("TEST", {})["NAME"] = f"iwl_bench_{os.getpid()}"
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
