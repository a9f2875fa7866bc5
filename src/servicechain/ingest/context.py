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

    def report(self, stage: str, done: int, total: int) -> None:
        """Tell the progress hook, if any."""
        if self.progress:
            self.progress(stage, done, total)

    def check_unique(self, key: list[str]) -> None:
        """Each key occurs once in the file; repeats are reported with the row of the first."""
        frame = self.typed[key]
        group = _key_codes(frame)  # -1 where a key cell is empty (reported elsewhere)
        _, first_of_group, group_index = np.unique(group, return_index=True, return_inverse=True)
        first = first_of_group[group_index]
        repeated = (group >= 0) & (first != np.arange(len(group)))
        if not repeated.any():
            return

        def reason(position: int) -> str:
            values = frame.iloc[position].tolist()
            scope = "".join(f" for {c} {str(v)!r}" for c, v in zip(key[:-1], values[:-1], strict=True))
            first_row = self.log.row_of(int(first[position]))
            return f"duplicate {key[-1]} {str(values[-1])!r}{scope} (first on row {first_row})"

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
        ids = map_codes(codes, lookup)
        unknown = codes.notna().to_numpy() & ids.isna().to_numpy()
        raw = self.raw[column]
        self.log.add_mask(unknown, column, lambda p: f"unknown {what} {quoted(raw, p)}{hint}")
        return ids


def map_codes(codes: pd.Series, lookup: pd.Series | dict[str, int]) -> pd.Series:
    """Ids for codes through ``lookup`` (code -> id), looking up each distinct code once."""
    positions, uniques = pd.factorize(codes)
    mapped = pd.Series(uniques).map(lookup).astype("Int64")
    # one NA appended at the end, so that position -1 (an empty cell) reads it
    ids = pd.concat([mapped, pd.Series([pd.NA], dtype="Int64")], ignore_index=True)
    return pd.Series(ids.to_numpy()[positions], index=codes.index, dtype="Int64")


def _key_codes(frame: pd.DataFrame) -> np.ndarray:
    """One integer per distinct key (combining the columns), -1 where any part is empty."""
    combined = np.zeros(len(frame), dtype=np.int64)
    empty = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        codes, uniques = pd.factorize(frame[column])
        empty |= codes < 0
        # re-densify after each column so the product never overflows int64
        combined = pd.factorize(combined * (len(uniques) + 1) + codes + 1)[0].astype(np.int64)
    return np.where(empty, -1, combined)


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


def _hint(kind: str) -> str:
    return f" (not in the store: import it with `servicechain import {kind}` first)"


UNIT_HINT = _hint("units")
EMPLOYEE_HINT = _hint("employees")
CUSTOMER_HINT = _hint("customers")


def optional_column(ctx: ImportContext, name: str, dtype: str = "object") -> pd.Series:
    """A typed column that the file may leave out (then all missing)."""
    if name in ctx.typed:
        return ctx.typed[name]
    return pd.Series(pd.NA if dtype != "object" else None, index=ctx.typed.index, dtype=dtype)
