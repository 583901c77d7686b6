"""Bulk loading through PostgreSQL's COPY: rows are buffered per table and sent in chunks.

Columns are named by the models' own field names (``attname``), so a renamed column fails
loudly here instead of loading nonsense.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import re
import uuid
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

NULL = "\\N"
COPY_READ_SIZE = 8 * 1024 * 1024
# None's cell until the line is checked: PostgreSQL text can never hold a NUL character.
NULL_MARK = "\x00"
SPECIAL = re.compile(r"[\\\n\r]")


def text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder: json.dumps makes one per call
# Each Python type's text, before escaping, looked up by exact type (the hot path: millions
# of cells; another type is a KeyError naming it). JSON columns take a dict or a list, or a
# str already encoded.
FORMATS = {
    str: str,
    type(None): lambda value: NULL_MARK,
    bool: lambda value: "t" if value else "f",
    int: str,
    float: str,
    Decimal: str,
    uuid.UUID: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
    dict: JSON.encode,
    list: JSON.encode,
}


class Table:
    """Buffered rows for one model, as tuples in ``columns`` order."""

    def __init__(self, model, columns):
        known = {field.attname for field in model._meta.concrete_fields}
        unknown = set(columns) - known
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.model = model
        self.statement = 'COPY "{}" ({}) FROM STDIN'.format(
            model._meta.db_table, ", ".join(f'"{name}"' for name in columns)
        )
        self.buffer = io.StringIO()
        self.pending = 0
        self.total = 0

    def add(self, *values) -> None:
        cells = [value if type(value) is str else FORMATS[type(value)](value) for value in values]
        line = "\t".join(cells)
        # Escaping every cell costs more than checking the whole line once: most need none.
        if line.count("\t") != len(cells) - 1 or SPECIAL.search(line):
            line = "\t".join(NULL if cell == NULL_MARK else text(cell) for cell in cells)
        else:
            line = line.replace(NULL_MARK, NULL)
        self.buffer.write(line)
        self.buffer.write("\n")
        self.pending += 1

    def take(self) -> str:
        data = self.buffer.getvalue()
        self.buffer = io.StringIO()
        self.total += self.pending
        self.pending = 0
        return data


class Loader:
    """Tables sent together, parents before children (the order they were declared), by a
    process of its own: PostgreSQL stores a chunk while Python makes the next one. (A thread
    would do less: psycopg2 keeps the GIL while the server works through a COPY.) At most one
    chunk is in flight, so memory stays bounded.
    """

    def __init__(self, *, skip_triggers: bool):
        from django.db import connection

        params = {key: connection.settings_dict[key] for key in CONNECTION_KEYS}
        # spawn, not fork: a forked child would share the parent's database socket.
        self.pool = multiprocessing.get_context("spawn").Pool(
            1, initializer=_connect, initargs=(params, skip_triggers)
        )
        self.tables: dict[str, Table] = {}
        self.job = None

    def table(self, name, model, columns) -> Table:
        self.tables[name] = Table(model, columns)
        return self.tables[name]

    def flush(self) -> None:
        batch = [(table.statement, table.take()) for table in self.tables.values() if table.pending]
        self.wait()
        self.job = self.pool.apply_async(_copy, (batch,))

    def wait(self) -> None:
        if self.job is not None:
            self.job.get()
            self.job = None

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.close()
            self.pool.join()

    def counts(self) -> dict:
        return {name: table.total for name, table in self.tables.items()}


CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")
_connection = None  # the copying process's own


def _connect(params, skip_triggers) -> None:
    """In the copying process: connect, with foreign key triggers off if we may.

    ``session_replication_role = replica`` (superusers only) skips the foreign key checks,
    which would otherwise take most of the load's time; check_foreign_keys() checks every
    reference afterwards, one query per key. Without the privilege the checks stay on:
    slower, just as correct.
    """
    import psycopg2

    global _connection
    _connection = psycopg2.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    with _connection.cursor() as cursor:
        # A crash mid-load means loading again anyway: no need to wait for each flush to disk.
        cursor.execute("SET synchronous_commit = off")
    _connection.commit()
    if skip_triggers:
        try:
            with _connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
            _connection.commit()
        except psycopg2.errors.InsufficientPrivilege:
            _connection.rollback()


def _copy(batch) -> None:
    with _connection.cursor() as cursor:
        for statement, data in batch:
            cursor.copy_expert(statement, io.StringIO(data), size=COPY_READ_SIZE)
    _connection.commit()


@contextmanager
def plain_indexes_dropped(tables):
    """Drop the tables' indexes that back no constraint, and build them again afterwards:
    one sorted build is far quicker than millions of inserts at random places. Primary keys
    and unique indexes stay, so the load is still checked for duplicates as it goes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) "
            "AND NOT i.indisprimary AND NOT i.indisunique",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)


def check_foreign_keys(models) -> int:
    """The number of rows, in every table loaded, whose foreign key points at nothing."""
    from django.db import connection

    broken = 0
    with connection.cursor() as cursor:
        for model in models:
            for field in model._meta.concrete_fields:
                if not field.is_relation:
                    continue
                target = field.target_field
                child, parent = model._meta.db_table, target.model._meta.db_table
                # Table and column names from the models, never from input.
                cursor.execute(
                    f'SELECT count(*) FROM "{child}" c LEFT JOIN "{parent}" p '  # noqa: S608
                    f'ON p."{target.column}" = c."{field.column}" '
                    f'WHERE c."{field.column}" IS NOT NULL AND p."{target.column}" IS NULL'
                )
                broken += cursor.fetchone()[0]
    return broken
