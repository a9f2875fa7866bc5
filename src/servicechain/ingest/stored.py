"""What the store already holds for the rows of a file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.store.bulk import read_frame, staged


@dataclass
class Stored:
    """The file rows whose key is already stored, with the stored values of those rows only.

    ``mask`` has one entry per file row; ``values`` is indexed by file position (0-based)
    and holds just the stored rows, so a first import of 10M rows builds nothing large.
    """

    mask: np.ndarray
    values: pd.DataFrame

    def changed(self, incoming: pd.DataFrame, columns: list[str]) -> np.ndarray:
        """Per file row: stored, and some of ``columns`` differ from the file's values."""
        result = np.zeros(len(self.mask), dtype=bool)
        if self.values.empty:
            return result
        positions = self.values.index.to_numpy()
        subset = incoming.iloc[positions]
        differ = np.zeros(len(positions), dtype=bool)
        for column in columns:
            differ |= differs(self.values[column], subset[column])
        result[positions] = differ
        return result


def stored_values(
    connection: sa.Connection, table: str, keys: pd.DataFrame, value_columns: list[str]
) -> Stored:
    """Which rows' keys (columns named as in ``table``) are stored, and their stored values."""
    frame = keys.reset_index(drop=True).assign(_position=np.arange(len(keys)))
    condition = " AND ".join(f"t.{c} = s.{c}" for c in keys.columns)
    values = "".join(f", t.{c}" for c in value_columns)
    with staged(connection, frame) as stage:
        found = read_frame(
            connection, f"SELECT s._position{values} FROM {stage} s JOIN {table} t ON {condition}"
        )
    positions = found["_position"].to_numpy(dtype=np.int64)
    mask = np.zeros(len(keys), dtype=bool)
    mask[positions] = True
    return Stored(mask, found.drop(columns="_position").set_axis(positions).sort_index())


def differs(stored: pd.Series, incoming: pd.Series) -> np.ndarray:
    """Cells whose values differ, whatever spelling the engine or pandas used.

    Numbers compare as numbers (4 equals 4.0; True is 1; two missing values are equal);
    other values (text, dates) through :func:`_comparable`.
    """
    a = pd.to_numeric(stored, errors="coerce")
    b = pd.to_numeric(incoming, errors="coerce")
    numeric = bool((a.notna().to_numpy() | stored.isna().to_numpy()).all()) and bool(
        (b.notna().to_numpy() | incoming.isna().to_numpy()).all()
    )
    if not numeric:
        left = np.array([_comparable(v) for v in stored.astype(object)], dtype=object)
        right = np.array([_comparable(v) for v in incoming.astype(object)], dtype=object)
        return left != right
    x = a.to_numpy(dtype=float, na_value=np.nan)
    y = b.to_numpy(dtype=float, na_value=np.nan)
    both_missing = np.isnan(x) & np.isnan(y)
    return ~both_missing & ~np.isclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=False)


def _comparable(value: object) -> object:
    """One spelling per value (None for NaN/NaT/NA; a date for a midnight Timestamp)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value
