"""Small, readable input files for tests: a company, a region, two stores and their people."""

from __future__ import annotations

from pathlib import Path

from servicechain.ingest.pipeline import ImportResult, import_file
from servicechain.instruments import load_default_instruments
from servicechain.store import Store

UNITS = """unit_code,name,kind,parent_code,manager_employee_code
NL,Winkelketen BV,company,,E100
R-MID,Midden,region,NL,E101
L-UTR,Utrecht Centraal,location,R-MID,E001
L-AMF,Amersfoort Centrum,location,R-MID,E010
T-UTR-1,Utrecht Centraal - Winkelvloer,team,L-UTR,
"""

EMPLOYEES = """employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on
E100,NL,directeur,true,false,2015-01-01,
E101,R-MID,regiomanager,true,false,2018-05-01,
E001,L-UTR,filiaalmanager,true,true,2019-03-01,
E002,T-UTR-1,verkoper,false,true,2022-09-01,
E010,L-AMF,filiaalmanager,true,true,2020-02-01,
E011,L-AMF,verkoper,false,true,2023-01-15,2025-06-30
"""

CUSTOMERS = """customer_code,home_unit_code,segment
C1,L-UTR,particulier
C2,L-UTR,zakelijk
C3,L-AMF,particulier
"""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``folder/name`` exactly (no newline translation)."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def seed_organisation(store: Store, folder: Path) -> list[ImportResult]:
    """Import the units, employees and customers above."""
    return [
        import_file(store, "units", write(folder, "units.csv", UNITS)),
        import_file(store, "employees", write(folder, "employees.csv", EMPLOYEES)),
        import_file(store, "customers", write(folder, "customers.csv", CUSTOMERS)),
    ]


def employee_header() -> str:
    """Header of an employee-responses file."""
    items = ",".join(load_default_instruments()["employee"].item_keys)
    return f"response_id,wave,unit_code,submitted_at,{items},comment"


def employee_row(response_id: str, unit: str = "L-UTR", answer: str = "4", *, enps: str = "8",
                 wave: str = "MW-2026-Q3", comment: str = "") -> str:  # fmt: skip
    """One employee response with every agreement item ``answer``."""
    keys = load_default_instruments()["employee"].item_keys
    answers = [enps if key == "enps" else answer for key in keys]
    return f"{response_id},{wave},{unit},2026-09-15T10:00:00,{','.join(answers)},{comment}"


def customer_header() -> str:
    """Header of a customer-responses file."""
    items = ",".join(load_default_instruments()["customer"].item_keys)
    return f"response_id,wave,unit_code,customer_code,submitted_at,channel,{items},comment"


def customer_row(response_id: str, unit: str = "L-UTR", customer: str = "C1", *,
                 recommend: str = "9", answer: str = "4", channel: str = "in_person") -> str:  # fmt: skip
    """One customer response."""
    keys = load_default_instruments()["customer"].item_keys
    answers = [recommend if key == "recommend" else answer for key in keys]
    return f"{response_id},KT-2026-Q3,{unit},{customer},2026-09-20 12:00,{channel},{','.join(answers)},"
