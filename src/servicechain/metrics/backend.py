"""An Ibis backend on the store's own connection, for DuckDB and PostgreSQL alike.

Ibis runs on the connection SQLAlchemy already holds, so a DuckDB file is not opened a
second time (DuckDB allows one writing process per file) and a PostgreSQL query sees
the same database as the rest of the program.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ibis
from ibis.backends.sql import SQLBackend

from servicechain.store.engine import Store


@contextmanager
def analytics_backend(store: Store) -> Iterator[SQLBackend]:
    """An Ibis backend bound to one connection of ``store`` for the length of the block."""
    with store.engine.connect() as connection:
        raw = connection.connection.driver_connection
        if store.dialect == "duckdb":
            yield ibis.duckdb.from_connection(raw)
        elif store.dialect == "postgresql":
            yield ibis.postgres.from_connection(raw)
        else:  # pragma: no cover - open_store accepts only these two
            raise ValueError(f"no analytics backend for {store.dialect}")
