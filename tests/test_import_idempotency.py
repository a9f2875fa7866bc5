"""Importing again: the same file changes nothing, overlaps add only what is new, the
organisation is updated in place, and KPI corrections need ``replace`` and stay in scope.

Every test runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from servicechain.ingest.pipeline import import_file
from servicechain.store import Store, schema
from tests.conftest import select_rows, snapshot
from tests.factories import (
    CUSTOMERS,
    EMPLOYEES,
    UNITS,
    customer_header,
    customer_row,
    employee_header,
    employee_row,
    seed_organisation,
    write,
)

TOUCHPOINT_HEADER = "response_id,unit_code,employee_code,channel,occurred_at,satisfaction,ease,valued,comment"
REVIEW_HEADER = (
    "review_id,source,unit_code,posted_at,rating,rating_max,aspect_service,aspect_price,language,text"
)


def _touchpoint(response_id: str) -> str:
    return f"{response_id},L-UTR,E002,telefoon,2026-09-01 10:00,4,6,5,"


def _review(review_id: str) -> str:
    return f"{review_id},google,L-AMF,2026-09-02,4,5,5,3,nl,Goed"


def _lines(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


# kind -> (header, row maker) for the kinds whose rows are identified by an id
RESPONSE_KINDS = {
    "employee-responses": (employee_header(), employee_row),
    "customer-responses": (customer_header(), customer_row),
    "touchpoints": (TOUCHPOINT_HEADER, _touchpoint),
    "reviews": (REVIEW_HEADER, _review),
}
FACT_TABLE = {
    "employee-responses": schema.employee_response,
    "customer-responses": schema.customer_response,
    "touchpoints": schema.touchpoint_response,
    "reviews": schema.review,
}

# Every kind with the content of one file.
SAME_FILE = {
    "units": UNITS,
    "employees": EMPLOYEES,
    "customers": CUSTOMERS,
    **{kind: _lines(header, [row("X1"), row("X2")]) for kind, (header, row) in RESPONSE_KINDS.items()},
    "kpis": "unit_code,period,metric,value\nL-UTR,2026-09,revenue,100\nL-AMF,2026-Q3,profit,-5\n",
    "customer-kpis": ("customer_code,period,revenue,share_of_wallet,retained\nC1,2026-Q3,120,40%,ja\n"),
}


def _count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize("kind", list(SAME_FILE))
def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path, kind: str) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, f"{kind}-export.csv", SAME_FILE[kind])
    if kind not in ("units", "employees", "customers"):  # those were imported by the seed
        first = import_file(store, kind, path)
        assert first.inserted > 0 and not first.already_imported
    before = snapshot(store)

    again = import_file(store, kind, path)

    assert again.already_imported
    assert (again.inserted, again.updated) == (0, 0)
    assert "already imported" in again.summary()
    assert snapshot(store) == before


def test_a_renamed_copy_of_an_imported_file_is_recognised(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "kpis", write(tmp_path, "omzet.csv", SAME_FILE["kpis"]))
    before = snapshot(store)
    copy = write(tmp_path, "omzet (1).csv", SAME_FILE["kpis"])
    assert import_file(store, "kpis", copy).already_imported
    assert snapshot(store) == before


@pytest.mark.parametrize("kind", list(RESPONSE_KINDS))
def test_an_overlapping_export_adds_only_the_new_rows(store: Store, tmp_path: Path, kind: str) -> None:
    header, row = RESPONSE_KINDS[kind]
    seed_organisation(store, tmp_path)
    import_file(store, kind, write(tmp_path, "week1.csv", _lines(header, [row("A1"), row("A2"), row("A3")])))
    table = FACT_TABLE[kind]
    with store.engine.connect() as connection:
        first_keys = dict(connection.execute(sa.select(table.c.source_key, table.c.import_id)).all())

    result = import_file(
        store,
        kind,
        write(tmp_path, "week1-2.csv", _lines(header, [row(f"A{i}") for i in (2, 3, 4, 5)])),
    )

    assert (result.rows, result.inserted, result.skipped, result.updated) == (4, 2, 2, 0)
    assert "2 added" in result.summary() and "2 unchanged or already present" in result.summary()
    assert _count(store, table) == 5
    with store.engine.connect() as connection:
        now = dict(connection.execute(sa.select(table.c.source_key, table.c.import_id)).all())
    assert {key: now[key] for key in first_keys} == first_keys  # the overlap was left alone
    log = schema.import_log
    assert [
        tuple(r)
        for r in select_rows(
            store,
            sa.select(log.c.file_name, log.c.inserted, log.c.skipped)
            .where(log.c.kind == kind)
            .order_by(log.c.id),
        )
    ] == [
        ("week1.csv", 3, 0),
        ("week1-2.csv", 2, 2),
    ]


def test_an_overlapping_review_export_adds_aspects_of_new_reviews_only(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "reviews", write(tmp_path, "v1.csv", _lines(REVIEW_HEADER, [_review("G1")])))
    import_file(
        store,
        "reviews",
        write(tmp_path, "v2.csv", _lines(REVIEW_HEADER, [_review("G1"), _review("G2")])),
    )
    aspect, review = schema.review_aspect, schema.review
    rows = select_rows(
        store,
        sa.select(review.c.source_key, aspect.c.aspect).join(review, review.c.id == aspect.c.review_id),
    )
    assert sorted(tuple(r) for r in rows) == [
        ("G1", "price"),
        ("G1", "service"),
        ("G2", "price"),
        ("G2", "service"),
    ]


def test_an_overlapping_kpi_export_adds_only_new_periods(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    header = "unit_code,period,metric,value\n"
    import_file(store, "kpis", write(tmp_path, "k1.csv", header + "L-UTR,2026-08,revenue,100\n"))
    result = import_file(
        store,
        "kpis",
        write(tmp_path, "k2.csv", header + "L-UTR,2026-08,revenue,100\nL-UTR,2026-09,revenue,110\n"),
    )
    assert (result.inserted, result.skipped, result.updated) == (1, 1, 0)
    assert _count(store, schema.unit_kpi) == 2


# With 4-byte FLOAT on DuckDB, 0.85 came back as 0.8500000238 and this file was refused.
def test_an_overlapping_kpi_export_with_fractions_is_accepted(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    header = "unit_code,period,metric,value\n"
    july = "L-UTR,2026-07,customer_retention,85%\nL-UTR,2026-07,revenue,1234.56\n"
    import_file(store, "kpis", write(tmp_path, "k-jul.csv", header + july))
    result = import_file(
        store,
        "kpis",
        write(tmp_path, "k-jul-aug.csv", header + july + "L-UTR,2026-08,revenue,1300.10\n"),
    )
    assert (result.inserted, result.skipped, result.updated) == (1, 2, 0)


# --- the organisation is updated in place ------------------------------------------------


def _tree(store: Store) -> dict[str, tuple[str, str | None, int, str]]:
    """code -> (name, parent code, depth, path written with codes instead of ids)."""
    unit, parent = schema.org_unit, schema.org_unit.alias("parent")
    rows = select_rows(
        store,
        sa.select(unit.c.id, unit.c.code, unit.c.name, parent.c.code, unit.c.depth, unit.c.path).outerjoin(
            parent, parent.c.id == unit.c.parent_id
        ),
    )
    code_of = {str(row[0]): row[1] for row in rows}
    return {
        code: (
            name,
            parent_code,
            depth,
            "/" + "".join(f"{code_of[i]}/" for i in path.strip("/").split("/")),
        )
        for _, code, name, parent_code, depth, path in rows
    }


def test_the_tree_after_the_first_import(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    assert _tree(store) == {
        "NL": ("Winkelketen BV", None, 0, "/NL/"),
        "R-MID": ("Midden", "NL", 1, "/NL/R-MID/"),
        "L-UTR": ("Utrecht Centraal", "R-MID", 2, "/NL/R-MID/L-UTR/"),
        "L-AMF": ("Amersfoort Centrum", "R-MID", 2, "/NL/R-MID/L-AMF/"),
        "T-UTR-1": ("Utrecht Centraal - Winkelvloer", "L-UTR", 3, "/NL/R-MID/L-UTR/T-UTR-1/"),
    }


def test_moving_a_location_to_another_region_moves_its_teams(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    ids_before = dict(select_rows(store, sa.select(schema.org_unit.c.code, schema.org_unit.c.id)))
    text = (
        "unit_code,name,kind,parent_code,manager_employee_code\n"
        "R-NOORD,Noord,region,NL,\n"
        "L-UTR,Utrecht Centraal (verbouwd),location,R-NOORD,E001\n"
    )
    result = import_file(store, "units", write(tmp_path, "units-2027.csv", text))

    tree = _tree(store)
    assert tree["R-NOORD"] == ("Noord", "NL", 1, "/NL/R-NOORD/")
    assert tree["L-UTR"] == ("Utrecht Centraal (verbouwd)", "R-NOORD", 2, "/NL/R-NOORD/L-UTR/")
    assert tree["T-UTR-1"] == (
        "Utrecht Centraal - Winkelvloer",
        "L-UTR",
        3,
        "/NL/R-NOORD/L-UTR/T-UTR-1/",
    )
    assert tree["L-AMF"] == ("Amersfoort Centrum", "R-MID", 2, "/NL/R-MID/L-AMF/")
    ids_after = dict(select_rows(store, sa.select(schema.org_unit.c.code, schema.org_unit.c.id)))
    assert {code: ids_after[code] for code in ids_before} == ids_before  # updated in place, not re-created
    assert (result.inserted, result.updated) == (1, 2)  # R-NOORD; L-UTR and, by its path, T-UTR-1


def test_moving_a_unit_up_recomputes_depths_below_it(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = "unit_code,name,kind,parent_code\nL-UTR,Utrecht Centraal,location,NL\n"
    import_file(store, "units", write(tmp_path, "flatter.csv", text))
    tree = _tree(store)
    assert tree["L-UTR"][1:] == ("NL", 1, "/NL/L-UTR/")
    assert tree["T-UTR-1"][1:] == ("L-UTR", 2, "/NL/L-UTR/T-UTR-1/")


def test_a_renamed_unit_with_the_same_parent_only_changes_its_name(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    before = _tree(store)
    text = "unit_code,name,kind,parent_code\nL-AMF,Amersfoort Eemplein,location,R-MID\n"
    result = import_file(store, "units", write(tmp_path, "rename.csv", text))
    assert (result.inserted, result.updated) == (0, 1)
    assert _tree(store) == {**before, "L-AMF": ("Amersfoort Eemplein", *before["L-AMF"][1:])}


def test_reimporting_employees_updates_them(store: Store, tmp_path: Path) -> None:
    from datetime import date

    seed_organisation(store, tmp_path)
    text = (
        "employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on\n"
        "E002,L-AMF,teamleider,ja,ja,2022-09-01,\n"
        "E011,L-AMF,verkoper,nee,ja,2023-01-15,\n"
        "E012,L-UTR,stagiair,nee,nee,2026-02-01,\n"
        "E010,L-AMF,filiaalmanager,true,true,2020-02-01,2026-03-31\n"
    )
    result = import_file(store, "employees", write(tmp_path, "employees-2026.csv", text))

    assert (result.inserted, result.updated, result.skipped) == (1, 3, 0)
    employee, unit = schema.employee, schema.org_unit
    rows = {
        row[0]: tuple(row[1:])
        for row in select_rows(
            store,
            sa.select(
                employee.c.code,
                unit.c.code,
                employee.c.role,
                employee.c.is_manager,
                employee.c.left_on,
            ).join(unit, unit.c.id == employee.c.unit_id),
        )
    }
    assert rows["E002"] == ("L-AMF", "teamleider", True, None)
    assert rows["E011"] == ("L-AMF", "verkoper", False, None)  # left_on 2025-06-30 was cleared
    assert rows["E012"] == ("L-UTR", "stagiair", False, None)
    assert rows["E010"] == ("L-AMF", "filiaalmanager", True, date(2026, 3, 31))
    assert rows["E001"] == ("L-UTR", "filiaalmanager", True, None)  # not in the file: untouched
    assert len(rows) == 7
    hired = dict(select_rows(store, sa.select(employee.c.code, employee.c.hired_on)))
    assert hired["E012"] == date(2026, 2, 1)


# On PostgreSQL an all-empty date column was staged as TEXT and the UPDATE failed.
def test_reimporting_employees_without_any_leaving_date(store: Store, tmp_path: Path) -> None:
    """The common case: a new role for someone, nobody in the file has left."""
    seed_organisation(store, tmp_path)
    text = (
        "employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on\n"
        "E002,T-UTR-1,teamleider,ja,ja,,\n"
    )
    result = import_file(store, "employees", write(tmp_path, "promotion.csv", text))
    assert result.updated == 1
    employee = schema.employee
    assert select_rows(
        store, sa.select(employee.c.role, employee.c.hired_on).where(employee.c.code == "E002")
    ) == [("teamleider", None)]


def test_employee_names_are_set_by_a_file_that_has_them_and_kept_by_one_that_does_not(
    store: Store, tmp_path: Path
) -> None:
    """Names are optional columns: a roster with names sets them (an empty cell clears one),
    a later file without the name columns leaves them as they are."""
    seed_organisation(store, tmp_path)
    named = (
        "employee_code,unit_code,role,is_manager,customer_facing,first_name,last_name,known_as\n"
        "E002,T-UTR-1,verkoper,false,true,Johannes,de Vries,Hans\n"
        "E001,L-UTR,filiaalmanager,true,true,Ahmed,,\n"
    )
    import_file(store, "employees", write(tmp_path, "roster.csv", named))
    roles = "employee_code,unit_code,role,is_manager,customer_facing\nE002,T-UTR-1,teamleider,false,true\n"
    import_file(store, "employees", write(tmp_path, "roles.csv", roles))

    employee = schema.employee
    names = (employee.c.first_name, employee.c.last_name, employee.c.known_as)
    query = sa.select(employee.c.code, *names, employee.c.role)
    rows = {row[0]: tuple(row[1:]) for row in select_rows(store, query)}
    assert rows["E002"] == ("Johannes", "de Vries", "Hans", "teamleider")
    assert rows["E001"] == ("Ahmed", None, None, "filiaalmanager")
    assert rows["E010"] == (None, None, None, "filiaalmanager")


def test_units_may_name_managers_before_the_employees_are_imported(store: Store, tmp_path: Path) -> None:
    import_file(store, "units", write(tmp_path, "units.csv", UNITS))
    assert _count(store, schema.employee) == 0
    import_file(store, "employees", write(tmp_path, "employees.csv", EMPLOYEES))

    unit, employee = schema.org_unit, schema.employee
    managed = select_rows(
        store,
        sa.select(unit.c.code, employee.c.code, employee.c.is_manager)
        .join(employee, employee.c.code == unit.c.manager_employee_code)
        .order_by(unit.c.code),
    )
    assert [tuple(r) for r in managed] == [
        ("L-AMF", "E010", True),
        ("L-UTR", "E001", True),
        ("NL", "E100", True),
        ("R-MID", "E101", True),
    ]


# --- KPI corrections ---------------------------------------------------------------------

KPI_HEADER = "unit_code,period,metric,value\n"
STORED_KPIS = (
    "L-UTR,2026-08,revenue,100\n"
    "L-UTR,2026-09,revenue,200\n"
    "L-UTR,2026-09,profit,20\n"
    "L-AMF,2026-09,revenue,300\n"
)


def _kpis(store: Store) -> dict[tuple[str, str, str], float]:
    kpi, unit = schema.unit_kpi, schema.org_unit
    rows = select_rows(
        store,
        sa.select(unit.c.code, kpi.c.period, kpi.c.metric, kpi.c.value).join(
            unit, unit.c.id == kpi.c.unit_id
        ),
    )
    return {(code, period, metric): value for code, period, metric, value in rows}


def test_a_kpi_correction_with_replace_changes_only_the_covered_period_and_metric(
    store: Store, tmp_path: Path
) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "kpis", write(tmp_path, "k.csv", KPI_HEADER + STORED_KPIS))
    corrected = write(
        tmp_path,
        "k-corrected.csv",
        KPI_HEADER + "L-UTR,2026-09,revenue,250\nL-AMF,2026-09,revenue,300\n",
    )

    result = import_file(store, "kpis", corrected, replace=True)

    assert _kpis(store) == {
        ("L-UTR", "2026-08", "revenue"): 100.0,  # another period
        ("L-UTR", "2026-09", "revenue"): 250.0,  # corrected
        ("L-UTR", "2026-09", "profit"): 20.0,  # another metric in the same period
        ("L-AMF", "2026-09", "revenue"): 300.0,  # the same value again
    }
    assert (result.inserted, result.updated, result.skipped) == (0, 1, 1)


def test_a_kpi_correction_replaces_the_covered_period_and_metric_as_a_whole(
    store: Store, tmp_path: Path
) -> None:
    """Documented in ingest/kpis.py: the corrected file is the new truth for (period, metric)."""
    seed_organisation(store, tmp_path)
    import_file(store, "kpis", write(tmp_path, "k.csv", KPI_HEADER + STORED_KPIS))
    corrected = write(tmp_path, "k-corrected.csv", KPI_HEADER + "L-UTR,2026-09,revenue,250\n")

    result = import_file(store, "kpis", corrected, replace=True)

    assert ("L-AMF", "2026-09", "revenue") not in _kpis(store)
    assert _kpis(store)[("L-UTR", "2026-09", "profit")] == 20.0
    assert any("replaced 2 stored values of period(s) 2026-09" in note for note in result.notes), result.notes


def test_a_kpi_correction_without_replace_changes_nothing(store: Store, tmp_path: Path) -> None:
    from servicechain.errors import ImportRejected

    seed_organisation(store, tmp_path)
    import_file(store, "kpis", write(tmp_path, "k.csv", KPI_HEADER + STORED_KPIS))
    before = snapshot(store)
    corrected = write(tmp_path, "k-corrected.csv", KPI_HEADER + "L-UTR,2026-09,revenue,250\n")
    with pytest.raises(ImportRejected):
        import_file(store, "kpis", corrected)
    assert snapshot(store) == before


def test_a_customer_kpi_correction_with_replace_stays_in_its_period(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    header = "customer_code,period,revenue,share_of_wallet,retained\n"
    import_file(
        store,
        "customer-kpis",
        write(
            tmp_path,
            "c.csv",
            header + ("C1,2026-Q2,1000,0.25,ja\nC1,2026-Q3,1100,0.375,ja\nC2,2026-Q3,500,0.125,nee\n"),
        ),
    )
    corrected = write(
        tmp_path, "c-corrected.csv", header + "C1,2026-Q3,1150,0.5,nee\nC2,2026-Q3,500,0.125,nee\n"
    )

    result = import_file(store, "customer-kpis", corrected, replace=True)

    kpi, customer = schema.customer_kpi, schema.customer
    rows = select_rows(
        store,
        sa.select(customer.c.code, kpi.c.period, kpi.c.revenue, kpi.c.share_of_wallet, kpi.c.retained).join(
            customer, customer.c.id == kpi.c.customer_id
        ),
    )
    assert sorted(tuple(r) for r in rows) == [
        ("C1", "2026-Q2", 1000.0, 0.25, True),
        ("C1", "2026-Q3", 1150.0, 0.5, False),
        ("C2", "2026-Q3", 500.0, 0.125, False),
    ]
    assert (result.inserted, result.updated, result.skipped) == (0, 1, 1)


def test_replacing_with_the_same_values_changes_no_values(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "k.csv", KPI_HEADER + STORED_KPIS)
    import_file(store, "kpis", path)
    before = _kpis(store)
    result = import_file(store, "kpis", path, replace=True)
    assert _kpis(store) == before
    assert (result.inserted, result.updated, result.skipped) == (0, 0, 4)
