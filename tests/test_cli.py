"""The real ``servicechain`` command in a subprocess: exit statuses, one clear line per user
mistake, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from servicechain.store import Store
from tests.factories import CUSTOMERS, EMPLOYEES, UNITS, write

UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/servicechain"


def _environment(**extra: str) -> dict[str, str]:
    """This process's environment without any SERVICECHAIN_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    return {**env, **extra}


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``servicechain ARGS`` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "servicechain.cli", *args],
        cwd=cwd,
        env=env or _environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a user mistake prints (on stderr, nothing on stdout)."""
    assert_no_traceback(done)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert done.stdout.strip() == ""
    return lines[0]


def duckdb_url(folder: Path) -> str:
    return f"duckdb:///{folder / 'cli.duckdb'}"


def status(db: str, cwd: Path) -> dict:
    done = run("--db", db, "status", "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def db(store: Store) -> str:
    """A migrated store on each engine, released so that the subprocess may open it."""
    store.dispose()
    return store.url


def test_help_lists_the_commands(tmp_path: Path) -> None:
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in ("demo", "import", "status"):
        assert re.search(rf"^\W*{command}\b", done.stdout, re.MULTILINE), done.stdout
    assert "--db" in done.stdout
    assert not (tmp_path / "servicechain.duckdb").exists()  # help opens no store


def test_import_help_names_every_kind(tmp_path: Path) -> None:
    done = run("import", "--help", cwd=tmp_path)
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    for kind in ("units", "employee-responses", "touchpoints", "reviews", "customer-kpis"):
        assert kind in flat
    assert "--mapping" in flat and "--replace" in flat


def test_a_good_import_prints_a_summary(db: str, tmp_path: Path) -> None:
    units = write(tmp_path, "units.csv", UNITS)
    done = run("--db", db, "import", "units", str(units), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "units.csv: 5 rows of units: 5 added, 0 updated, 0 unchanged" in done.stdout
    assert_no_traceback(done)

    again = run("--db", db, "import", "units", str(units), cwd=tmp_path)
    assert again.returncode == 0
    assert "already imported earlier" in again.stdout


def test_a_bad_import_lists_its_problems_and_writes_nothing(db: str, tmp_path: Path) -> None:
    assert (
        run("--db", db, "import", "units", str(write(tmp_path, "units.csv", UNITS)), cwd=tmp_path).returncode
        == 0
    )
    bad = write(
        tmp_path,
        "customers.csv",
        "customer_code,home_unit_code,segment\nC1,L-UTR,a\nC2,L-XXX,b\nC1,L-UTR,c\n",
    )
    before = status(db, tmp_path)["counts"]

    done = run("--db", db, "import", "customers", str(bad), cwd=tmp_path)

    assert done.returncode == 2
    assert_no_traceback(done)
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "customers.csv:3:home_unit_code: unknown unit code 'L-XXX' "
        "(not in the store: import it with "
        "`servicechain import units` first)",
        "customers.csv:4:customer_code: duplicate customer_code 'C1' (first on row 2)",
        "import refused: 2 problem(s); nothing was written",
    ]
    assert all(re.match(r"^[^:]+:\d+:\w+: ", line) for line in lines[:-1])
    assert status(db, tmp_path)["counts"] == before


def test_many_problems_show_fifty_and_count_the_rest(tmp_path: Path) -> None:
    db = duckdb_url(tmp_path)
    rows = "".join(f"L-{i},Vestiging {i},location,NOWHERE\n" for i in range(60))
    bad = write(tmp_path, "units.csv", "unit_code,name,kind,parent_code\n" + rows)
    done = run("--db", db, "import", "units", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 52
    assert (
        lines[0] == "units.csv:2:parent_code: unknown parent_code 'NOWHERE' "
        "(neither in this file nor in the store)"
    )
    assert lines[-2:] == [
        "... and 10 more problems",
        "import refused: 60 problem(s); nothing was written",
    ]


def test_replace_and_mapping_options_reach_the_import(tmp_path: Path) -> None:
    db = duckdb_url(tmp_path)  # the options' plumbing; both engines are covered by the library tests
    for kind, text in (("units", UNITS), ("employees", EMPLOYEES), ("customers", CUSTOMERS)):
        assert (
            run(
                "--db", db, "import", kind, str(write(tmp_path, f"{kind}.csv", text)), cwd=tmp_path
            ).returncode
            == 0
        )
    mapping = write(
        tmp_path,
        "map.yaml",
        "columns:\n  Vestiging: unit_code\n  Periode: period\n  Kengetal: metric\n  Waarde: value\n",
    )
    first = write(tmp_path, "omzet.csv", "Vestiging;Periode;Kengetal;Waarde\nL-UTR;2026-09;revenue;100\n")
    assert (
        run("--db", db, "import", "kpis", str(first), "--mapping", str(mapping), cwd=tmp_path).returncode == 0
    )
    corrected = write(
        tmp_path, "omzet-v2.csv", "Vestiging;Periode;Kengetal;Waarde\nL-UTR;2026-09;revenue;120\n"
    )

    refused = run("--db", db, "import", "kpis", str(corrected), "--mapping", str(mapping), cwd=tmp_path)
    assert refused.returncode == 2
    assert "import again with --replace" in refused.stderr

    replaced = run(
        "--db",
        db,
        "import",
        "kpis",
        str(corrected),
        "--mapping",
        str(mapping),
        "--replace",
        cwd=tmp_path,
    )
    assert replaced.returncode == 0, replaced.stderr
    assert "1 updated" in replaced.stdout


def test_unknown_kind_is_one_line(tmp_path: Path) -> None:
    done = run(
        "--db",
        duckdb_url(tmp_path),
        "import",
        "staff",
        str(write(tmp_path, "s.csv", "a\n1\n")),
        cwd=tmp_path,
    )
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith("error: unknown kind 'staff': choose one of units, employees, customers")


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    done = run("--db", duckdb_url(tmp_path), "import", "units", "nowhere/units.csv", cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done)
    assert "file not found" in line and "units.csv" in line


def test_status_json_has_counts_and_latest_imports(db: str, tmp_path: Path) -> None:
    assert (
        run("--db", db, "import", "units", str(write(tmp_path, "units.csv", UNITS)), cwd=tmp_path).returncode
        == 0
    )
    assert (
        run(
            "--db",
            db,
            "import",
            "employees",
            str(write(tmp_path, "e.csv", EMPLOYEES)),
            cwd=tmp_path,
        ).returncode
        == 0
    )

    state = status(db, tmp_path)

    assert state["counts"]["org_unit"] == 5
    assert state["counts"]["employee"] == 6
    assert state["counts"]["customer_response"] == 0
    assert state["counts"]["import_log"] == 2
    assert all(isinstance(count, int) for count in state["counts"].values())
    assert [(i["kind"], i["file_name"], i["inserted"]) for i in state["last_imports"]] == [
        ("employees", "e.csv", 6),
        ("units", "units.csv", 5),
    ]


def test_status_without_json_is_readable(tmp_path: Path) -> None:
    done = run("--db", duckdb_url(tmp_path), "status", cwd=tmp_path)
    assert done.returncode == 0
    assert "org_unit" in done.stdout and "no imports yet" in done.stdout


@pytest.mark.parametrize(
    "url", ["sqlite:///servicechain.db", "mysql://root@localhost/sc", "servicechain.duckdb"]
)
def test_unsupported_database_url_is_one_line(tmp_path: Path, url: str) -> None:
    done = run("--db", url, "status", cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done)
    assert "unsupported database URL" in line and url in line


def test_unsupported_url_in_the_environment_is_one_line(tmp_path: Path) -> None:
    done = run("status", cwd=tmp_path, env=_environment(SERVICECHAIN_DATABASE_URL="sqlite:///x.db"))
    assert done.returncode == 2
    assert "unsupported database URL 'sqlite:///x.db'" in one_line(done)


def test_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    done = run("--db", UNREACHABLE_PG, "status", cwd=tmp_path)
    assert done.returncode == 2
    line = one_line(done)
    assert line.startswith(
        "error: cannot reach the PostgreSQL store at postgresql+psycopg://postgres@127.0.0.1:1/"
    )


def test_unreachable_postgresql_during_import_is_one_line(tmp_path: Path) -> None:
    units = write(tmp_path, "units.csv", UNITS)
    done = run(
        "import",
        "units",
        str(units),
        cwd=tmp_path,
        env=_environment(SERVICECHAIN_DATABASE_URL=UNREACHABLE_PG),
    )
    assert done.returncode == 2
    assert "cannot reach the PostgreSQL store" in one_line(done)


def test_a_locked_duckdb_file_says_so_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        done = run("--db", f"duckdb:///{path}", "status", cwd=tmp_path)
    finally:
        holder.communicate(input="", timeout=30)  # closing stdin ends the holder
    assert done.returncode == 2
    line = one_line(done)
    assert "held.duckdb is in use" in line
    assert f"PID {holder.pid}" in line
    assert "stop that process" in line and "try again" in line


def test_the_default_store_is_servicechain_duckdb_in_the_working_directory(tmp_path: Path) -> None:
    done = run("status", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "servicechain.duckdb").is_file()
    assert json.loads(done.stdout)["database"].endswith(f"{tmp_path.name}/servicechain.duckdb")


def test_the_environment_chooses_the_store_and_db_overrides_it(tmp_path: Path) -> None:
    env = _environment(SERVICECHAIN_DATABASE_URL=f"duckdb:///{tmp_path / 'from-env.duckdb'}")
    assert run("status", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "from-env.duckdb").is_file()

    assert (
        run(
            "--db", f"duckdb:///{tmp_path / 'from-option.duckdb'}", "status", cwd=tmp_path, env=env
        ).returncode
        == 0
    )
    assert (tmp_path / "from-option.duckdb").is_file()
    assert not (tmp_path / "servicechain.duckdb").exists()


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_plain_postgresql_urls_work(db: str, tmp_path: Path) -> None:
    plain = db.replace("postgresql+psycopg://", "postgresql://")
    assert status(plain, tmp_path)["counts"]["org_unit"] == 0
