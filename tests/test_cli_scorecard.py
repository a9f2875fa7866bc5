"""``servicechain scorecard`` and ``servicechain analyze`` on a demo in DuckDB: the Rich table in Dutch and
English, JSON and CSV with the contract fields, strongest and weakest units, one clear line for each
user mistake, and analysis files whose Parquet and CSV read back equal.

The commands run in this process (typer's CliRunner: stdout and stderr apart, exit status) so the
heavy imports are paid once; one test runs the real ``python -m servicechain.cli`` in a subprocess.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from servicechain.cli import app
from servicechain.demo.load import load_demo
from tests.conftest import fresh_store
from tests.test_scorecard import CONTRACT

DEMO = {"units": 12, "periods": 3, "customers_per_unit": 30, "seed": 5}
LATEST = "2026-Q3"


@pytest.fixture(scope="module")
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a DuckDB demo store, released so that the commands can open it."""
    with fresh_store(request, "duckdb", tmp_path_factory.mktemp("cli")) as store:
        load_demo(store, **DEMO)
        store.dispose()
        yield store.url


@pytest.fixture
def db(loaded: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no servicechain.toml from the working directory
    for name in [k for k in os.environ if k.startswith("SERVICECHAIN_")]:
        monkeypatch.delenv(name)
    return loaded


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, *args])


def ok(db: str, *args: str) -> str:
    done = run(db, *args)
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    assert done.exception is None or isinstance(done.exception, SystemExit)
    return done.stdout


def records(text: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(text))


# --- the table on screen ----------------------------------------------------------------------------


def test_terminal_table_in_english_and_dutch(db: str) -> None:
    english = ok(db, "scorecard", "--lang", "en", "--measure", "engagement_index", "--measure", "ce_index")
    assert f"Scorecard {LATEST}" in english
    for text in (
        "unit",
        "Engagement index",
        "Customer engagement (CE index)",
        "Winkelketen Nederland (NL)",
        "n=",
    ):
        assert text in english, text
    assert "Scorekaart" not in english and "eenheid" not in english
    dutch = ok(db, "scorecard", "--lang", "nl", "--measure", "engagement_index", "--measure", "ce_index")
    for text in (f"Scorekaart {LATEST}", "eenheid", "Betrokkenheid (index)", "Klantbetrokkenheid (CE-index)"):
        assert text in dutch, text
    assert "Engagement index" not in dutch
    assert "," in dutch.split("(NL)")[1].splitlines()[0]  # decimal comma on the company's row


def test_terminal_table_marks_hidden_groups_without_numbers(db: str) -> None:
    teams = ok(db, "scorecard", "--lang", "en", "--level", "team", "--measure", "engagement_index")
    hidden = [line for line in teams.splitlines() if "fewer than the minimum group" in line]
    assert hidden, teams
    for line in hidden:
        assert "—" in line and "n=" not in line
    dutch = ok(db, "scorecard", "--lang", "nl", "--level", "team", "--measure", "engagement_index")
    assert "te weinig respondenten" in dutch


def test_default_measures_and_period_on_screen(db: str) -> None:
    screen = ok(db, "scorecard", "--lang", "en")
    assert f"Scorecard {LATEST}" in screen and "2026-Q2" not in screen
    for label in ("Engagement index", "Net Promoter Score", "Customer engagement (CE"):
        assert label in screen, label


# --- JSON and CSV -----------------------------------------------------------------------------------


def test_json_has_the_contract_fields_and_every_measure(db: str) -> None:
    rows = json.loads(ok(db, "scorecard", "--json"))
    assert isinstance(rows, list) and len(rows) > 500
    assert list(rows[0])[: len(CONTRACT)] == CONTRACT
    frame = pd.DataFrame(rows)
    assert set(frame["period"]) == {LATEST}  # the latest period by default
    assert {"engagement_index", "ce_index", "nps", "satisfaction", "employee_respondents"} <= set(
        frame["measure"]
    )
    assert frame["suppressed"].isin([True, False]).all()
    hidden = frame[frame["suppressed"]]
    assert (
        len(hidden) and hidden[["n", "mean", "ci_low", "ci_high", "shrunk", "percentile"]].isna().all().all()
    )
    assert set(frame["flag"].dropna()) <= {"above", "within", "below"}
    every = records(ok(db, "scorecard", "--json", "--period", "all"))
    assert set(every["period"]) == {"2026-Q1", "2026-Q2", LATEST}


