"""What every importer works with: the transaction, the typed cells, the problem log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.ingest.problems import ProblemLog, quoted
from servicechain.store import schema
from servicechain.store.bulk import read_frame, staged

ProgressHook = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as an import advances."""


@dataclass
class Counts:
    """What an import did to the store."""

    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportContext:
    """One import in progress, inside one transaction."""

    connection: sa.Connection
    kind: str
    raw: pd.DataFrame
    typed: pd.DataFrame
    log: ProblemLog
    import_id: int
    replace: bool = False
    anonymity_threshold: int = 5
    progress: ProgressHook | None = None
    notes: list[str] = field(default_factory=list)
    decimal_comma: bool = False

    def report(self, stage: str, done: int, total: int) -> None:
        """Tell the progress hook, if any."""
        if self.progress:
            self.progress(stage, done, total)

    def check_unique(self, key: list[str], what: str) -> None:
        """Each key occurs once in the file; repeats are reported with the first row."""
        frame = self.typed[key]
        repeated = frame.duplicated(keep="first").to_numpy() & frame.notna().all(axis=1).to_numpy()
        if not repeated.any():
            return
        first_position = frame.reset_index(drop=True).groupby(key, dropna=True).ngroup()
        first_row = pd.Series(np.arange(len(frame))).groupby(first_position.to_numpy()).transform("min")

        def reason(position: int) -> str:
            value = " / ".join(str(v) for v in frame.iloc[position].tolist())
            first = self.log.row_of(int(first_row.iloc[position]))
            return f"duplicate {what} {value!r} (first on row {first})"

        self.log.add_mask(repeated, key[-1], reason)

    def resolve(
        self,
        column: str,
        lookup: pd.Series,
        what: str,
        hint: str,
    ) -> pd.Series:
        """Codes of ``column`` mapped to ids through ``lookup`` (code -> id); unknown codes are problems."""
        if column not in self.typed:
            return pd.Series(pd.NA, index=self.typed.index, dtype="Int64")
        codes = self.typed[column]
        ids = codes.map(lookup).astype("Int64")
        unknown = codes.notna().to_numpy() & ids.isna().to_numpy()
        raw = self.raw[column]
        self.log.add_mask(unknown, column, lambda p: f"unknown {what} {quoted(raw, p)}{hint}")
        return ids


def code_lookup(connection: sa.Connection, table: sa.Table) -> pd.Series:
    """``code -> id`` for a small table (units, employees, waves)."""
    frame = read_frame(connection, sa.select(table.c.code, table.c.id))
    return pd.Series(frame["id"].to_numpy(), index=frame["code"].to_numpy(), dtype="int64")


def customer_lookup(connection: sa.Connection, codes: pd.Series) -> pd.Series:
    """``code -> id`` for just the customers a file mentions (there may be millions)."""
    wanted = pd.DataFrame({"code": pd.Series(codes.dropna().unique(), dtype=object)})
    if wanted.empty:
        return pd.Series(dtype="int64")
    with staged(connection, wanted) as stage:
        frame = read_frame(
            connection, f"SELECT c.code, c.id FROM customer c JOIN {stage} s ON s.code = c.code"
        )
    return pd.Series(frame["id"].to_numpy(), index=frame["code"].to_numpy(), dtype="int64")


def unit_lookup(connection: sa.Connection) -> pd.Series:
    """``unit code -> id``."""
    return code_lookup(connection, schema.org_unit)


UNIT_HINT = " (not in the store: import it with `servicechain import units` first)"
