"""What the store already holds for the rows of a file, aligned with the file's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.store.bulk import read_frame, staged


def stored_values(
    connection: sa.Connection, table: str, keys: pd.DataFrame, value_columns: list[str]
) -> pd.DataFrame:
    """Stored ``value_columns`` for each row's key (columns named as in ``table``).

    The result has one row per file row (NaN/None where nothing is stored) and a boolean
    column ``_stored``.
    """
    frame = keys.reset_index(drop=True).assign(_position=np.arange(len(keys)))
    condition = " AND ".join(f"t.{c} = s.{c}" for c in keys.columns)
    values = "".join(f", t.{c}" for c in value_columns)
    with staged(connection, frame) as stage:
        found = read_frame(
            connection, f"SELECT s._position{values} FROM {stage} s JOIN {table} t ON {condition}"
        )
    aligned = pd.DataFrame(index=np.arange(len(keys)), columns=value_columns, dtype=object)
    positions = found["_position"].to_numpy(dtype=np.int64)
    for column in value_columns:
        aligned.loc[positions, column] = found[column].to_numpy(dtype=object)
    aligned["_stored"] = False
    aligned.loc[positions, "_stored"] = True
    return aligned


def differs(stored: pd.Series, incoming: pd.Series) -> np.ndarray:
    """Cells whose numbers differ (two missing values are equal; 4 equals 4.0)."""
    left = pd.to_numeric(stored.astype(object).where(stored.notna(), np.nan), errors="coerce")
    right = pd.to_numeric(incoming.astype(object).where(incoming.notna(), np.nan), errors="coerce")
    a, b = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
    both_missing = np.isnan(a) & np.isnan(b)
    return ~both_missing & ~np.isclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=False)
