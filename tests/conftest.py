"""Fixtures: a fresh, migrated store per test on DuckDB (a file) and on the PostgreSQL server.

PostgreSQL must run on 127.0.0.1:5432 (trust auth); ``.ci/run`` starts it. Each test gets
its own database cloned from a migrated template, so tests never see each other's rows.
Set ``SERVICECHAIN_TEST_PG`` to another server URL (without database) to use that one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from servicechain.store import Store, open_store, schema

PG_SERVER = os.environ.get("SERVICECHAIN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
TEMPLATE = f"sc_template_{os.getpid()}"


def _admin() -> sa.Engine:
    return sa.create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    store = open_store(f"duckdb:///{path}")
    store.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    admin = _admin()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        connection.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
    store = open_store(f"{PG_SERVER}/{TEMPLATE}")
    store.dispose()
    yield TEMPLATE
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    admin.dispose()


@contextmanager
def fresh_store(request: pytest.FixtureRequest, engine: str, folder: Path) -> Iterator[Store]:
    """A migrated, empty store on ``engine`` (a DuckDB file in ``folder``, or a new PostgreSQL
    database cloned from the template), dropped afterwards; usable from fixtures of any scope."""
    if engine == "duckdb":
        path = folder / f"store-{uuid.uuid4().hex[:8]}.duckdb"
        shutil.copy(request.getfixturevalue("duckdb_template"), path)
        store = open_store(f"duckdb:///{path}")
        try:
            yield store
        finally:
            store.dispose()
        return
    template = request.getfixturevalue("pg_template")
    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {template}")
    store = open_store(f"{PG_SERVER}/{name}")
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(params=["duckdb", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each engine."""
    with fresh_store(request, request.param, tmp_path) as opened:
        yield opened


def snapshot(store: Store) -> dict[str, str]:
    """A digest of every table's rows (order-independent) plus the sequences' next values."""
    digests = {}
    with store.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).fetchall()
            digest = hashlib.sha256()
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
            digests[table.name] = f"{len(rows)}:{digest.hexdigest()[:16]}"
    return digests


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a small input file."""
    path.write_text(text, encoding=encoding, newline="")
    return path


def select_rows(store: Store, statement: sa.Executable) -> list[sa.Row]:
    """All rows of a query on ``store``."""
    with store.engine.connect() as connection:
        return list(connection.execute(statement))


pytest_plugins = ["web_support"]  # the live web server fixtures (tests/web_support.py)