def test_csv_parses_and_equals_the_json(db: str) -> None:
    table = pd.read_csv(io.StringIO(ok(db, "scorecard", "--csv", "--unit", "NL", "--period", "2026-Q2")))
    assert list(table.columns[: len(CONTRACT)]) == CONTRACT
    assert set(table["period"]) == {"2026-Q2"}
    same = records(ok(db, "scorecard", "--json", "--unit", "NL", "--period", "2026-Q2"))
    assert list(table.columns) == list(same.columns) and len(table) == len(same)
    assert (table["unit_code"] == same["unit_code"]).all() and (table["measure"] == same["measure"]).all()
    for column in ("n", "mean", "ci_low", "ci_high", "shrunk", "percentile"):
        # JSON carries 10 decimals (pandas' default double_precision), CSV full precision
        np.testing.assert_allclose(
            table[column].astype(float),
            same[column].astype(float),
            rtol=1e-9,
            atol=1e-10,
            equal_nan=True,
            err_msg=column,
        )
    assert (table["suppressed"] == same["suppressed"]).all()


def test_measure_and_level_options_select_rows(db: str) -> None:
    rows = records(
        ok(
            db,
            "scorecard",
            "--json",
            "--level",
            "location",
            "--measure",
            "ce_index",
            "--measure",
            "engagement_index",
        )
    )
    assert set(rows["measure"]) == {"ce_index", "engagement_index"}
    assert set(rows["unit_code"].str[:2]) == {"L-"} and rows["unit_code"].nunique() == DEMO["units"]


# --- strongest and weakest --------------------------------------------------------------------------


def test_top_prints_the_strongest_and_the_weakest(db: str) -> None:
    options = ["scorecard", "--top", "3", "--measure", "ce_index", "--level", "location"]
    ranked = json.loads(ok(db, *options, "--json"))
    strongest, weakest = pd.DataFrame(ranked["strongest"]), pd.DataFrame(ranked["weakest"])
    assert len(strongest) == len(weakest) == 3
    for side in (strongest, weakest):
        assert set(side["measure"]) == {"ce_index"} and set(side["level"]) == {"location"}
        assert list(side.columns[: len(CONTRACT)]) == CONTRACT
    assert strongest["shrunk"].is_monotonic_decreasing and weakest["shrunk"].is_monotonic_increasing
    assert strongest["shrunk"].min() >= weakest["shrunk"].max()
    assert not set(strongest["unit_code"]) & set(weakest["unit_code"])
    screen = ok(db, *options, "--lang", "en")
    top, bottom = screen.split("Weakest 3")
    assert "Strongest 3: Customer engagement (CE index)" in top
    assert all(f"({code})" in top for code in strongest["unit_code"])
    assert all(f"({code})" in bottom for code in weakest["unit_code"])
    assert not any(f"({code})" in top for code in weakest["unit_code"])
    dutch = ok(db, *options, "--lang", "nl")
    assert "Sterkste 3: Klantbetrokkenheid (CE-index)" in dutch and "Zwakste 3" in dutch


# --- user mistakes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--measure", "happiness"], "error: unknown measure 'happiness'; choose from "),
        (["--unit", "L-NOWHERE"], "error: unknown unit 'L-NOWHERE'"),
        (
            ["--level", "store"],
            "error: unknown level 'store'; the organisation has company, region, location, team",
        ),
        (["--period", "2019-Q1"], "error: no results for period '2019-Q1'; periods with results: "),
        (["--json", "--csv"], "error: choose one of --json and --csv"),
        (["--lang", "de"], "error: --lang: choose nl or en, not 'de'"),
    ],
    ids=["measure", "unit", "level", "period", "json-and-csv", "lang"],
)
def test_a_mistake_is_one_line_and_status_2(db: str, args: list[str], message: str) -> None:
    done = run(db, "scorecard", *args)
    assert done.exit_code == 2, (done.stdout, done.stderr, done.exception)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(message), lines[0]
    assert done.stdout.strip() == ""
    assert "Traceback" not in done.stderr


