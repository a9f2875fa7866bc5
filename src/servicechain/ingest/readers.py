"""Reading an input file (CSV, XLSX or Parquet) into one shape: a table of text cells.

CSV has its own module (``csv_files``); the shape and its helpers live in ``source``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from servicechain.errors import UserError
from servicechain.ingest.csv_files import MAX_TITLE_LINES, detect_delimiter, detect_encoding, read_csv_file
from servicechain.ingest.source import (
    SourceTable,
    file_hash,
    name_columns,
    placeholder_names,
    reject,
    to_text_frame,
)

__all__ = [
    "SourceTable",
    "detect_delimiter",
    "detect_encoding",
    "file_hash",
    "read_source",
    "table_from_frame",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_source(path: Path, *, sheet: str | None = None) -> SourceTable:
    """Read a CSV, XLSX or Parquet file into text cells, refusing empty or unreadable files.

    ``sheet`` picks a worksheet of a workbook by name (default: the first).
    """
    # Not a problem *in* a file but a mistake on the command line: one line, no problem list.
    if not path.exists():
        raise UserError(f"file not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a file")
    if path.stat().st_size == 0:
        raise reject(path, "the file is empty")
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise UserError(f"--sheet applies to Excel workbooks only, and {path.name} is not one")
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(path, sheet)
    elif suffix == ".parquet":
        table = _read_parquet(path)
    elif suffix in CSV_SUFFIXES or suffix == "":
        table = read_csv_file(path)
    else:
        raise reject(path, f"unknown file type {suffix!r}: use .csv, .xlsx or .parquet")
    if table.frame.shape[0] == 0:
        raise reject(path, "the file has a header but no data rows")
    return table


def _read_parquet(path: Path) -> SourceTable:
    try:
        arrow = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise reject(path, f"cannot read as Parquet: {error}") from error
    return SourceTable(path, to_text_frame(arrow, path), file_hash(path), notes=["read as Parquet"])


def _read_excel(path: Path, sheet_name: str | None = None) -> SourceTable:
    from openpyxl import load_workbook  # imported here: only Excel users pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise reject(path, f"cannot read as Excel workbook: {error}") from error
    if sheet_name is None:
        sheet = workbook.worksheets[0]
    elif sheet_name in workbook.sheetnames:
        sheet = workbook[sheet_name]
    else:
        available = ", ".join(repr(name) for name in workbook.sheetnames)
        raise reject(path, f"no sheet named {sheet_name!r}; the workbook has {available}")
    rows = sheet.iter_rows(values_only=True)
    # title rows and blank rows above the header: the header is the first row with two names
    header_row, header = 0, None
    for header_row, candidate in enumerate(rows, start=1):
        if sum(1 for cell in candidate if cell is not None and str(cell).strip()) >= 2:
            header = candidate
            break
        if header_row > MAX_TITLE_LINES:
            break
    if header is None:
        raise reject(path, f"sheet {sheet.title!r} has no header row (a row with two or more column names)")
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    width = len(names)
    # read-only mode leaves empty trailing cells out of a row: pad every row to the header
    data = [[*row[:width], *([None] * (width - len(row)))] for row in rows]
    # blank rows at the end are formatting; blank rows in between keep their place, so
    # that every reported row number is the row Excel shows
    while data and all(cell is None for cell in data[-1]):
        data.pop()
    workbook.close()
    placeholders = placeholder_names(names)
    frame = pd.DataFrame(data, columns=placeholders, dtype=object)
    arrow = pa.table({name: _excel_column(frame[name]) for name in placeholders})
    arrow = name_columns(path, arrow, names)
    notes = [f"read sheet {sheet.title!r} of an Excel workbook"]
    if header_row > 1:
        notes.append(f"skipped {header_row - 1} title row(s) above the header on row {header_row}")
    frame = to_text_frame(arrow, path)
    return SourceTable(path, frame, file_hash(path), first_row=header_row + 1, notes=notes)


def _excel_column(values: pd.Series) -> pa.Array:
    def as_text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if hasattr(value, "isoformat"):
            text = value.isoformat()
            return text.removesuffix("T00:00:00")
        return str(value)

    return pa.array([as_text(value) for value in values], type=pa.string())


def table_from_frame(frame: pd.DataFrame, name: str, content_hash: str) -> SourceTable:
    """A DataFrame (typed or not) as a source table of text cells, as if read from a file."""
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    arrow = pa.table({n: _decode_dictionary(arrow.column(n)) for n in arrow.column_names})
    path = Path(name)
    return SourceTable(path, to_text_frame(arrow, path), content_hash, notes=["generated in memory"])


def _decode_dictionary(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return pc.cast(column, column.type.value_type)
    return column
