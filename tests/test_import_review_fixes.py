"""Regression tests for the import bugs found in code review (one section per finding).

Every test that touches a store runs on DuckDB and on PostgreSQL. Refusals are checked
by their exact ``FILE:ROW:COLUMN: reason`` and by an unchanged store.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from servicechain.errors import ImportRejected
from servicechain.ingest.pipeline import ImportResult, import_file
from servicechain.ingest.surveys import response_digest
from servicechain.instruments import load_default_instruments
from servicechain.store import Store, schema
from tests.conftest import select_rows, snapshot
from tests.factories import (
    customer_header,
    customer_row,
    employee_header,
    employee_row,
    seed_organisation,
    write,
)

KPI_HEADER = "unit_code,period,metric,value"
CUSTOMER_KPI_HEADER = "customer_code,period,revenue,share_of_wallet,retained"
REVIEW_HEADER = "review_id,source,unit_code,posted_at,rating,rating_max,language,text"


def _lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def _file(folder: Path, name: str, *rows: str) -> Path:
    return write(folder, name, _lines(*rows))


def _refused(store: Store, kind: str, path: Path, **options: object) -> list[str]:
    """The messages of a refused import, checking that the store did not change."""
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, kind, path, **options)  # type: ignore[arg-type]
    assert snapshot(store) == before
    return [str(problem) for problem in refused.value.problems]


def _counts(result: ImportResult) -> tuple[int, int, int]:
    return result.inserted, result.updated, result.skipped


def _customer_response(response_id: str, wave: str = "KT-2026-Q3", answer: str = "4") -> str:
    return customer_row(response_id, answer=answer).replace("KT-2026-Q3", wave)


def _employee_answers(response_id: str, wave: str = "MW-2026-Q3", comment: str = "", **answers: str) -> str:
    """An employee response with every item 4 (enps 8) except the ``answers`` given."""
    keys = load_default_instruments()["employee"].item_keys
    cells = [answers.get(key, "8" if key == "enps" else "4") for key in keys]
    return f"{response_id},{wave},L-UTR,2026-09-15T10:00:00,{','.join(cells)},{comment}"


def _kpi_values(store: Store) -> dict[tuple[str, str], float]:
    unit, kpi = schema.org_unit, schema.unit_kpi
    query = sa.select(unit.c.code, kpi.c.metric, kpi.c.value).join(unit, unit.c.id == kpi.c.unit_id)
    return {(code, metric): value for code, metric, value in select_rows(store, query)}


# 1. Customer responses are unique per wave, not globally


def test_customer_response_ids_restart_per_wave(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    q3 = [_customer_response(i, "KT-2026-Q3") for i in ("1", "2")]
    q4 = [_customer_response(i, "KT-2026-Q4") for i in ("1", "2")]
    import_file(store, "customer-responses", _file(tmp_path, "q3.csv", customer_header(), *q3))
    second = import_file(store, "customer-responses", _file(tmp_path, "q4.csv", customer_header(), *q4))
    assert _counts(second) == (2, 0, 0)
    wave, response = schema.survey_wave, schema.customer_response
    query = sa.select(wave.c.code, response.c.source_key).join(wave, wave.c.id == response.c.wave_id)
    assert sorted(tuple(row) for row in select_rows(store, query)) == [
        ("KT-2026-Q3", "1"), ("KT-2026-Q3", "2"), ("KT-2026-Q4", "1"), ("KT-2026-Q4", "2"),
    ]  # fmt: skip


# 2. A stored response is never overwritten; an identical one in an overlapping export is skipped


def test_stored_response_with_other_answers_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "customer-responses", _file(tmp_path, "r1.csv", customer_header(), customer_row("R1")))
    changed = _file(tmp_path, "r2.csv", customer_header(), customer_row("R1", answer="3"))
    assert _refused(store, "customer-responses", changed) == [
        "r2.csv:2:response_id: response 'R1' is already stored with another unit or other answers; "
        "a stored response is never overwritten"
    ]


def test_identical_stored_response_in_an_overlapping_export_is_skipped(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "customer-responses", _file(tmp_path, "r1.csv", customer_header(), customer_row("R1")))
    overlap = _file(tmp_path, "r2.csv", customer_header(), customer_row("R1"), customer_row("R2"))
    assert _counts(import_file(store, "customer-responses", overlap)) == (1, 0, 1)
    assert len(select_rows(store, sa.select(schema.customer_response.c.id))) == 2


# 3. Optional organisation columns left out of a file leave the stored values alone


def _employee_dates(store: Store) -> dict[str, tuple[str | None, date | None, date | None]]:
    table = schema.employee
    rows = select_rows(store, sa.select(table.c.code, table.c.role, table.c.hired_on, table.c.left_on))
    return {code: (role, hired, left) for code, role, hired, left in rows}


def test_employees_file_without_date_columns_keeps_the_stored_dates(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines(
        "employee_code,unit_code,role,is_manager,customer_facing",
        "E002,T-UTR-1,senior verkoper,false,true",
        "E011,L-AMF,verkoper,false,true",
    )
    assert _counts(import_file(store, "employees", write(tmp_path, "e2.csv", text))) == (0, 1, 1)
    stored = _employee_dates(store)
    assert stored["E002"] == ("senior verkoper", date(2022, 9, 1), None)
    assert stored["E011"] == ("verkoper", date(2023, 1, 15), date(2025, 6, 30))


def test_employees_file_with_an_empty_hired_on_cell_clears_it(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines(
        "employee_code,unit_code,role,is_manager,customer_facing,hired_on",
        "E002,T-UTR-1,verkoper,false,true,",
    )
    assert _counts(import_file(store, "employees", write(tmp_path, "e2.csv", text))) == (0, 1, 0)
    assert _employee_dates(store)["E002"] == ("verkoper", None, None)


def test_customers_file_without_segment_keeps_the_stored_segments(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines("customer_code,home_unit_code", "C1,L-AMF", "C2,L-UTR")
    assert _counts(import_file(store, "customers", write(tmp_path, "c2.csv", text))) == (0, 1, 1)
    customer, unit = schema.customer, schema.org_unit
    query = sa.select(customer.c.code, unit.c.code, customer.c.segment).join(
        unit, unit.c.id == customer.c.home_unit_id
    )
    assert sorted(tuple(row) for row in select_rows(store, query)) == [
        ("C1", "L-AMF", "particulier"), ("C2", "L-UTR", "zakelijk"), ("C3", "L-AMF", "particulier"),
    ]  # fmt: skip


# 4. Customer KPIs with empty cells compare with what is stored without crashing


@pytest.mark.parametrize("replace", [False, True], ids=["keep", "replace"])
def test_customer_kpis_with_empty_values_are_compared_and_skipped(
    store: Store, tmp_path: Path, replace: bool
) -> None:
    seed_organisation(store, tmp_path)
    first = _file(tmp_path, "k1.csv", CUSTOMER_KPI_HEADER, "C1,2026-09,,0.5,")
    import_file(store, "customer-kpis", first)
    again = _file(tmp_path, "k2.csv", CUSTOMER_KPI_HEADER, "C1,2026-09,,0.5,", "C2,2026-09,100,0.2,ja")
    assert _counts(import_file(store, "customer-kpis", again, replace=replace)) == (1, 0, 1)
    customer, kpi = schema.customer, schema.customer_kpi
    query = sa.select(customer.c.code, kpi.c.period, kpi.c.revenue, kpi.c.share_of_wallet, kpi.c.retained)
    rows = select_rows(store, query.join(customer, customer.c.id == kpi.c.customer_id))
    assert sorted(tuple(row) for row in rows) == [
        ("C1", "2026-09", None, 0.5, None),
        ("C2", "2026-09", 100.0, 0.2, True),
    ]


# 5. An empty metric cell is a problem, not a crash


def test_empty_metric_cell_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "k.csv", KPI_HEADER, "L-UTR,2026-09,,100")
    assert _refused(store, "kpis", path) == ["k.csv:2:metric: is empty but required"]


# 6. Review sources are one source whatever their case


def test_review_ids_repeated_in_another_case_of_source_are_duplicates(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    rows = [f"R1,{source},L-UTR,2026-09-01,4,5,nl,Prima" for source in ("Google", "google")]
    path = _file(tmp_path, "v.csv", REVIEW_HEADER, *rows)
    assert _refused(store, "reviews", path) == [
        "v.csv:3:review_id: duplicate review_id 'R1' for source 'google' (first on row 2)"
    ]


def test_stored_review_is_recognised_in_another_case_of_source(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(
        store,
        "reviews",
        _file(tmp_path, "v1.csv", REVIEW_HEADER, "R2,google,L-UTR,2026-09-01,4,5,nl,Prima"),
    )
    again = _file(tmp_path, "v2.csv", REVIEW_HEADER, "R2,Google,L-UTR,2026-09-01,4,5,nl,Prima")
    assert _counts(import_file(store, "reviews", again)) == (0, 0, 1)
    review = schema.review
    assert [tuple(row) for row in select_rows(store, sa.select(review.c.source, review.c.source_key))] == [
        ("google", "R2")
    ]


# 7. Codes longer than the column are refused before the database sees them


def test_too_long_customer_code_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "c.csv", "customer_code,home_unit_code,segment", f"{'C' * 70},L-UTR,particulier")
    assert _refused(store, "customers", path) == ["c.csv:2:customer_code: is longer than 64 characters"]


# 8. Numbers are read as the file's delimiter suggests they were written


def test_semicolon_file_keeps_a_decimal_point_that_is_no_thousands_separator(
    store: Store, tmp_path: Path
) -> None:
    seed_organisation(store, tmp_path)
    import_file(
        store,
        "kpis",
        _file(tmp_path, "k.csv", "unit_code;period;metric;value", "L-UTR;2026-09;conversie;0.125"),
    )
    assert _kpi_values(store) == {("L-UTR", "conversie"): 0.125}


def test_tab_file_with_dutch_thousands_and_decimal_comma(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines(
        "unit_code\tperiod\tmetric\tvalue",
        "L-UTR\t2026-09\trevenue\t12.500",
        "L-AMF\t2026-09\trevenue\t1.234,5",
    )
    import_file(store, "kpis", write(tmp_path, "k.txt", text))
    assert _kpi_values(store) == {("L-UTR", "revenue"): 12500.0, ("L-AMF", "revenue"): 1234.5}


def test_comma_file_with_quoted_english_thousands(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines(KPI_HEADER, 'L-UTR,2026-09,revenue,"1,250"', 'L-AMF,2026-09,revenue,"12,500"')
    import_file(store, "kpis", write(tmp_path, "k.csv", text))
    assert _kpi_values(store) == {("L-UTR", "revenue"): 1250.0, ("L-AMF", "revenue"): 12500.0}


def test_comma_file_with_a_quoted_decimal_comma(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "kpis", _file(tmp_path, "k.csv", KPI_HEADER, 'L-UTR,2026-09,revenue,"12,5"'))
    assert _kpi_values(store) == {("L-UTR", "revenue"): 12.5}


def test_infinite_numbers_are_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "k.csv", KPI_HEADER, "L-UTR,2026-09,revenue,inf", "L-AMF,2026-09,revenue,1e400")
    assert _refused(store, "kpis", path) == [
        "k.csv:2:value: 'inf' is not a number",
        "k.csv:3:value: '1e400' is not a number",
    ]


# 9. Blank lines in a CSV keep the row numbers of the lines after them


def test_blank_line_in_a_csv_keeps_row_numbers(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "c.csv", "customer_code,home_unit_code,segment\nC7,L-UTR,x\n\nC8,L-NERGENS,x\n")
    assert _refused(store, "customers", path) == [
        "c.csv:4:home_unit_code: unknown unit code 'L-NERGENS' (not in the store: import it with "
        "`servicechain import units` first)"
    ]


# 10. Repeated, unnamed and differently spelled header names


def test_two_spellings_of_one_column_are_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "u.csv", "unit_code,Unit Code,name,kind,parent_code", "X,X,X,team,L-UTR")
    assert _refused(store, "units", path) == [
        "u.csv:1:unit_code: two columns end up with this name (after mapping and spelling)"
    ]


def test_excel_header_with_a_repeated_column_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    workbook = Workbook()
    workbook.active.append(["unit_code", "period", "metric", "value", "value"])
    workbook.active.append(["L-UTR", "2026-09", "revenue", 100, 200])
    workbook.save(tmp_path / "k.xlsx")
    assert _refused(store, "kpis", tmp_path / "k.xlsx") == [
        "k.xlsx:1:: the header repeats the column(s) value"
    ]


def test_trailing_empty_unnamed_columns_are_ignored(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines("customer_code;home_unit_code;segment;;", "C9;L-UTR;particulier;;", "C8;L-AMF;zakelijk;;")
    assert _counts(import_file(store, "customers", write(tmp_path, "c.csv", text))) == (2, 0, 0)


def test_unnamed_column_with_data_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "c.csv", "customer_code;home_unit_code;segment;", "C9;L-UTR;particulier;oeps")
    assert _refused(store, "customers", path) == ["c.csv:1:: column 4 has data but no name in the header"]


# 11. A mapping is part of an import's identity


def test_same_file_with_a_corrected_mapping_is_imported_again(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "vestigingen.csv", "Code,Naam,Soort,Ouder", "L-ZWL,Zwolle,location,R-MID")
    wrong = write(tmp_path, "wrong.yaml", "Code: unit_code\nNaam: kind\nSoort: name\nOuder: parent_code\n")
    right = write(tmp_path, "right.yaml", "Code: unit_code\nNaam: name\nSoort: kind\nOuder: parent_code\n")
    import_file(store, "units", path, mapping=wrong)
    corrected = import_file(store, "units", path, mapping=right)
    assert not corrected.already_imported
    assert _counts(corrected) == (0, 1, 0)
    unit = schema.org_unit
    query = sa.select(unit.c.name, unit.c.kind).where(unit.c.code == "L-ZWL")
    assert [tuple(row) for row in select_rows(store, query)] == [("Zwolle", "location")]


# 12. The period of a wave is read from its code


def test_wave_period_is_read_from_the_wave_code(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    rows = [
        employee_row(f"M{i}", wave=wave) for i, wave in enumerate(("MW-Q3-2026", "MW-2026-09", "MW-12345"))
    ]
    import_file(store, "employee-responses", _file(tmp_path, "m.csv", employee_header(), *rows))
    wave = schema.survey_wave
    assert dict(select_rows(store, sa.select(wave.c.code, wave.c.period))) == {
        "MW-Q3-2026": "2026-Q3", "MW-2026-09": "2026-09", "MW-12345": None,
    }  # fmt: skip


# 13. Employee responses cannot be traced back to a person


def test_employee_response_key_is_a_keyed_digest(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "employee-responses", _file(tmp_path, "m.csv", employee_header(), employee_row("M1")))
    [(key,)] = select_rows(store, sa.select(schema.employee_response.c.source_key))
    assert key == response_digest("MW-2026-Q3", "M1")
    plain = {hashlib.sha256(f"MW-2026-Q3{sep}M1".encode()).hexdigest() for sep in ("", "\x1f", "/", ":", "|")}
    assert key not in plain


def test_employee_code_as_response_id_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "m.csv", employee_header(), employee_row("M1"), employee_row("E002"))
    assert _refused(store, "employee-responses", path) == [
        "m.csv:3:response_id: 'E002' is an employee code: an anonymous survey export must not say who "
        "answered (export the survey tool's own response ids)"
    ]


def test_employee_responses_are_not_stored_in_file_order(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    comments = [f"c{i:03d}" for i in range(200)]
    rows = [_employee_answers(f"M{i}", comment=comment) for i, comment in enumerate(comments)]
    import_file(store, "employee-responses", _file(tmp_path, "m.csv", employee_header(), *rows))
    table = schema.employee_response
    stored = [comment for (comment,) in select_rows(store, sa.select(table.c.comment).order_by(table.c.id))]
    assert sorted(stored) == comments
    assert stored != comments  # a shuffle of 200 rows keeps the file order with chance 1/200!


# 14. Mapping keys in any spelling; ``~`` drops a column


def test_mapping_key_matches_the_header_in_another_spelling(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "k.csv", "Vestigingscode,period,metric,value", "L-UTR,2026-09,revenue,100")
    mapping = write(tmp_path, "map.yaml", "vestigingscode: unit_code\n")
    assert _counts(import_file(store, "kpis", path, mapping=mapping)) == (1, 0, 0)
    assert _kpi_values(store) == {("L-UTR", "revenue"): 100.0}


def test_mapping_to_nothing_drops_a_column(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = _file(tmp_path, "k.csv", f"{KPI_HEADER},Opmerking intern", "L-UTR,2026-09,revenue,100,geheim")
    assert _refused(store, "kpis", path) == ["k.csv:1:opmerking_intern: unknown column 'opmerking_intern'"]
    mapping = write(tmp_path, "map.yaml", "Opmerking intern: ~\n")
    assert _counts(import_file(store, "kpis", path, mapping=mapping)) == (1, 0, 0)


# 15. UTF-16 text files and not-applicable answers


def test_utf16_tab_separated_file_is_read(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    text = _lines("customer_code\thome_unit_code\tsegment", "C9\tL-UTR\tparticulier", "C8\tL-AMF\tzakelijk")
    path = write(tmp_path, "klanten.txt", text, encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert _counts(import_file(store, "customers", path)) == (2, 0, 0)
    customer = schema.customer
    query = sa.select(customer.c.code, customer.c.segment).where(customer.c.code.in_(["C8", "C9"]))
    assert dict(select_rows(store, query)) == {"C9": "particulier", "C8": "zakelijk"}


def test_not_applicable_words_in_an_agreement_item_are_stored_as_null(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    row = _employee_answers("M1", eng_enthusiasm="n.v.t.", eng_pride="weet niet")
    import_file(store, "employee-responses", _file(tmp_path, "m.csv", employee_header(), row))
    table = schema.employee_response
    query = sa.select(table.c.eng_enthusiasm, table.c.eng_pride, table.c.eng_extra_mile)
    assert [tuple(row) for row in select_rows(store, query)] == [(None, None, 4)]


def test_not_applicable_on_a_scale_without_it_is_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    keys = load_default_instruments()["customer"].item_keys
    answers = ["n.v.t." if key == "satisfaction" else "9" if key == "recommend" else "4" for key in keys]
    row = f"R1,KT-2026-Q3,L-UTR,C1,2026-09-20 12:00,in_person,{','.join(answers)},"
    path = _file(tmp_path, "r.csv", customer_header(), row)
    assert _refused(store, "customer-responses", path) == [
        "r.csv:2:satisfaction: 'n.v.t.' is not a whole number from 1 to 5"
    ]
