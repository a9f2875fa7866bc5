"""The shape every reader produces: a table of text cells, and the helpers to build it.

Every reader returns a :class:`SourceTable` whose columns are pandas string columns
(missing cells are ``<NA>``) and whose row numbers are the ones a spreadsheet shows (the
header is row 1). Typing happens later, per kind, so that a bad cell can be reported by
file, row and column instead of failing the whole read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from servicechain.errors import ImportRejected, Problem


@dataclass
class SourceTable:
    """The cells of one input file as text, with what we learned while reading it."""

    path: Path
    frame: pd.DataFrame
    content_hash: str
    encoding: str | None = None
    delimiter: str | None = None
    first_row: int = 2
    notes: list[str] = field(default_factory=list)
    row_numbers: np.ndarray | None = None
    """Spreadsheet row of each data row when blank lines were skipped (else first_row + i)."""

    @property
    def name(self) -> str:
        """The file name as shown in messages."""
        return self.path.name


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of an import."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reject(path: Path, reason: str, row: int | None = None) -> ImportRejected:
    return ImportRejected([Problem(path.name, row, None, reason)])


def placeholder_names(names: list[str]) -> list[str]:
    """Distinct names to read with; the real (possibly empty or repeated) names come after."""
    return [f"column_{position + 1}" for position in range(len(names))]


def name_columns(path: Path, arrow: pa.Table, names: list[str]) -> pa.Table:
    """Give the columns their header names: unnamed empty columns (Excel's trailing ';;')
    are dropped, an unnamed column with data or a repeated name is refused."""
    kept, kept_names = [], []
    for position, name in enumerate(names):
        column = arrow.column(position)
        if name == "":
            if column.null_count == len(column) or _all_blank(column):
                continue
            raise reject(path, f"column {position + 1} has data but no name in the header", row=1)
        kept.append(column)
        kept_names.append(name)
    repeated = sorted({name for name in kept_names if kept_names.count(name) > 1})
    if repeated:
        raise reject(path, f"the header repeats the column(s) {', '.join(repeated)}", row=1)
    return pa.table(kept, names=kept_names)


def _all_blank(column: pa.ChunkedArray) -> bool:
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    trimmed = pc.utf8_trim_whitespace(column)
    return bool(pc.all(pc.fill_null(pc.equal(trimmed, ""), True)).as_py())


def to_text_frame(arrow: pa.Table, path: Path) -> pd.DataFrame:
    """Arrow table -> DataFrame of trimmed text columns; blank cells become missing."""
    columns = {}
    for name in arrow.column_names:
        column = arrow.column(name)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            try:
                column = _arrow_to_text(column)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                reason = f"holds {column.type} values; each cell must hold one value"
                raise ImportRejected([Problem(path.name, 1, name, reason)]) from error
        trimmed = pc.utf8_trim_whitespace(column)
        blank = pc.equal(trimmed, "")
        columns[name.strip().lstrip("\ufeff")] = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)
    table = pa.table(columns)
    return table.to_pandas(types_mapper=lambda _type: pd.StringDtype("pyarrow"))


def _arrow_to_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type):
        # A zoned instant keeps its offset, so it is read like a CSV cell "...T10:00:00Z".
        zone = "%z" if column.type.tz else ""
        return pc.strftime(column, format=f"%Y-%m-%dT%H:%M:%S{zone}")
    if pa.types.is_date(column.type):
        return pc.strftime(column, format="%Y-%m-%d")
    if pa.types.is_dictionary(column.type):  # pandas categoricals
        return _arrow_to_text(pc.cast(column, column.type.value_type))
    if pa.types.is_floating(column.type):
        # 4.0 -> "4": integral floats (Parquet and Excel write answers as floats) stay integers;
        # NaN is a missing value; 1e20 is too big for an integer and stays as it is.
        column = pc.cast(column, pa.float64())
        integral = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), 2.0**53))
        as_int = pc.cast(pc.if_else(integral, column, 0.0), pa.int64())
        text = pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
        return pc.if_else(pc.is_nan(column), pa.scalar(None, pa.string()), text)
    if pa.types.is_boolean(column.type):
        return pc.if_else(column, "true", "false")
    return pc.cast(column, pa.string())
