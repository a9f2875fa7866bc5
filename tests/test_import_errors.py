"""Bad input: each case gets a precise FILE:ROW:COLUMN message and leaves the store unchanged.

Every case runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from servicechain.errors import ImportRejected
from servicechain.ingest.pipeline import import_file
from servicechain.store import Store
from tests.conftest import snapshot
from tests.factories import (
    customer_header,
    customer_row,
    employee_header,
    employee_row,
    seed_organisation,
    write,
)

Case = Callable[[Path], tuple[str, Path, dict]]


def _file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    return lambda folder: write(folder, name, text, encoding)


# kind, file maker, expected message (exactly as printed: FILE:ROW:COLUMN: reason), options
CASES: dict[str, tuple[str, Callable[[Path], Path], str, dict]] = {
    "missing column": (
        "units", _file("u.csv", "unit_code,kind,parent_code\nX,team,L-UTR\n"),
        "u.csv:1:name: required column 'name' is missing", {},
    ),
    "unknown column with hint": (
        "customers", _file("c.csv", "customer_code,home_unit_code,segmnt\nC9,L-UTR,x\n"),
        "c.csv:1:segmnt: unknown column 'segmnt'; did you mean 'segment'?", {},
    ),
    "unknown unit code": (
        "employees",
        _file("e.csv", "employee_code,unit_code,role,is_manager,customer_facing\nE9,L-XXX,verkoper,nee,ja\n"),
        "e.csv:2:unit_code: unknown unit_code 'L-XXX' (not in the store: import it with "
        "`servicechain import units` first)", {},
    ),
    "unknown customer code": (
        "customer-responses",
        _file("r.csv", f"{customer_header()}\n{customer_row('R1', customer='C404')}\n"),
        "r.csv:2:customer_code: unknown customer_code 'C404' (not in the store: import it with "
        "`servicechain import customers` first)", {},
    ),
    "duplicate response id": (
        "customer-responses",
        _file("r.csv", f"{customer_header()}\n{customer_row('R1')}\n{customer_row('R2')}\n{customer_row('R1')}\n"),
        "r.csv:4:response_id: duplicate response_id 'R1' for wave 'KT-2026-Q3' (first on row 2)", {},
    ),
    "answer above scale": (
        "employee-responses",
        _file("m.csv", f"{employee_header()}\n{employee_row('M1', answer='6')}\n"),
        "m.csv:2:eng_enthusiasm: '6' is not a whole number from 1 to 5", {},
    ),
    "recommend above 10": (
        "customer-responses",
        _file("r.csv", f"{customer_header()}\n{customer_row('R1', recommend='11')}\n"),
        "r.csv:2:recommend: '11' is not a whole number from 0 to 10", {},
    ),
    "fractional answer": (
        "employee-responses",
        _file("m.csv", f"{employee_header()}\n{employee_row('M1', enps='7.5')}\n"),
        "m.csv:2:enps: '7.5' is not a whole number from 0 to 10", {},
    ),
    "impossible date": (
        "employees",
        _file("e.csv", "employee_code,unit_code,role,is_manager,customer_facing,hired_on\n"
                       "E9,L-UTR,verkoper,nee,ja,31-02-2026\n"),
        "e.csv:2:hired_on: '31-02-2026' is not a date (2026-09-30 or 30-09-2026)", {},
    ),
    "unparseable number": (
        "kpis", _file("k.csv", "unit_code,period,metric,value\nL-UTR,2026-09,revenue,veel\n"),
        "k.csv:2:value: 'veel' is not a number", {},
    ),
    "empty file": ("units", _file("u.csv", ""), "u.csv::: the file is empty", {}),
    "header only": (
        "units", _file("u.csv", "unit_code,name,kind,parent_code\n"),
        "u.csv::: the file has a header but no data rows", {},
    ),
    "cycle in the tree": (
        "units",
        _file("u.csv", "unit_code,name,kind,parent_code\nA,A,team,B\nB,B,team,A\n"),
        "u.csv:2:parent_code: units form a cycle: A -> B -> A", {},
    ),
    "second root": (
        "units", _file("u.csv", "unit_code,name,kind,parent_code\nBE,Belgie,company,\n"),
        "u.csv:2:parent_code: the tree has 2 top units ('NL' (already stored), 'BE' (row 2)); "
        "give all but one a parent_code", {},
    ),
    "unknown parent": (
        "units", _file("u.csv", "unit_code,name,kind,parent_code\nL-ZWL,Zwolle,location,R-OOST\n"),
        "u.csv:2:parent_code: unknown parent_code 'R-OOST' (neither in this file nor in the store)", {},
    ),
    "ragged row": (
        "customers", _file("c.csv", "customer_code,home_unit_code,segment\nC9,L-UTR,x\nC8,L-UTR,x,extra\n"),
        "c.csv:3:: row does not have 3 fields like the header", {},
    ),
    "bad period": (
        "kpis", _file("k.csv", "unit_code,period,metric,value\nL-UTR,2026-Q5,revenue,100\n"),
        "k.csv:2:period: '2026-Q5' is not a period (2026, 2026-Q3 or 2026-09)", {},
    ),
    "unknown channel": (
        "customer-responses",
        _file("r.csv", f"{customer_header()}\n{customer_row('R1', channel='fax')}\n"),
        "r.csv:2:channel: 'fax' is not a channel (in_person, phone, chat_email, app_web)", {},
    ),
    "bad boolean": (
        "employees",
        _file("e.csv", "employee_code,unit_code,role,is_manager,customer_facing\nE9,L-UTR,verkoper,misschien,ja\n"),
        "e.csv:2:is_manager: 'misschien' is not true or false (ja/nee, 1/0)", {},
    ),
    "left before hired": (
        "employees",
        _file("e.csv", "employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on\n"
                       "E9,L-UTR,verkoper,nee,ja,2024-05-01,2024-04-30\n"),
        "e.csv:2:left_on: left_on '2024-04-30' is before hired_on", {},
    ),
    "rating above its maximum": (
        "reviews",
        _file("v.csv", "review_id,source,unit_code,posted_at,rating,rating_max,aspect_service,language,text\n"
                       "G1,google,L-UTR,2026-09-01,4,5,7,nl,Prima\n"),
        "v.csv:2:aspect_service: '7' is outside 0..rating_max", {},
    ),
    "fraction metric above 100%": (
        "kpis", _file("k.csv", "unit_code;period;metric;value\nL-UTR;2026-09;customer_retention;150%\n"),
        "k.csv:2:value: '150%' is not a fraction for customer_retention (0..1 or 0%..100%)", {},
    ),
    "required cell empty": (
        "units", _file("u.csv", "unit_code,name,kind,parent_code\n,Zwolle,location,R-MID\n"),
        "u.csv:2:unit_code: is empty but required", {},
    ),
    "response without answers": (
        "employee-responses",
        _file("m.csv", f"{employee_header()}\nM1,MW-2026-Q3,L-UTR,2026-09-01{',' * 26}\n"),
        "m.csv:2:: the response answers no question at all", {},
    ),
    "share of wallet above 1": (
        "customer-kpis",
        _file("k.csv", "customer_code,period,revenue,share_of_wallet,retained\nC1,2026-Q3,120,1.5,ja\n"),
        "k.csv:2:share_of_wallet: '1.5' is not a share (0..1 or 0%..100%)", {},
    ),
    "unknown employee in touchpoint": (
        "touchpoints",
        _file("t.csv", "response_id,unit_code,employee_code,channel,occurred_at,satisfaction,ease,valued,comment\n"
                       "T1,L-UTR,E404,phone,2026-09-01 10:00,5,6,,\n"),
        "t.csv:2:employee_code: unknown employee_code 'E404' (not in the store: import it with "
        "`servicechain import employees` first)", {},
    ),
    "duplicate header": (
        "customers", _file("c.csv", "customer_code,segment,segment\nC9,a,b\n"),
        "c.csv:1:: the header repeats the column(s) segment", {},
    ),
    "unknown file type": (
        "units", _file("units.pdf", "%PDF-1.4"), "units.pdf::: unknown file type '.pdf': use .csv, .xlsx or .parquet", {},
    ),
    "mapping names an absent column": (
        "units", _file("u.csv", "unit_code,name,kind,parent_code\nX,X,team,L-UTR\n"),
        "map.yaml::: maps column 'Vestiging', which the file does not have",
        {"mapping": "Vestiging: unit_code\n"},
    ),
    "stored KPI differs without --replace": (
        "kpis", _file("k.csv", "unit_code,period,metric,value\nL-UTR,2026-09,revenue,999\n"),
        "k.csv:2:period: differs from what is stored for period 2026-09 (value 100.0); "
        "to correct period(s) 2026-09, import again with --replace", {"before": "kpis"},
    ),
    "windows-1252 file with an unknown unit": (
        "customers", _file("c.csv", "customer_code;home_unit_code;segment\nC9;L-ÉÉN;particulier\n", "cp1252"),
        "c.csv:2:home_unit_code: unknown unit code 'L-ÉÉN' (not in the store: import it with "
        "`servicechain import units` first)", {},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_precisely_and_writes_nothing(store: Store, tmp_path: Path, case: str) -> None:
    kind, make_file, expected, options = CASES[case]
    seed_organisation(store, tmp_path)
    if options.get("before") == "kpis":
        import_file(
            store,
            "kpis",
            write(tmp_path, "k0.csv", "unit_code,period,metric,value\nL-UTR,2026-09,revenue,100\n"),
        )
    mapping = None
    if "mapping" in options:
        mapping = write(tmp_path, "map.yaml", options["mapping"])
    path = make_file(tmp_path)
    before = snapshot(store)

    with pytest.raises(ImportRejected) as refused:
        import_file(store, kind, path, mapping=mapping)

    assert str(refused.value.problems[0]) == expected
    assert snapshot(store) == before


def test_many_problems_show_the_first_fifty_and_count_all(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    rows = "\n".join(employee_row(f"M{i}", answer="9") for i in range(30))
    path = write(tmp_path, "m.csv", f"{employee_header()}\n{rows}\n")
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "employee-responses", path)
    # 30 rows x 24 agreement items are outside 1..5 (enps 8 is fine)
    assert refused.value.total == 30 * 24
    assert len(refused.value.problems) == 50
    rows_shown = [p.row for p in refused.value.problems]
    assert rows_shown == sorted(rows_shown) and rows_shown[0] == 2
    assert snapshot(store) == before


def test_a_problem_late_in_the_file_rolls_back_everything(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    good = [customer_row(f"R{i}") for i in range(500)]
    bad = customer_row("R999", unit="L-GONE")
    path = write(tmp_path, "r.csv", "\n".join([customer_header(), *good, bad]) + "\n")
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customer-responses", path)
    assert str(refused.value.problems[0]).startswith("r.csv:502:unit_code: unknown unit_code 'L-GONE'")
    assert snapshot(store) == before


def test_excel_row_numbers_are_the_ones_excel_shows(store: Store, tmp_path: Path) -> None:
    """A blank row in the middle keeps its place, so row numbers match what Excel shows."""
    from openpyxl import Workbook

    seed_organisation(store, tmp_path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["customer_code", "home_unit_code", "segment"])
    sheet.append(["C7", "L-UTR", "particulier"])
    sheet.append([None, None, None])
    sheet.append(["C8", "L-NERGENS", "zakelijk"])
    sheet.append([None, None, None])  # trailing formatting rows are ignored
    workbook.save(tmp_path / "klanten.xlsx")
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customers", tmp_path / "klanten.xlsx")
    assert [str(p) for p in refused.value.problems] == [
        "klanten.xlsx:3:customer_code: is empty but required",
        "klanten.xlsx:4:home_unit_code: unknown unit code 'L-NERGENS' (not in the store: import it with "
        "`servicechain import units` first)",
    ]
    assert snapshot(store) == before


@pytest.mark.parametrize(
    "title",
    ["Export klanten Q3 2026\n\n", "Export klanten;;\n", "Export klanten\nGemaakt op 1-10-2026\n"],
    ids=["title and blank line", "excel title with delimiters", "two title lines"],
)
def test_title_lines_above_the_header_are_skipped_and_rows_still_match(
    store: Store, tmp_path: Path, title: str
) -> None:
    seed_organisation(store, tmp_path)
    body = "customer_code;home_unit_code;segment\nC7;L-UTR;particulier\nC8;L-NERGENS;zakelijk\n"
    path = write(tmp_path, "klanten.csv", title + body)
    header_row = title.count("\n") + 1
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customers", path)
    assert str(refused.value.problems[0]) == (
        f"klanten.csv:{header_row + 2}:home_unit_code: unknown unit code 'L-NERGENS' (not in the store: "
        "import it with `servicechain import units` first)"
    )
    assert snapshot(store) == before
    fixed = write(tmp_path, "klanten2.csv", title + body.replace("L-NERGENS", "L-AMF"))
    result = import_file(store, "customers", fixed)
    assert result.inserted == 2
    assert any("title" in note for note in result.notes)


def test_title_rows_above_an_excel_header_are_skipped(store: Store, tmp_path: Path) -> None:
    from openpyxl import Workbook

    seed_organisation(store, tmp_path)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Klantenbestand Q3"])
    sheet.append([])
    sheet.append(["customer_code", "home_unit_code", "segment"])
    sheet.append(["C7", "L-NERGENS", "particulier"])
    workbook.save(tmp_path / "klanten.xlsx")
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "customers", tmp_path / "klanten.xlsx")
    assert str(refused.value.problems[0]).startswith(
        "klanten.xlsx:4:home_unit_code: unknown unit code 'L-NERGENS'"
    )
