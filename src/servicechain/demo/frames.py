"""Column builders for large demo tables, and the quarter calendar.

Millions of rows rule out per-row Python: codes are built by Arrow compute, repeated
strings are pandas categoricals over a small set of categories, answers are nullable
integer arrays built from a value array and a mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default ``str`` dtype, backed by Arrow."""


def codes(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """``prefix`` + zero-padded numbers, e.g. ``codes("C", [7], 6)`` -> ``C000007``."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and numbers.max() >= 10**width:
        raise ValueError(f"{numbers.max()} does not fit in {width} digits")
    # 10**width + n always has width + 1 digits: cut the leading 1, put the prefix there.
    text = pc.cast(pa.array(numbers + 10**width), pa.string())
    return pd.Series(pd.array(pc.binary_replace_slice(text, 0, 1, prefix), dtype=TEXT))


def width_for(count: int, minimum: int = 4) -> int:
    """Digits needed to number ``count`` things (at least ``minimum``)."""
    return max(minimum, len(str(max(count, 1))))


def categorical(indices: np.ndarray, categories: pd.Series | list[str]) -> pd.Categorical:
    """Values ``categories[indices]`` as a categorical; index -1 means missing."""
    index = pd.Index(categories, dtype=TEXT)
    return pd.Categorical.from_codes(np.asarray(indices, dtype=np.int32), categories=index)


def answers(values: np.ndarray, missing: np.ndarray, keys: tuple[str, ...]) -> dict[str, object]:
    """Nullable Int8 answer columns from a (rows x items) matrix and its missing mask."""
    return {
        key: pd.arrays.IntegerArray(np.ascontiguousarray(values[:, j]), missing[:, j].copy())
        for j, key in enumerate(keys)
    }


def optional_ints(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """A nullable Int16 column."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int16), np.asarray(missing))


@dataclass(frozen=True)
class Calendar:
    """The reported quarters and their months, ending with the last complete quarter."""

    quarters: tuple[str, ...]
    """``2026-Q3`` style labels, oldest first."""
    starts: np.ndarray
    """datetime64[D] start of each quarter, plus the end of the last one."""
    months: tuple[str, ...]
    """``2026-09`` style labels, 3 per quarter."""
    month_starts: np.ndarray
    """datetime64[D] start of each month, plus the end of the last one."""

    @classmethod
    def ending_before(cls, as_of: date, periods: int) -> Calendar:
        """``periods`` quarters, the last being the last quarter complete before ``as_of``."""
        current = as_of.year * 4 + (as_of.month - 1) // 3  # quarter containing as_of
        first = current - periods
        quarter_index = np.arange(first, current + 1)
        starts = np.array(
            [f"{q // 4:04d}-{(q % 4) * 3 + 1:02d}-01" for q in quarter_index], dtype="datetime64[D]"
        )
        month_index = np.arange(first * 3, current * 3 + 1)
        month_starts = np.array(
            [f"{m // 12:04d}-{m % 12 + 1:02d}-01" for m in month_index], dtype="datetime64[D]"
        )
        return cls(
            quarters=tuple(f"{q // 4}-Q{q % 4 + 1}" for q in quarter_index[:-1]),
            starts=starts,
            months=tuple(f"{m // 12}-{m % 12 + 1:02d}" for m in month_index[:-1]),
            month_starts=month_starts,
        )

    @property
    def periods(self) -> int:
        """Number of quarters."""
        return len(self.quarters)

    def moments(
        self,
        rng: np.random.Generator,
        period: np.ndarray,
        start_day: int = 0,
        days: int | None = None,
    ) -> np.ndarray:
        """Random datetime64[s] moments in the quarters ``period`` (optionally a window).

        ``start_day`` and ``days`` pick a window inside the quarter (a survey's field
        period); by default the whole quarter. Shops are open 08:00-21:00.
        """
        period = np.asarray(period)
        start = self.starts[period] + np.timedelta64(start_day, "D")
        length = (self.starts[period + 1] - start).astype(np.int64)
        if days is not None:
            length = np.minimum(length, days)
        day = (rng.random(len(period)) * length).astype(np.int64)
        second = 8 * 3600 + rng.integers(0, 13 * 3600, len(period))
        return (start + day).astype("datetime64[s]") + second.astype("timedelta64[s]")