def test_the_real_command_refuses_a_mistake_in_one_line(tmp_path: Path) -> None:
    """The installed entry point in its own process: status 2, one line, no traceback. (A fresh store:
    the commands run in this process keep the demo's DuckDB file open.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    db = f"duckdb:///{tmp_path / 'fresh.duckdb'}"
    done = subprocess.run(
        [sys.executable, "-m", "servicechain.cli", "--db", db, "scorecard", "--json", "--csv"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == ["error: choose one of --json and --csv"]


# --- analyze ----------------------------------------------------------------------------------------


def same_table(parquet: pd.DataFrame, csv: pd.DataFrame, name: str) -> None:
    """Equal cell by cell: numbers to 1e-12 (NaN = NaN), booleans, and texts (missing = empty)."""
    assert list(parquet.columns) == list(csv.columns), name
    assert len(parquet) == len(csv), name
    for column in parquet.columns:
        left, right = parquet[column], csv[column]
        where = f"{name}.{column}"
        if pd.api.types.is_bool_dtype(left):
            assert right.astype(str).str.lower().tolist() == left.astype(str).str.lower().tolist(), where
        elif pd.api.types.is_numeric_dtype(left):
            np.testing.assert_allclose(
                left.astype(float), right.astype(float), rtol=1e-12, atol=0, equal_nan=True, err_msg=where
            )
        else:
            as_text = [None if pd.isna(v) else str(v) for v in left]
            back = [None if pd.isna(v) else str(v) for v in right]
            assert as_text == back, where


@pytest.fixture(scope="module")
def analysis(loaded: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``servicechain analyze --out`` into a folder that does not exist yet; (folder, what it printed)."""
    out = tmp_path_factory.mktemp("analyze") / "new" / "analysis"
    return out, ok(loaded, "analyze", "--out", str(out))


def test_analyze_writes_parquet_and_csv_that_read_back_equal(db: str, analysis: tuple[Path, str]) -> None:
    out, screen = analysis
    parquet = {path.stem: path for path in out.glob("*.parquet")}
    csv = {path.stem: path for path in out.glob("*.csv")}
    assert set(parquet) == set(csv)
    assert {"scorecard", "funnel", "peer_groups", "units"} <= set(parquet)
    for name in parquet:
        assert name in screen
        table = pd.read_parquet(parquet[name])
        assert len(table), name
        same_table(table, pd.read_csv(csv[name]), name)
    scorecard = pd.read_parquet(parquet["scorecard"])
    assert list(scorecard.columns[: len(CONTRACT)]) == CONTRACT
    every = records(ok(db, "scorecard", "--json", "--period", "all"))
    assert len(scorecard) == len(every)
    keys = ["unit_code", "period", "source", "measure"]
    both = scorecard.merge(every, on=keys, suffixes=("", "_cli"), validate="one_to_one")
    assert len(both) == len(every)
    np.testing.assert_allclose(
        both["shrunk"].astype(float), both["shrunk_cli"].astype(float), rtol=1e-9, atol=1e-10, equal_nan=True
    )  # JSON has 10 decimals


def test_analyze_funnel_limits_are_finite_or_missing(analysis: tuple[Path, str]) -> None:
    """Regression: rows with n == 0 (touchpoint_valued where nobody named an employee) had +/-inf limits."""
    out, _ = analysis
    funnel = pd.read_parquet(out / "funnel.parquet")
    limits = funnel[["alert_low", "alert_high", "alarm_low", "alarm_high"]].to_numpy(dtype=float)
    assert not np.isinf(limits).any(), funnel.loc[np.isinf(limits).any(axis=1), ["unit_code", "measure", "n"]]
