"""Reading CSV files the way a Dutch office writes them.

Delimiter ``,`` ``;`` or tab (from the header line); encoding UTF-8, UTF-8 with BOM,
Windows-1252 (Excel's "CSV (puntkomma-gescheiden)") or UTF-16 (Excel's "Unicode-tekst").
Arrow reads the cells in bulk; Python's exact ``csv`` module runs only to locate ragged
rows or to number rows around blank lines.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from servicechain.errors import ImportRejected, Problem
from servicechain.ingest.source import (
    SourceTable,
    file_hash,
    name_columns,
    placeholder_names,
    reject,
    to_text_frame,
)

DELIMITERS = (",", ";", "\t")
MAX_TITLE_LINES = 10


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


def find_header(lines: list[str]) -> tuple[int, str]:
    """Index of the header line and its delimiter.

    The header is the first line with at least two named fields: title lines ("Export
    medewerkers Q3", or "Export;;;" as Excel saves them) and blank lines above it are
    skipped. Every import kind has at least three columns, so no header has fewer than two.
    """
    for index, line in enumerate(lines[: MAX_TITLE_LINES + 1]):
        best = max(DELIMITERS, key=lambda delimiter: _named_fields(line, delimiter))
        if _named_fields(line, best) >= 2:
            return index, best
    return 0, detect_delimiter(lines[0])


def _named_fields(line: str, delimiter: str) -> int:
    fields = next(csv.reader([line], delimiter=delimiter), [])
    return sum(1 for field in fields if field.strip())


def read_csv_file(path: Path) -> SourceTable:
    """Read a CSV file into text cells (see the module docstring for what is detected)."""
    content_hash = file_hash(path)
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    encoding = detect_encoding(sample)
    if encoding == "utf-8":
        encoding = _full_file_encoding(path)
    text_sample = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    if not text_sample.strip():
        raise reject(path, "the file is empty")
    lines = text_sample.splitlines()
    header_index, delimiter = find_header(lines)
    names = [name.strip() for name in next(csv.reader([lines[header_index]], delimiter=delimiter))]
    placeholders = placeholder_names(names)
    ragged: list[int] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        ragged.append(row.number or 0)
        return "skip"

    try:
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding,
                block_size=1 << 24,
                column_names=placeholders,
                skip_rows=header_index + 1,
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
        raise reject(path, f"cannot read as CSV: {error}") from error
    if ragged:
        raise _ragged_rows(path, encoding, delimiter, header_index)
    arrow = name_columns(path, arrow, names)
    notes = [f"read as CSV, encoding {encoding}, delimiter {delimiter!r}"]
    if header_index:
        notes.append(f"skipped {header_index} title line(s) above the header on row {header_index + 1}")
    table = SourceTable(
        path,
        to_text_frame(arrow, path),
        content_hash,
        encoding,
        delimiter,
        first_row=header_index + 2,
        notes=notes,
    )
    table.row_numbers = _row_numbers_around_blank_lines(path, encoding, delimiter, header_index)
    return table


def _records_after_header(handle, delimiter: str, header_index: int):  # type: ignore[no-untyped-def]
    """CSV records after the header, numbered as spreadsheet rows (the header's row + 1 on)."""
    for _ in range(header_index):
        handle.readline()
    records = csv.reader(handle, delimiter=delimiter)
    width = len(next(records))
    return width, enumerate(records, start=header_index + 2)


def _row_numbers_around_blank_lines(
    path: Path, encoding: str, delimiter: str, header_index: int
) -> np.ndarray | None:
    """Arrow skips blank lines; when a file has any, map each data row to its real row."""
    if encoding == "utf-16" or not _has_blank_line(path):
        return None
    with open(path, encoding=encoding, newline="") as handle:
        _, records = _records_after_header(handle, delimiter, header_index)
        return np.array([number for number, record in records if record], dtype=np.int64)


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


def _ragged_rows(path: Path, encoding: str, delimiter: str, header_index: int) -> ImportRejected:
    """Find the rows whose field count differs from the header's (only run on error)."""
    with open(path, encoding=encoding, newline="") as handle:
        width, records = _records_after_header(handle, delimiter, header_index)
        rows = [number for number, record in records if record and len(record) != width]
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
