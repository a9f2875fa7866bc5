"""Write a generated demo as the files a user would import (and the truth beside them).

By default most kinds are plain CSV (UTF-8, comma, ISO moments, ``true``/``false``), but
``kpis.csv`` is what Dutch Excel writes ("CSV (puntkomma-gescheiden)": semicolons,
decimal commas, Windows-1252, day-first moments, ``WAAR``/``ONWAAR``) and
``employees.xlsx`` is a workbook with real date and boolean cells, so a demo import
exercises every reader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from servicechain.demo.generate import KINDS, DemoData

FORMATS = ("csv", "csv-nl", "xlsx", "parquet")
SUFFIXES = {"csv": ".csv", "csv-nl": ".csv", "xlsx": ".xlsx", "parquet": ".parquet"}
DEFAULT_FORMATS: dict[str, str] = {
    **{kind: "csv" for kind in KINDS},
    "employees": "xlsx",
    "kpis": "csv-nl",
}
EXCEL_MAX_ROWS = 1_048_575
MONEY_METRICS = ("revenue", "profit")


def export_demo(
    data: DemoData,
    directory: Path,
    formats: Mapping[str, str] | None = None,
    *,
    truth: bool = True,
) -> list[Path]:
    """Write every import kind to ``directory``; return the paths in dependency order.

    ``formats`` overrides :data:`DEFAULT_FORMATS` per kind with one of :data:`FORMATS`
    (``csv``, ``csv-nl``, ``xlsx``, ``parquet``). With ``truth`` the directory also gets
    ``truth.json``, ``truth_units.csv`` and ``truth_staff.csv`` (not import files).
    """
    chosen = {**DEFAULT_FORMATS, **(formats or {})}
    unknown = {kind: fmt for kind, fmt in chosen.items() if kind not in KINDS or fmt not in FORMATS}
    if unknown:
        raise ValueError(f"unknown kind or format: {unknown}; formats are {', '.join(FORMATS)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    writers = {
        "csv": write_csv,
        "csv-nl": write_dutch_csv,
        "xlsx": write_xlsx,
        "parquet": write_parquet,
    }
    paths = []
    for kind in KINDS:
        path = directory / f"{kind}{SUFFIXES[chosen[kind]]}"
        writers[chosen[kind]](data[kind], path)
        paths.append(path)
    if truth:
        with open(directory / "truth.json", "w", encoding="utf-8") as handle:
            json.dump(data.truth, handle, ensure_ascii=False, indent=1, allow_nan=False)
        data.truth_units.to_csv(directory / "truth_units.csv", index=False)
        data.staff.to_csv(directory / "truth_staff.csv", index=False)
    return paths


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, moments as ISO text (``2026-09-30T14:05:00``)."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if pa.types.is_timestamp(column.type):
            text = pc.replace_substring(pc.cast(column, pa.string()), " ", "T", max_replacements=1)
            table = table.set_column(i, name, text)
    return table


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Plain CSV: UTF-8, comma, empty cells for missing values, text quoted."""
    table = _arrow(frame)
    with open(path, "wb") as handle:
        handle.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False))


def _dutch_number(value: float, money: bool) -> str:
    if money:  # Excel's currency format: "€ 703.444,66"
        text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        return f"€ {text}"
    return repr(float(value)).replace(".", ",")


def write_dutch_csv(frame: pd.DataFrame, path: Path) -> None:
    """Dutch Excel CSV: ``;``, decimal comma, Windows-1252, CRLF, day-first moments.

    In a KPI table (``metric`` and ``value`` columns) money metrics are written the way a
    currency-formatted Excel column exports them: ``€ 703.444,66`` (the euro sign is byte
    0x80 in Windows-1252, so the file is not valid UTF-8).
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_bool_dtype(column):  # nullable booleans leave the cell empty
            words = np.where(column.fillna(False).to_numpy(dtype=bool), "WAAR", "ONWAAR")
            out[name] = np.where(column.isna().to_numpy(), "", words)
        elif pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%d-%m-%Y %H:%M:%S")
    if {"metric", "value"} <= set(out.columns):
        money = out["metric"].isin(MONEY_METRICS).to_numpy()
        out["value"] = [
            _dutch_number(float(v), bool(m)) for v, m in zip(out["value"].to_numpy(), money, strict=True)
        ]
    out.to_csv(
        path,
        sep=";",
        decimal=",",
        index=False,
        encoding="cp1252",
        errors="replace",
        lineterminator="\r\n",
    )


def _excel_values(column: pd.Series) -> list[object]:
    if pd.api.types.is_datetime64_any_dtype(column):
        values = column.dt.to_pydatetime().tolist()
    elif column.name in ("hired_on", "left_on"):  # ISO text in the frame, date cells in Excel
        values = [date.fromisoformat(v) if isinstance(v, str) else None for v in column]
    elif pd.api.types.is_bool_dtype(column):
        values = [None if pd.isna(v) else bool(v) for v in column.astype(object)]
    else:
        values = column.astype(object).tolist()
    return [
        None if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v
        for v in values
    ]


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """An Excel workbook, one sheet, dates as date cells and booleans as TRUE/FALSE."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    if len(frame) > EXCEL_MAX_ROWS:
        raise ValueError(f"{len(frame)} rows do not fit in an Excel sheet; use csv or parquet")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(path.stem)
    sheet.append(list(frame.columns))
    columns = [_excel_values(frame[name]) for name in frame.columns]
    for row in zip(*columns, strict=True):
        cells = []
        for value in row:
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "yyyy-mm-dd" if type(value) is date else "yyyy-mm-dd hh:mm:ss"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(path)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet, as exported by a data warehouse."""
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
