"""Reading CSV, XLSX and Parquet files into one shape: a table of text cells.

Every reader returns a :class:`SourceTable` whose columns are pandas string columns
(missing cells are ``<NA>``) and whose ``first_row`` tells which spreadsheet row the
first data row is (the header is row 1). Typing happens later, per kind, so that a bad
cell can be reported by file, row and column instead of failing the whole read.

CSV files are sniffed the way a Dutch office produces them: delimiter ``,`` ``;`` or tab,
encoding UTF-8, UTF-8 with BOM or Windows-1252 (Excel's "CSV (puntkomma-gescheiden)").
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from servicechain.errors import ImportRejected, Problem, UserError

DELIMITERS = (",", ";", "\t")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


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


def _reject(path: Path, reason: str, row: int | None = None) -> ImportRejected:
    return ImportRejected([Problem(path.name, row, None, reason)])


def read_source(path: Path) -> SourceTable:
    """Read a CSV, XLSX or Parquet file into text cells, refusing empty or unreadable files."""
    # Not a problem *in* a file but a mistake on the command line: one line, no problem list.
    if not path.exists():
        raise UserError(f"file not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a file")
    if path.stat().st_size == 0:
        raise _reject(path, "the file is empty")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(path)
    elif suffix == ".parquet":
        table = _read_parquet(path)
    elif suffix in CSV_SUFFIXES or suffix == "":
        table = _read_csv(path)
    else:
        raise _reject(path, f"unknown file type {suffix!r}: use .csv, .xlsx or .parquet")
    if table.frame.shape[0] == 0:
        raise _reject(path, "the file has a header but no data rows")
    return table


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig`` (BOM), ``utf-8`` when the bytes decode, else ``cp1252``."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode-tekst"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off at the end of the sample is still UTF-8.
        if error.start < len(sample) - 3:
            return "cp1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The most frequent of ``,`` ``;`` and tab in the header line (``,`` when none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path) -> SourceTable:
    content_hash = file_hash(path)
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    encoding = detect_encoding(sample)
    if encoding == "utf-8":
        encoding = _full_file_encoding(path)
    text_sample = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    if not text_sample.strip():
        raise _reject(path, "the file is empty")
    header_line = text_sample.splitlines()[0]
    delimiter = detect_delimiter(header_line)
    names = [name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))]
    placeholders = _placeholder_names(names)
    ragged: list[int] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        ragged.append(row.number or 0)
        return "skip"

    try:
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, block_size=1 << 24, column_names=placeholders, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(placeholders, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise _reject(path, f"cannot read as CSV: {error}") from error
    if ragged:
        raise _ragged_rows(path, encoding, delimiter)
    arrow = _name_columns(path, arrow, names)
    notes = [f"read as CSV, encoding {encoding}, delimiter {delimiter!r}"]
    table = SourceTable(path, _to_text_frame(arrow, path), content_hash, encoding, delimiter, notes=notes)
    table.row_numbers = _row_numbers_around_blank_lines(path, encoding, delimiter)
    return table


def _placeholder_names(names: list[str]) -> list[str]:
    """Distinct names to read with; the real (possibly empty or repeated) names come after."""
    return [f"column_{position + 1}" for position in range(len(names))]


def _name_columns(path: Path, arrow: pa.Table, names: list[str]) -> pa.Table:
    """Give the columns their header names: unnamed empty columns (Excel's trailing ';;')
    are dropped, an unnamed column with data or a repeated name is refused."""
    kept, kept_names = [], []
    for position, name in enumerate(names):
        column = arrow.column(position)
        if name == "":
            if column.null_count == len(column) or _all_blank(column):
                continue
            raise _reject(path, f"column {position + 1} has data but no name in the header", row=1)
        kept.append(column)
        kept_names.append(name)
    repeated = sorted({name for name in kept_names if kept_names.count(name) > 1})
    if repeated:
        raise _reject(path, f"the header repeats the column(s) {', '.join(repeated)}", row=1)
    return pa.table(kept, names=kept_names)


def _all_blank(column: pa.ChunkedArray) -> bool:
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    trimmed = pc.utf8_trim_whitespace(column)
    return bool(pc.all(pc.fill_null(pc.equal(trimmed, ""), True)).as_py())


def _row_numbers_around_blank_lines(path: Path, encoding: str, delimiter: str) -> np.ndarray | None:
    """Arrow skips blank lines; when a file has any, map each data row to its real row."""
    if encoding == "utf-16" or not _has_blank_line(path):
        return None
    with open(path, encoding=encoding, newline="") as handle:
        records = csv.reader(handle, delimiter=delimiter)
        next(records)
        return np.array([number for number, record in enumerate(records, start=2) if record], dtype=np.int64)


def _has_blank_line(path: Path) -> bool:
    tail = b""
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            chunk = tail + block
            if b"\n\n" in chunk or b"\n\r\n" in chunk:
                # a blank line at the very end is no gap between rows
                return bool(chunk.rstrip(b"\r\n").count(b"\n\n") or chunk.rstrip(b"\r\n").count(b"\n\r\n"))
            tail = block[-2:]
    return False


def _ragged_rows(path: Path, encoding: str, delimiter: str) -> ImportRejected:
    """Find the rows whose field count differs from the header's (only run on error)."""
    with open(path, encoding=encoding, newline="") as handle:
        records = csv.reader(handle, delimiter=delimiter)
        width = len(next(records))
        rows = [number for number, record in enumerate(records, start=2) if record and len(record) != width]
    problems = [
        Problem(path.name, row, None, f"row does not have {width} fields like the header")
        for row in rows[:50]
    ]
    return ImportRejected(problems, total=len(rows))


def _full_file_encoding(path: Path) -> str:
    """Check the whole file is UTF-8 (a Windows-1252 byte may appear late in a big file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            for block in iter(lambda: handle.read(1 << 22), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _to_text_frame(arrow: pa.Table, path: Path) -> pd.DataFrame:
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


def _read_parquet(path: Path) -> SourceTable:
    try:
        arrow = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise _reject(path, f"cannot read as Parquet: {error}") from error
    return SourceTable(path, _to_text_frame(arrow, path), file_hash(path), notes=["read as Parquet"])


def _read_excel(path: Path) -> SourceTable:
    from openpyxl import load_workbook  # imported here: only Excel users pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a broken file
        raise _reject(path, f"cannot read as Excel workbook: {error}") from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(cell is None for cell in header):
        raise _reject(path, "the first sheet is empty")
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    width = len(names)
    # read-only mode leaves empty trailing cells out of a row: pad every row to the header
    data = [[*row[:width], *([None] * (width - len(row)))] for row in rows]
    # blank rows at the end are formatting; blank rows in between keep their place, so
    # that every reported row number is the row Excel shows
    while data and all(cell is None for cell in data[-1]):
        data.pop()
    workbook.close()
    placeholders = _placeholder_names(names)
    frame = pd.DataFrame(data, columns=placeholders, dtype=object)
    arrow = pa.table({name: _excel_column(frame[name]) for name in placeholders})
    arrow = _name_columns(path, arrow, names)
    notes = [f"read sheet {sheet.title!r} of an Excel workbook"]
    return SourceTable(path, _to_text_frame(arrow, path), file_hash(path), notes=notes)


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
    return SourceTable(path, _to_text_frame(arrow, path), content_hash, notes=["generated in memory"])


def _decode_dictionary(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        return pc.cast(column, column.type.value_type)
    return column
