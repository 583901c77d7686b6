"""The national benchmark's own PostgreSQL database: created fresh, migrated, dropped after.

Its name comes from DATABASE_URL (iwl.settings.bench defaults it to ``iwl_bench``) and must
contain "bench": the harness drops that database, so it refuses to touch any other.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg2
from django.core.exceptions import ImproperlyConfigured
from psycopg2 import sql


def settings_dict() -> dict:
    from django.db import connection

    return connection.settings_dict


def database_name() -> str:
    name = settings_dict()["NAME"]
    if connection_vendor() != "postgresql":
        raise ImproperlyConfigured(
            "The national benchmark needs PostgreSQL: set DATABASE_URL, for example "
            "postgres://postgres@127.0.0.1:5432/iwl_bench"
        )
    if "bench" not in name:
        raise ImproperlyConfigured(
            f"Refusing to use database {name!r}: the benchmark drops and recreates its database, "
            "so its name must contain 'bench' (for example iwl_bench)"
        )
    return name


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _server_connection():
    """A connection to the server's maintenance database, to create and drop ours."""
    settings = settings_dict()
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )
    except psycopg2.OperationalError as exc:
        raise ImproperlyConfigured(
            f"Cannot reach PostgreSQL at {settings['HOST']}:{settings['PORT']} ({exc}). "
            "Start it (pg_ctlcluster 15 main start) or set DATABASE_URL."
        ) from exc
    conn.autocommit = True
    return conn


def exists(name: str) -> bool:
    with _server_connection() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def drop(name: str) -> None:
    from django.db import connections

    connections.close_all()
    conn = _server_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        conn.close()


def create(name: str) -> None:
    drop(name)
    conn = _server_connection()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def bench_database(*, reuse: bool = False, keep: bool = False):
    """Yield whether the database is new (True) or a kept one being reused (False)."""
    name = database_name()
    fresh = not (reuse and exists(name))
    if fresh:
        create(name)
        migrate()
    try:
        yield fresh
    finally:
        if not keep:
            drop(name)


def analyse() -> None:
    """Fresh statistics, as autovacuum would gather after a real load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
