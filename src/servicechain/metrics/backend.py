"""An Ibis backend on the store's own connection, for DuckDB and PostgreSQL alike.

Ibis runs on the connection SQLAlchemy already holds, so a DuckDB file is not opened a
second time (DuckDB allows one writing process per file) and a PostgreSQL query sees
the same database as the rest of the program.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
from ibis.backends.sql import SQLBackend

from servicechain.store.engine import Store


@dataclass(frozen=True)
class Analytics:
    """An Ibis ``backend`` and the driver connection under it, for running compiled SQL."""

    backend: SQLBackend
    driver: Any

    def read(self, sql: str) -> pd.DataFrame:
        """Run SQL text (compiled by Ibis for this engine) and return the result as a DataFrame.

        Bypasses Ibis' own wrapping of SQL text, which re-parses the statement on every call.
        """
        if self.backend.name == "duckdb":
            return self.driver.execute(sql).df()
        with self.driver.cursor() as cursor:
            cursor.execute(sql)
            names = [column.name for column in cursor.description]
            frame = pd.DataFrame(cursor.fetchall(), columns=names)
        # PostgreSQL sums of integers arrive as NUMERIC (Decimal): make them numbers
        exact = [name for name in names if isinstance(next(iter(frame[name].dropna()), None), Decimal)]
        return frame.astype(dict.fromkeys(exact, "float64"))


@contextmanager
def analytics_backend(store: Store) -> Iterator[Analytics]:
    """An Ibis backend bound to one connection of ``store`` for the length of the block."""
    with store.engine.connect() as connection:
        raw: Any = connection.connection.driver_connection
        if store.dialect == "duckdb":
            raw.execute("SET enable_progress_bar = false").fetchall()  # it would print into --json output
            yield Analytics(ibis.duckdb.from_connection(raw), raw)
        elif store.dialect == "postgresql":
            yield Analytics(ibis.postgres.from_connection(raw), raw)
        else:  # pragma: no cover - open_store accepts only these two
            raise ValueError(f"no analytics backend for {store.dialect}")
