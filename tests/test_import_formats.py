"""The same content from every supported file format lands as the same typed values.

Formats: UTF-8 CSV with ``,``; UTF-8 with BOM; Windows-1252 with ``;`` and decimal comma (as
Dutch Excel saves it); tab-separated; XLSX with real Excel cell types; Parquet with typed
columns. Every test runs on DuckDB and on PostgreSQL and reads the stored rows back.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from servicechain.errors import ImportRejected
from servicechain.ingest.pipeline import import_file
from servicechain.instruments import load_default_instruments
from servicechain.store import Store, schema
from tests.conftest import select_rows
from tests.factories import seed_organisation, write


class Pct(float):
    """A fraction that a Dutch spreadsheet shows as a percentage (0.85 is written ``85%``)."""


Rows = list[tuple[Any, ...]]

UNIT_COLUMNS = ("unit_code", "name", "kind", "parent_code", "manager_employee_code")
UNIT_ROWS: Rows = [
    ("NL", "Winkelketen BV", "company", None, "E100"),
    ("R-MID", "Regio Midden", "region", "NL", "E101"),
    ("L-UTR", "Utrecht Café Centraal", "location", "R-MID", "E001"),
    ("L-AMF", "Amersfoort Coöperatie", "location", "R-MID", "E010"),
    ("T-UTR-1", "Utrecht - Ideeënlab", "team", "L-UTR", None),
]
EMPLOYEE_COLUMNS = (
    "employee_code",
    "unit_code",
    "role",
    "is_manager",
    "customer_facing",
    "hired_on",
    "left_on",
)
EMPLOYEE_ROWS: Rows = [
    ("E100", "NL", "directeur", True, False, date(2015, 1, 1), None),
    ("E101", "R-MID", "regiomanager", True, False, date(2018, 5, 1), None),
    ("E001", "L-UTR", "filiaalmanager", True, True, date(2019, 3, 1), None),
    ("E002", "T-UTR-1", "verkoper", False, True, date(2022, 9, 1), None),
    ("E010", "L-AMF", "filiaalmanager", True, True, date(2020, 2, 1), None),
    ("E011", "L-AMF", "verkoper", False, True, date(2023, 1, 15), date(2025, 6, 30)),
]
CUSTOMER_COLUMNS = ("customer_code", "home_unit_code", "segment")
CUSTOMER_ROWS: Rows = [
    ("C1", "L-UTR", "particulier"),
    ("C2", "L-UTR", "zakelijk"),
    ("C3", "L-AMF", None),
]
KPI_COLUMNS = ("unit_code", "period", "metric", "value")
KPI_ROWS: Rows = [
    ("L-UTR", "2026-09", "revenue", 1234.56),
    ("L-UTR", "2026-09", "customer_retention", Pct(0.85)),
    ("L-AMF", "2026-Q3", "profit", -250.5),
    ("L-AMF", "2026", "gross_margin", Pct(0.3)),
]
CUSTOMER_KPI_COLUMNS = ("customer_code", "period", "revenue", "share_of_wallet", "retained")
CUSTOMER_KPI_ROWS: Rows = [
    ("C1", "2026-Q3", 1500.0, 0.4, True),
    ("C2", "2026-Q3", None, Pct(0.25), False),
]

CUSTOMER_ITEMS = load_default_instruments()["customer"].item_keys
EMPLOYEE_ITEMS = load_default_instruments()["employee"].item_keys


def _customer_answers(recommend: int, other: int, blank: str | None = None) -> list[int | None]:
    return [None if key == blank else recommend if key == "recommend" else other for key in CUSTOMER_ITEMS]


def _employee_answers(answer: int, enps: int) -> list[int | None]:
    return [enps if key == "enps" else answer for key in EMPLOYEE_ITEMS]


CUSTOMER_RESPONSE_COLUMNS = (
    "response_id",
    "wave",
    "unit_code",
    "customer_code",
    "submitted_at",
    "channel",
    *CUSTOMER_ITEMS,
    "comment",
)
CUSTOMER_RESPONSE_ROWS: Rows = [
    (
        "R1",
        "KT-2026-Q3",
        "L-UTR",
        "C1",
        datetime(2026, 9, 20, 12, 0),
        "in_person",
        *_customer_answers(9, 4, blank="pride_respect"),
        "Snel geholpen, café was schoon",
    ),
    (
        "R2",
        "KT-2026-Q3",
        "L-AMF",
        None,
        datetime(2026, 9, 21, 8, 30, 15),
        "phone",
        *_customer_answers(0, 2),
        None,
    ),
]
EMPLOYEE_RESPONSE_COLUMNS = (
    "response_id",
    "wave",
    "unit_code",
    "submitted_at",
    *EMPLOYEE_ITEMS,
    "comment",
)
EMPLOYEE_RESPONSE_ROWS: Rows = [
    ("M1", "MW-2026-Q3", "L-UTR", datetime(2026, 9, 15, 10, 42), *_employee_answers(5, 10), None),
    (
        "M2",
        "MW-2026-Q3",
        "L-UTR",
        datetime(2026, 9, 16, 23, 5),
        *_employee_answers(1, 0),
        "Te druk",
    ),
]


# --- writing one table in each format ---------------------------------------------------


def _iso_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _dutch_cell(value: Any) -> str:
    """As Dutch Excel saves a cell to "CSV (puntkomma-gescheiden)"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Pct):
        return f"{value * 100:g}%"
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return str(value)


def _write_text(
    path: Path,
    columns: tuple[str, ...],
    rows: Rows,
    *,
    delimiter: str,
    encoding: str,
    dutch: bool = False,
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    render = _dutch_cell if dutch else _iso_cell
    writer.writerows([render(value) for value in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _write_xlsx(path: Path, columns: tuple[str, ...], rows: Rows) -> Path:
    """Real Excel cells: numbers, booleans and dates are typed, fractions shown as %."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Blad1"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([float(value) if isinstance(value, Pct) else value for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=True):
            if isinstance(value, Pct):
                cell.number_format = "0%"
            elif isinstance(value, datetime):
                cell.number_format = "dd-mm-yyyy hh:mm:ss"
            elif isinstance(value, date):
                cell.number_format = "dd-mm-yyyy"
    workbook.save(path)
    return path


def _write_parquet(path: Path, columns: tuple[str, ...], rows: Rows) -> Path:
    """Typed columns: int64 answers, float64 values, timestamp, date32 and bool columns."""
    table = pa.Table.from_pylist(
        [
            {name: float(v) if isinstance(v, Pct) else v for name, v in zip(columns, row, strict=True)}
            for row in rows
        ]
    )
    # A column that is empty in every row has no type of its own; a real export has one.
    table = pa.table(
        {
            name: table.column(name).cast(pa.string())
            if pa.types.is_null(table.column(name).type)
            else table.column(name)
            for name in columns
        }
    )
    pq.write_table(table, path)
    return path


FORMATS = {
    "csv-utf8-comma": lambda p, c, r: _write_text(
        p.with_suffix(".csv"), c, r, delimiter=",", encoding="utf-8"
    ),
    "csv-utf8-bom": lambda p, c, r: _write_text(
        p.with_suffix(".csv"), c, r, delimiter=",", encoding="utf-8-sig"
    ),
    "csv-cp1252-semicolon-decimal-comma": lambda p, c, r: _write_text(
        p.with_suffix(".csv"), c, r, delimiter=";", encoding="cp1252", dutch=True
    ),
    "tab-separated": lambda p, c, r: _write_text(
        p.with_suffix(".tsv"), c, r, delimiter="\t", encoding="utf-8"
    ),
    "xlsx": lambda p, c, r: _write_xlsx(p.with_suffix(".xlsx"), c, r),
    "parquet": lambda p, c, r: _write_parquet(p.with_suffix(".parquet"), c, r),
}


def _import(store: Store, folder: Path, fmt: str, kind: str, columns: tuple[str, ...], rows: Rows) -> None:
    path = FORMATS[fmt](folder / kind, columns, rows)
    result = import_file(store, kind, path)
    assert (result.inserted, result.updated, result.skipped) == (len(rows), 0, 0), result


def _import_organisation(store: Store, folder: Path, fmt: str) -> None:
    _import(store, folder, fmt, "units", UNIT_COLUMNS, UNIT_ROWS)
    _import(store, folder, fmt, "employees", EMPLOYEE_COLUMNS, EMPLOYEE_ROWS)
    _import(store, folder, fmt, "customers", CUSTOMER_COLUMNS, CUSTOMER_ROWS)


# --- reading the store back -------------------------------------------------------------


def _units(store: Store) -> dict[str, tuple]:
    unit, parent = schema.org_unit, schema.org_unit.alias("parent")
    rows = select_rows(
        store,
        sa.select(
            unit.c.code,
            unit.c.name,
            unit.c.kind,
            parent.c.code,
            unit.c.manager_employee_code,
            unit.c.depth,
        ).outerjoin(parent, parent.c.id == unit.c.parent_id),
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def _unit_code_of(store: Store) -> dict[int, str]:
    return dict(select_rows(store, sa.select(schema.org_unit.c.id, schema.org_unit.c.code)))


def _exact(value: Any) -> tuple[type, Any]:
    """A value with its Python type, so that ``date`` never passes for ``datetime``."""
    return type(value), value


FORMAT_IDS = list(FORMATS)


@pytest.mark.parametrize("fmt", FORMAT_IDS)
def test_organisation_lands_typed(store: Store, tmp_path: Path, fmt: str) -> None:
    _import_organisation(store, tmp_path, fmt)

    assert _units(store) == {
        "NL": ("Winkelketen BV", "company", None, "E100", 0),
        "R-MID": ("Regio Midden", "region", "NL", "E101", 1),
        "L-UTR": ("Utrecht Café Centraal", "location", "R-MID", "E001", 2),
        "L-AMF": ("Amersfoort Coöperatie", "location", "R-MID", "E010", 2),
        "T-UTR-1": ("Utrecht - Ideeënlab", "team", "L-UTR", None, 3),
    }
    employee = schema.employee
    stored = {row.code: row for row in select_rows(store, sa.select(employee))}
    code_of = _unit_code_of(store)
    for code, unit, role, is_manager, customer_facing, hired_on, left_on in EMPLOYEE_ROWS:
        row = stored[code]
        assert code_of[row.unit_id] == unit
        assert row.role == role
        assert row.is_manager is is_manager and row.customer_facing is customer_facing
        assert _exact(row.hired_on) == (date, hired_on)
        assert row.left_on == left_on
    assert _exact(stored["E011"].left_on) == (date, date(2025, 6, 30))
    customers = select_rows(
        store,
        sa.select(schema.customer.c.code, schema.customer.c.home_unit_id, schema.customer.c.segment).order_by(
            schema.customer.c.code
        ),
    )
    assert [(code, code_of[unit], segment) for code, unit, segment in customers] == CUSTOMER_ROWS


@pytest.mark.parametrize("fmt", FORMAT_IDS)
def test_kpis_land_as_numbers_with_normalised_periods(store: Store, tmp_path: Path, fmt: str) -> None:
    _import_organisation(store, tmp_path, fmt)
    _import(store, tmp_path, fmt, "kpis", KPI_COLUMNS, KPI_ROWS)
    _import(store, tmp_path, fmt, "customer-kpis", CUSTOMER_KPI_COLUMNS, CUSTOMER_KPI_ROWS)

    kpi = schema.unit_kpi
    code_of = _unit_code_of(store)
    stored = {
        (code_of[unit], period, metric): value
        for unit, period, metric, value in select_rows(
            store, sa.select(kpi.c.unit_id, kpi.c.period, kpi.c.metric, kpi.c.value)
        )
    }
    assert stored == {
        ("L-UTR", "2026-09", "revenue"): pytest.approx(1234.56),
        ("L-UTR", "2026-09", "customer_retention"): pytest.approx(0.85),
        ("L-AMF", "2026-Q3", "profit"): pytest.approx(-250.5),
        ("L-AMF", "2026", "gross_margin"): pytest.approx(0.3),
    }
    customer, ckpi = schema.customer, schema.customer_kpi
    rows = select_rows(
        store,
        sa.select(customer.c.code, ckpi.c.period, ckpi.c.revenue, ckpi.c.share_of_wallet, ckpi.c.retained)
        .join(customer, customer.c.id == ckpi.c.customer_id)
        .order_by(customer.c.code),
    )
    assert [tuple(row) for row in rows] == [
        ("C1", "2026-Q3", pytest.approx(1500.0), pytest.approx(0.4), True),
        ("C2", "2026-Q3", None, pytest.approx(0.25), False),
    ]
    assert all(type(row.retained) is bool for row in rows)


@pytest.mark.parametrize("fmt", FORMAT_IDS)
def test_survey_answers_land_as_integers_and_times(store: Store, tmp_path: Path, fmt: str) -> None:
    _import_organisation(store, tmp_path, fmt)
    _import(
        store,
        tmp_path,
        fmt,
        "customer-responses",
        CUSTOMER_RESPONSE_COLUMNS,
        CUSTOMER_RESPONSE_ROWS,
    )
    _import(
        store,
        tmp_path,
        fmt,
        "employee-responses",
        EMPLOYEE_RESPONSE_COLUMNS,
        EMPLOYEE_RESPONSE_ROWS,
    )

    response = schema.customer_response
    stored = {row.source_key: row for row in select_rows(store, sa.select(response))}
    code_of = _unit_code_of(store)
    customer_of = dict(select_rows(store, sa.select(schema.customer.c.id, schema.customer.c.code)))
    for (
        response_id,
        _wave,
        unit,
        customer,
        submitted_at,
        channel,
        *answers,
        comment,
    ) in CUSTOMER_RESPONSE_ROWS:
        row = stored[response_id]
        assert code_of[row.unit_id] == unit
        assert (customer_of[row.customer_id] if row.customer_id is not None else None) == customer
        assert _exact(row.submitted_at) == (datetime, submitted_at)
        assert row.channel == channel
        assert [getattr(row, key) for key in CUSTOMER_ITEMS] == answers
        assert all(type(getattr(row, key)) is int for key in CUSTOMER_ITEMS if getattr(row, key) is not None)
        assert row.comment == comment
    assert stored["R1"].pride_respect is None  # an empty cell is "not applicable", not 0

    employee_rows = select_rows(
        store, sa.select(schema.employee_response).order_by(schema.employee_response.c.submitted_on)
    )
    assert [_exact(row.submitted_on) for row in employee_rows] == [
        (date, date(2026, 9, 15)),
        (date, date(2026, 9, 16)),
    ]
    assert [[getattr(row, key) for key in EMPLOYEE_ITEMS] for row in employee_rows] == [
        _employee_answers(5, 10),
        _employee_answers(1, 0),
    ]
    assert [row.comment for row in employee_rows] == [None, "Te druk"]
    waves = select_rows(
        store,
        sa.select(
            schema.survey_wave.c.code,
            schema.survey_wave.c.instrument_key,
            schema.survey_wave.c.period,
        ).order_by(schema.survey_wave.c.code),
    )
    assert [tuple(w) for w in waves] == [
        ("KT-2026-Q3", "customer", "2026-Q3"),
        ("MW-2026-Q3", "employee", "2026-Q3"),
    ]


# Found DuckDB storing sa.Float as 4-byte FLOAT (12345678.91 -> 12345679.0); now sa.Double.
def test_money_keeps_its_cents(store: Store, tmp_path: Path) -> None:
    """The matrix above compares with approx (it checks parsing); stored values must be exact."""
    seed_organisation(store, tmp_path)
    import_file(
        store,
        "kpis",
        write(
            tmp_path,
            "k.csv",
            "unit_code;period;metric;value\nL-UTR;2026-09;revenue;12.345.678,91\n",
        ),
    )
    import_file(
        store,
        "customer-kpis",
        write(
            tmp_path,
            "c.csv",
            "customer_code,period,revenue,share_of_wallet,retained\nC1,2026-Q3,1234567.89,0.123456,ja\n",
        ),
    )
    import_file(
        store,
        "reviews",
        write(
            tmp_path,
            "v.csv",
            "review_id,source,unit_code,posted_at,rating,"
            "rating_max,aspect_service\nG1,google,L-UTR,,4.3,5,3.7\n",
        ),
    )

    assert select_rows(store, sa.select(schema.unit_kpi.c.value)) == [(12345678.91,)]
    ckpi = schema.customer_kpi
    assert select_rows(store, sa.select(ckpi.c.revenue, ckpi.c.share_of_wallet)) == [(1234567.89, 0.123456)]
    assert select_rows(store, sa.select(schema.review.c.rating)) == [(4.3,)]
    assert select_rows(store, sa.select(schema.review_aspect.c.rating)) == [(3.7,)]


# --- details of particular formats ------------------------------------------------------


def test_excel_dates_and_numbers_in_text_columns_still_read_right(store: Store, tmp_path: Path) -> None:
    """Excel turns a typed ``2026-09`` into a date and ``2026`` into a number; both are periods."""
    seed_organisation(store, tmp_path)
    rows = [
        ("L-UTR", datetime(2026, 9, 1), "revenue", 1000),
        ("L-UTR", 2026, "revenue", 12000.5),
        ("L-AMF", "Q3 2026", "revenue", 3000),
    ]
    import_file(store, "kpis", _write_xlsx(tmp_path / "k.xlsx", KPI_COLUMNS, rows))

    kpi = schema.unit_kpi
    stored = sorted(tuple(r) for r in select_rows(store, sa.select(kpi.c.period, kpi.c.value)))
    assert stored == [("2026", 12000.5), ("2026-09", 1000.0), ("2026-Q3", 3000.0)]


def test_parquet_timestamps_with_a_zone_are_stored_in_amsterdam_time(store: Store, tmp_path: Path) -> None:
    """Like a CSV cell ``2026-07-01T10:00:00Z``: a UTC instant is kept as Amsterdam local time."""
    seed_organisation(store, tmp_path)
    columns = ("response_id", "unit_code", "channel", "occurred_at", "satisfaction")
    utc = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "response_id": ["T1", "T2"],
            "unit_code": ["L-UTR", "L-UTR"],
            "channel": ["phone", "app"],
            "occurred_at": pa.array(
                [
                    datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
                    datetime(2026, 1, 15, 23, 30, tzinfo=UTC),
                ],
                utc,
            ),
            "satisfaction": pa.array([5, 3], pa.int64()),
        }
    )
    assert table.column_names == list(columns)
    pq.write_table(table, tmp_path / "t.parquet")
    import_file(store, "touchpoints", tmp_path / "t.parquet")

    tp = schema.touchpoint_response
    stored = dict(select_rows(store, sa.select(tp.c.source_key, tp.c.occurred_at)))
    assert stored == {"T1": datetime(2026, 7, 1, 12, 0), "T2": datetime(2026, 1, 16, 0, 30)}


def test_parquet_written_by_pandas_reads_like_any_other_file(store: Store, tmp_path: Path) -> None:
    """Categoricals, nullable integers, floats with NaN for "no answer" and zoned times."""
    import pandas as pd

    seed_organisation(store, tmp_path)
    frame = pd.DataFrame(
        {
            "response_id": ["T1", "T2", "T3"],
            "unit_code": pd.Categorical(["L-UTR", "L-AMF", "L-UTR"]),
            "employee_code": pd.Categorical(["E002", None, None]),
            "channel": pd.Categorical(["telefoon", "app", "winkel"]),
            "occurred_at": pd.to_datetime(
                ["2026-09-01 08:00", "2026-09-01 09:30", "2026-12-01 08:00"]
            ).tz_localize("UTC"),
            "satisfaction": pd.array([5, 4, 1], dtype="Int64"),
            "ease": [7.0, float("nan"), 2.0],
            "valued": pd.array([4, None, None], dtype="Int8"),
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    import_file(store, "touchpoints", tmp_path / "t.parquet")

    tp = schema.touchpoint_response
    rows = {r.source_key: r for r in select_rows(store, sa.select(tp))}
    assert [
        (rows[k].channel, rows[k].satisfaction, rows[k].ease, rows[k].valued) for k in ("T1", "T2", "T3")
    ] == [
        ("phone", 5, 7, 4),
        ("app_web", 4, None, None),
        ("in_person", 1, 2, None),
    ]
    assert rows["T1"].occurred_at == datetime(2026, 9, 1, 10, 0)  # summer time
    assert rows["T3"].occurred_at == datetime(2026, 12, 1, 9, 0)  # winter time
    assert rows["T2"].employee_id is None


def test_parquet_float_values_beyond_integers_and_nan(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    table = pa.table(
        {
            "unit_code": ["L-UTR", "L-AMF", "L-UTR"],
            "period": ["2026", "2026", "2026-Q1"],
            "metric": ["revenue", "revenue", "revenue"],
            "value": pa.array([1e20, 2.5e-7, float("nan")], pa.float64()),
        }
    )
    pq.write_table(table, tmp_path / "k.parquet")
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "kpis", tmp_path / "k.parquet")
    assert [str(p) for p in refused.value.problems] == ["k.parquet:4:value: is empty but required"]

    pq.write_table(table.slice(0, 2), tmp_path / "k2.parquet")
    import_file(store, "kpis", tmp_path / "k2.parquet")
    assert sorted(v for (v,) in select_rows(store, sa.select(schema.unit_kpi.c.value))) == [
        pytest.approx(2.5e-7),
        pytest.approx(1e20),
    ]


def test_a_parquet_column_of_lists_is_refused_precisely(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    table = pa.table(
        {"customer_code": ["C9"], "home_unit_code": ["L-UTR"], "segment": pa.array([["a", "b"]])}
    )
    pq.write_table(table, tmp_path / "c.parquet")
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customers", tmp_path / "c.parquet")
    assert str(refused.value.problems[0]) == (
        "c.parquet:1:segment: holds list<element: string> values; each cell must hold one value"
    )


def test_dutch_thousands_separators_without_decimals(store: Store, tmp_path: Path) -> None:
    """Dutch Excel with the cell format #.##0 saves 12500 as '12.500'."""
    seed_organisation(store, tmp_path)
    text = "unit_code;period;metric;value\nL-UTR;2026-09;revenue;12.500\nL-AMF;2026-09;revenue;1.235\n"
    import_file(store, "kpis", write(tmp_path, "omzet.csv", text, "cp1252"))
    values = sorted(v for (v,) in select_rows(store, sa.select(schema.unit_kpi.c.value)))
    assert values == [1235.0, 12500.0]


def test_a_semicolon_file_with_decimal_points_keeps_them(store: Store, tmp_path: Path) -> None:
    """Not every ';' file is Dutch Excel: a column written with decimal points stays as it is."""
    seed_organisation(store, tmp_path)
    text = "unit_code;period;metric;value\nL-UTR;2026-09;absenteeism;0.045\nL-AMF;2026-09;absenteeism;0.5\n"
    import_file(store, "kpis", write(tmp_path, "verzuim.csv", text))
    values = sorted(v for (v,) in select_rows(store, sa.select(schema.unit_kpi.c.value)))
    assert values == [0.045, 0.5]


def test_csv_and_windows_1252_read_the_same_names(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = "customer_code;home_unit_code;segment\nC7;L-UTR;Crème brûlée & Ölie\n"
    result = import_file(store, "customers", write(tmp_path, "c.csv", text, "cp1252"))
    assert "encoding cp1252" in result.notes[0] and "delimiter ';'" in result.notes[0]
    assert select_rows(store, sa.select(schema.customer.c.segment).where(schema.customer.c.code == "C7")) == [
        ("Crème brûlée & Ölie",)
    ]


# --- periods, mappings and header spellings ---------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-Q3", "2026-Q3"),
        ("2026q3", "2026-Q3"),
        ("Q3 2026", "2026-Q3"),
        ("2026-09", "2026-09"),
        ("2026", "2026"),
        ("2026-9", "2026-09"),
        ("09-2026", "2026-09"),
        ("202609", "2026-09"),
        ("K3 2026", "2026-Q3"),
        ("1-9-2026", "2026-09"),  # Dutch Excel turned 2026-09 into the first of the month
    ],
)
def test_period_spellings_are_normalised(store: Store, tmp_path: Path, written: str, stored: str) -> None:
    seed_organisation(store, tmp_path)
    import_file(
        store,
        "kpis",
        write(tmp_path, "k.csv", f"unit_code,period,metric,value\nL-UTR,{written},revenue,5\n"),
    )
    assert select_rows(store, sa.select(schema.unit_kpi.c.period)) == [(stored,)]


@pytest.mark.parametrize("nested", [True, False], ids=["under-columns-key", "flat"])
def test_mapping_renames_dutch_headers(store: Store, tmp_path: Path, nested: bool) -> None:
    seed_organisation(store, tmp_path)
    pairs = "Vestigingscode: unit_code\nPeriode: period\nKengetal: metric\nWaarde: value\n"
    mapping = "columns:\n" + "".join(f"  {line}\n" for line in pairs.splitlines()) if nested else pairs
    source = write(
        tmp_path,
        "omzet.csv",
        "Vestigingscode;Periode;Kengetal;Waarde\n"
        "L-UTR;2026-09;revenue;12.345,67\nL-AMF;2026-09;revenue;9876,5\n",
    )
    result = import_file(store, "kpis", source, mapping=write(tmp_path, "map.yaml", mapping))

    assert result.inserted == 2
    code_of = _unit_code_of(store)
    kpi = schema.unit_kpi
    stored = {
        code_of[u]: (p, m, v)
        for u, p, m, v in select_rows(
            store, sa.select(kpi.c.unit_id, kpi.c.period, kpi.c.metric, kpi.c.value)
        )
    }
    assert stored == {
        "L-UTR": ("2026-09", "revenue", pytest.approx(12345.67)),
        "L-AMF": ("2026-09", "revenue", pytest.approx(9876.5)),
    }


def test_header_spelling_is_normalised(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = "Unit Code, Period ,METRIC,value\nL-UTR,2026-09,Revenue,10\n"
    import_file(store, "kpis", write(tmp_path, "k.csv", text))
    kpi = schema.unit_kpi
    assert select_rows(store, sa.select(kpi.c.period, kpi.c.metric, kpi.c.value)) == [
        ("2026-09", "revenue", 10.0)
    ]


def test_unit_kind_synonyms_and_dashed_headers(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = "Unit-Code,Name,Kind,Parent-Code\nL-ZWL,Zwolle Centrum,Vestiging,R-MID\nR-NO,Noordoost,regio,NL\n"
    import_file(store, "units", write(tmp_path, "u.csv", text))
    units = _units(store)
    assert units["L-ZWL"] == ("Zwolle Centrum", "location", "R-MID", None, 2)
    assert units["R-NO"] == ("Noordoost", "region", "NL", None, 1)


# --- reviews, touchpoints and employee anonymity ----------------------------------------


def test_reviews_with_aspect_columns_land_in_review_aspect(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = (
        "review_id,source,unit_code,posted_at,rating,rating_max,aspect_service,aspect_price,"
        "aspect_waiting_time,language,text\n"
        'G1,Google,L-UTR,2026-09-01T10:00:00Z,4.5,5,5,4,,Nederlands,"Vriendelijk, maar duur"\n'
        "T1,tripadvisor,L-AMF,02-09-2026,8,10,9,,6,en,Great staff\n"
    )
    result = import_file(store, "reviews", write(tmp_path, "v.csv", text))

    assert result.inserted == 2
    review = schema.review
    reviews = {r.source_key: r for r in select_rows(store, sa.select(review))}
    assert reviews["G1"].source == "google"
    assert (reviews["G1"].rating, reviews["G1"].rating_max) == (4.5, 5.0)
    assert reviews["G1"].language == "nl" and reviews["T1"].language == "en"
    assert reviews["G1"].posted_at == datetime(2026, 9, 1, 12, 0)  # UTC -> Amsterdam summer time
    assert reviews["T1"].posted_at == datetime(2026, 9, 2, 0, 0)
    assert reviews["G1"].text == "Vriendelijk, maar duur"
    aspect = schema.review_aspect
    by_review = {r.id: r.source_key for r in reviews.values()}
    aspects = sorted(
        (by_review[review_id], name, rating)
        for review_id, name, rating in select_rows(
            store, sa.select(aspect.c.review_id, aspect.c.aspect, aspect.c.rating)
        )
    )
    assert aspects == [
        ("G1", "price", 4.0),
        ("G1", "service", 5.0),
        ("T1", "service", 9.0),
        ("T1", "waiting_time", 6.0),
    ]


def test_touchpoint_channel_synonyms(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = (
        "response_id,unit_code,employee_code,channel,occurred_at,satisfaction,ease,valued,comment\n"
        "T1,L-UTR,E002,telefoon,2026-09-01 10:00,5,6,4,\n"
        "T2,L-UTR,,Winkel,01-09-2026 11:15,4,,,Prima\n"
        "T3,L-AMF,E011,E-mail,2026-09-02T09:00:00,2,3,1,\n"
        "T4,L-AMF,,online,2026-09-03 20:45:30,3,7,,\n"
        "T5,L-UTR,,Chat / E-mail,2026-09-04 08:00,1,1,1,\n"
    )
    import_file(store, "touchpoints", write(tmp_path, "t.csv", text))

    tp = schema.touchpoint_response
    employees = dict(select_rows(store, sa.select(schema.employee.c.id, schema.employee.c.code)))
    rows = {r.source_key: r for r in select_rows(store, sa.select(tp))}
    assert {key: r.channel for key, r in rows.items()} == {
        "T1": "phone",
        "T2": "in_person",
        "T3": "chat_email",
        "T4": "app_web",
        "T5": "chat_email",
    }
    assert employees[rows["T1"].employee_id] == "E002" and rows["T2"].employee_id is None
    assert rows["T2"].occurred_at == datetime(2026, 9, 1, 11, 15)
    assert rows["T4"].occurred_at == datetime(2026, 9, 3, 20, 45, 30)
    assert (rows["T1"].satisfaction, rows["T1"].ease, rows["T1"].valued) == (5, 6, 4)
    assert (rows["T2"].ease, rows["T2"].valued, rows["T2"].comment) == (None, None, "Prima")


def test_employee_responses_store_no_identity(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _write_text(
        tmp_path / "m.csv",
        EMPLOYEE_RESPONSE_COLUMNS,
        EMPLOYEE_RESPONSE_ROWS,
        delimiter=",",
        encoding="utf-8",
    )
    import_file(store, "employee-responses", path)

    columns = dict(
        select_rows(
            store,
            sa.text(
                "SELECT column_name, lower(data_type) FROM information_schema.columns "
                "WHERE table_name = 'employee_response'"
            ),
        )
    )
    assert "source_key" in columns  # the query sees the table
    assert not [
        name for name in columns if "employee" in name or name in ("respondent", "person_id", "email")
    ]
    assert columns["submitted_on"] == "date"
    assert "submitted_at" not in columns
    rows = select_rows(store, sa.select(schema.employee_response))
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row.source_key)
        assert "M1" not in row.source_key and "M2" not in row.source_key
        assert type(row.submitted_on) is date
    assert sorted(row.submitted_on for row in rows) == [date(2026, 9, 15), date(2026, 9, 16)]


def test_answer_labels_in_either_language_are_read_as_their_number(store: Store, tmp_path: Path) -> None:
    """Some survey tools export 'Helemaal eens' instead of 5."""
    seed_organisation(store, tmp_path)
    keys = load_default_instruments()["employee"].item_keys
    labels = {"eng_enthusiasm": "Helemaal eens", "eng_pride": "oneens", "eng_extra_mile": "Agree"}
    answers = [labels.get(key, "8" if key == "enps" else "3") for key in keys]
    header = f"response_id,wave,unit_code,submitted_at,{','.join(keys)}"
    text = f"{header}\nM1,MW-2026-Q3,L-UTR,2026-09-15,{','.join(answers)}\n"
    import_file(store, "employee-responses", write(tmp_path, "labels.csv", text))
    table = schema.employee_response
    row = select_rows(store, sa.select(table.c.eng_enthusiasm, table.c.eng_pride, table.c.eng_extra_mile))
    assert [tuple(r) for r in row] == [(5, 2, 4)]


def test_a_named_sheet_of_a_workbook_is_read(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    workbook = Workbook()
    workbook.active.title = "Toelichting"
    workbook.active.append(["Deze map bevat de klanten van Q3"])
    sheet = workbook.create_sheet("Klanten")
    sheet.append(["customer_code", "home_unit_code", "segment"])
    sheet.append(["C9", "L-AMF", "zakelijk"])
    workbook.save(tmp_path / "export.xlsx")

    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customers", tmp_path / "export.xlsx", sheet="Klant")
    assert str(refused.value.problems[0]) == (
        "export.xlsx::: no sheet named 'Klant'; the workbook has 'Toelichting', 'Klanten'"
    )
    result = import_file(store, "customers", tmp_path / "export.xlsx", sheet="Klanten")
    assert (result.inserted, result.rows) == (1, 1)
    segments = select_rows(store, sa.select(schema.customer.c.segment).where(schema.customer.c.code == "C9"))
    assert [tuple(r) for r in segments] == [("zakelijk",)]
