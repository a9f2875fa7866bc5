"""Employee privacy in every output of the scorecard: the library, ``servicechain scorecard --json/--csv``
and the files of ``servicechain analyze --out``; the subtraction rule on a hand-made organisation; random
organisations (hypothesis) checked by brute force; a wave's threshold fixed at import.

"No number" means: on a row about an employee group that may not be shown, every numeric cell is
missing; only the identity of the row (unit, period, measure, labels) and the explicit marker
(``suppressed`` True with its reason, ``alarm`` False) remain.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from servicechain.analysis.scorecard import build_scorecard
from servicechain.cli import app
from servicechain.demo.load import load_demo
from servicechain.ingest.pipeline import import_file
from servicechain.instruments import load_default_instruments
from servicechain.settings import Settings, get_settings
from servicechain.store import Store, open_store
from servicechain.store.bulk import read_frame
from tests.conftest import fresh_store
from tests.test_anonymity import small_derivable_group

DEMO = {"units": 12, "periods": 3, "customers_per_unit": 10, "seed": 5}
THRESHOLD = 5
PERIODS = ("2026-Q1", "2026-Q2", "2026-Q3")
NUMBERS = ["n", "mean", "ci_low", "ci_high", "shrunk", "percentile", "sd", "se"]
MARKERS = {"suppressed", "suppressed_reason", "alarm"}
"""Columns allowed to hold a value on a hidden row (the explicit marker) besides identity and labels."""
IDENTITY = {
    "unit_code",
    "unit_name",
    "unit_id",
    "level",
    "depth",
    "period",
    "source",
    "measure",
    "kind",
    "label_nl",
    "label_en",
    "dimension",
    "parent_code",
    "path",
}
ITEMS = load_default_instruments()["employee"].item_keys


@dataclass
class Demo:
    engine: str
    store: Store
    card: pd.DataFrame
    small: pd.DataFrame
    """``unit_code, period, respondents`` of every unit with 1..4 employee responses in its subtree."""


def query(store: Store, sql: str) -> pd.DataFrame:
    with store.engine.connect() as connection:
        return read_frame(connection, sql)


def respondents_by_unit(store: Store) -> pd.DataFrame:
    """Raw employee responses per unit (its whole subtree) and period, from the stored rows."""
    units = query(store, "SELECT code, path FROM org_unit")
    rows = query(
        store,
        """
        SELECT w.period, u.path FROM employee_response r
        JOIN survey_wave w ON w.id = r.wave_id JOIN org_unit u ON u.id = r.unit_id
    """,
    )
    counts = [
        {"unit_code": code, "period": period, "respondents": int(group["path"].str.startswith(path).sum())}
        for code, path in zip(units["code"], units["path"], strict=True)
        for period, group in rows.groupby("period")
    ]
    return pd.DataFrame(counts)


def _demo(request: pytest.FixtureRequest, engine: str, folder: Path) -> Iterator[Demo]:
    with fresh_store(request, engine, folder) as store:
        load_demo(store, **DEMO)
        counts = respondents_by_unit(store)
        small = counts[(counts["respondents"] > 0) & (counts["respondents"] < THRESHOLD)]
        yield Demo(engine, store, build_scorecard(store), small.reset_index(drop=True))


@pytest.fixture(scope="module")
def duck(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from _demo(request, "duckdb", tmp_path_factory.mktemp("duck"))


@pytest.fixture(scope="module")
def pg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from _demo(request, "postgresql", tmp_path_factory.mktemp("pg"))


@pytest.fixture(params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest) -> Demo:
    return request.getfixturevalue({"duckdb": "duck", "postgresql": "pg"}[request.param])


def about_small_employee_groups(frame: pd.DataFrame, small: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` about an employee measure of a unit and period in ``small``."""
    rows = frame
    if "source" in frame.columns:
        rows = rows[rows["source"] == "employee"]
    keys = small[["unit_code", "period"]].drop_duplicates()
    return rows.merge(keys, on=["unit_code", "period"], how="inner")


def assert_no_numbers(rows: pd.DataFrame, where: str) -> None:
    """Nothing but identity, labels and the suppressed marker on these rows."""
    for column in rows.columns:
        if column in IDENTITY:
            continue
        values = rows[column]
        if column == "suppressed":
            assert values.astype(bool).all(), f"{where}: a small group is not marked suppressed"
        elif column == "alarm":
            assert not values.fillna(False).astype(bool).any(), f"{where}: alarm on a hidden group"
        elif column == "suppressed_reason":
            assert values.isin(["too_few", "subtraction", "no_responses"]).all(), where
        else:
            shown = rows.loc[values.notna() & (values.astype(str) != ""), ["unit_code", "period", column]]
            assert shown.empty, f"{where}: {column} shown for a small employee group:\n{shown.head()}"


# --- the demo ---------------------------------------------------------------------------------------


def test_the_demo_has_small_employee_groups(demo: Demo) -> None:
    assert len(demo.small) >= 5
    assert set(demo.small["period"]) == set(PERIODS)


def test_shown_employee_rows_meet_the_threshold_and_hidden_rows_carry_no_numbers(demo: Demo) -> None:
    employee = demo.card[demo.card["source"] == "employee"]
    shown, hidden = employee[~employee["suppressed"]], employee[employee["suppressed"]]
    assert len(shown) > 100 and len(hidden) > 100
    assert (shown["n"] >= THRESHOLD).all(), shown.loc[shown["n"] < THRESHOLD, ["unit_code", "measure", "n"]]
    assert hidden[[*NUMBERS, "flag"]].isna().all().all()
    assert not hidden["alarm"].any()
    assert set(hidden["suppressed_reason"]) <= {"too_few", "subtraction", "no_responses"}
    assert {"too_few", "subtraction"} <= set(hidden["suppressed_reason"])
    assert shown["suppressed_reason"].isna().all()
    others = demo.card[demo.card["source"] != "employee"]
    assert not others["suppressed"].any()  # customers are not protected by this rule
    assert_no_numbers(about_small_employee_groups(demo.card, demo.small), f"{demo.engine} scorecard")


FILTERS = [
    {"level": "team"},
    {"level": "location", "period": "2026-Q2"},
    {"period": "2026-Q1"},
    {"unit": "small-team"},
    {"unit": "small-team's location", "level": "team"},
    {"unit": "small-team's region", "period": "small-period"},
    {"unit": "NL", "level": "team", "period": "small-period"},
]


def resolve(spec: dict[str, str], demo: Demo) -> dict[str, str]:
    """Fill in a small team of the demo, its location, its region and the period it is small in."""
    teams = demo.small[demo.small["unit_code"].str.startswith("T-")]
    team, period = teams.iloc[0]["unit_code"], teams.iloc[0]["period"]
    units = query(
        demo.store, "SELECT u.code, p.code AS parent FROM org_unit u JOIN org_unit p ON p.id = u.parent_id"
    )
    parent = dict(zip(units["code"], units["parent"], strict=True))
    names = {
        "small-team": team,
        "small-team's location": parent[team],
        "small-team's region": parent[parent[team]],
        "small-period": period,
    }
    return {key: names.get(value, value) for key, value in spec.items()}


@pytest.mark.parametrize("spec", FILTERS, ids=lambda spec: "-".join(f"{k}={v}" for k, v in spec.items()))
def test_no_filter_reveals_a_small_employee_group(demo: Demo, spec: dict[str, str]) -> None:
    options = resolve(spec, demo)
    part = build_scorecard(demo.store, **options)  # type: ignore[arg-type]
    assert len(part)
    where = f"{demo.engine} build_scorecard({options})"
    assert_no_numbers(about_small_employee_groups(part, demo.small), where)
    employee = part[(part["source"] == "employee") & ~part["suppressed"]]
    assert (employee["n"] >= THRESHOLD).all(), where
    # decided on the whole organisation: the filtered rows are the full scorecard's rows
    keys = ["unit_code", "period", "source", "measure"]
    both = part.merge(demo.card, on=keys, suffixes=("", "_all"), validate="one_to_one")
    assert len(both) == len(part)
    assert (both["suppressed"] == both["suppressed_all"]).all(), where
    assert (both["n"].fillna(-1) == both["n_all"].fillna(-1)).all(), where


# --- command line and files -------------------------------------------------------------------------


def cli(*args: str) -> Result:
    """``servicechain ARGS`` in this process (the module is loaded once; tests/test_cli.py covers the
    real subprocess); it must succeed."""
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, (done.stdout, done.stderr, done.exception)
    return done


@pytest.fixture
def released(demo: Demo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Demo:
    """The demo with its connections closed, so the command can open the DuckDB file itself."""
    demo.store.dispose()
    monkeypatch.chdir(tmp_path)  # no servicechain.toml from the working directory
    for name in [k for k in os.environ if k.startswith("SERVICECHAIN_")]:
        monkeypatch.delenv(name)
    return demo


def test_cli_json_and_csv_show_no_small_employee_group(released: Demo) -> None:
    demo = released
    json_rows = pd.DataFrame(
        json.loads(cli("--db", demo.store.url, "scorecard", "--period", "all", "--json").stdout)
    )
    csv_rows = pd.read_csv(
        io.StringIO(
            cli("--db", demo.store.url, "scorecard", "--level", "team", "--period", "all", "--csv").stdout
        )
    )
    for name, rows in (("--json", json_rows), ("--csv --level team", csv_rows)):
        assert {"unit_code", "period", "measure", "n", "suppressed", "source"} <= set(rows.columns), name
        employee = rows[rows["source"] == "employee"]
        assert employee["measure"].nunique() > 10, name  # files get every measure
        assert (employee.loc[~employee["suppressed"].astype(bool), "n"] >= THRESHOLD).all(), name
        small = about_small_employee_groups(rows, demo.small)
        assert len(small) > 10, name
        assert_no_numbers(small, f"{demo.engine} scorecard {name}")
    assert len(json_rows) == len(demo.card)


def test_analyze_files_show_no_small_employee_group(released: Demo, tmp_path: Path) -> None:
    demo = released
    cli("--db", demo.store.url, "analyze", "--out", str(tmp_path / "out"))
    files = sorted((tmp_path / "out").glob("*.parquet"))
    assert {"scorecard.parquet", "funnel.parquet", "agreement.parquet"} <= {f.name for f in files}
    checked = []
    for path in files:
        table = pd.read_parquet(path)
        if "source" in table.columns:
            assert set(table["source"]) <= {"employee", "customer", "touchpoint"}, path.name
        if not {"unit_code", "period"} <= set(table.columns):
            continue  # not about one unit (peer groups, company reliability, the organisation)
        small = about_small_employee_groups(table, demo.small)
        assert_no_numbers(small, f"{demo.engine} {path.name}")
        if "n" in table.columns:
            employee = table if "source" not in table.columns else table[table["source"] == "employee"]
            shown = employee[~employee["suppressed"].astype(bool)]
            assert (shown["n"].dropna() >= THRESHOLD).all(), path.name
        checked.append((path.name, len(small)))
    assert {name for name, rows in checked if rows} >= {
        "scorecard.parquet",
        "funnel.parquet",
        "agreement.parquet",
    }


# --- subtraction on a hand-made organisation ----------------------------------------------------------


def employee_responses(counts: dict[str, int], wave: str, seed: int = 0) -> pd.DataFrame:
    """``counts[unit]`` anonymous responses per unit with random 1..5 answers (eNPS 0..10)."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit, count in counts.items():
        for i in range(count):
            answers = {
                key: int(rng.integers(0, 11)) if key == "enps" else int(rng.integers(1, 6)) for key in ITEMS
            }
            rows.append(
                {
                    "response_id": f"{wave}-{unit}-{i}",
                    "wave": wave,
                    "unit_code": unit,
                    "submitted_at": "2026-08-20T10:00:00",
                    **answers,
                }
            )
    return pd.DataFrame(rows, columns=["response_id", "wave", "unit_code", "submitted_at", *ITEMS])


def import_frames(store: Store, folder: Path, units: pd.DataFrame, responses: pd.DataFrame, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if len(units):
        units.to_csv(folder / f"units-{tag}.csv", index=False)
        import_file(store, "units", folder / f"units-{tag}.csv")
    if len(responses):
        responses.to_csv(folder / f"employee-responses-{tag}.csv", index=False)
        import_file(store, "employee-responses", folder / f"employee-responses-{tag}.csv")


def units_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"unit_code": c, "name": f"Unit {c}", "kind": k, "parent_code": p} for c, k, p in rows]
    )


def card_of(store: Store, **options: object) -> pd.DataFrame:
    card = build_scorecard(store, sources=("employee",), **options)  # type: ignore[arg-type]
    return card


def test_a_store_with_two_direct_answers_hides_one_of_its_two_teams(store: Store, tmp_path: Path) -> None:
    units = units_frame(
        [("NL", "company", ""), ("L-S", "location", "NL"), ("T-S-1", "team", "L-S"), ("T-S-2", "team", "L-S")]
    )
    import_frames(
        store, tmp_path, units, employee_responses({"L-S": 2, "T-S-1": 9, "T-S-2": 9}, "MW-2026-Q3"), "x"
    )
    card = card_of(store)
    for measure, rows in card.groupby("measure"):
        by_unit = rows.set_index("unit_code")
        assert by_unit.loc["L-S", "n"] == 20 and not by_unit.loc["L-S", "suppressed"], measure
        teams = by_unit.loc[["T-S-1", "T-S-2"]]
        assert teams["suppressed"].sum() == 1, measure
        hidden = teams[teams["suppressed"]]
        assert hidden["suppressed_reason"].tolist() == ["subtraction"], measure
        assert hidden[NUMBERS].isna().all().all()
        assert teams.loc[~teams["suppressed"], "n"].tolist() == [9], measure
    # store minus the shown team is 11 answers: the 2 direct answers cannot be isolated
    parent = {1: None, 2: 1, 3: 2, 4: 2}
    codes = {"NL": 1, "L-S": 2, "T-S-1": 3, "T-S-2": 4}
    rows = card[card["measure"] == "engagement_index"]
    reasons = {
        codes[c]: (r if s else None)
        for c, s, r in zip(rows["unit_code"], rows["suppressed"], rows["suppressed_reason"], strict=True)
    }
    assert not small_derivable_group(parent, {2: 2, 3: 9, 4: 9}, reasons, THRESHOLD, np.random.default_rng(0))


# --- a wave's threshold is fixed when it is first imported ---------------------------------------------


@contextmanager
def threshold_at_import(threshold: int) -> Iterator[None]:
    """The installation's setting while importing (new waves take it and keep it)."""
    name, before = "SERVICECHAIN_ANONYMITY_THRESHOLD", os.environ.get("SERVICECHAIN_ANONYMITY_THRESHOLD")
    os.environ[name] = str(threshold)
    get_settings.cache_clear()
    try:
        assert get_settings().anonymity_threshold == threshold
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
        get_settings.cache_clear()


def test_a_waves_threshold_fixed_at_import_wins_over_a_later_setting(store: Store, tmp_path: Path) -> None:
    units = units_frame(
        [
            ("NL", "company", ""),
            ("L-A", "location", "NL"),
            ("L-B", "location", "NL"),
            ("L-C", "location", "NL"),
        ]
    )
    counts = {"L-A": 6, "L-B": 7, "L-C": 20}
    with threshold_at_import(7):
        import_frames(store, tmp_path, units, employee_responses(counts, "MW-2026-Q2"), "q2")
    with threshold_at_import(5):
        import_frames(store, tmp_path, units.iloc[:0], employee_responses(counts, "MW-2026-Q3", 1), "q3")
    waves = query(store, "SELECT code, anonymity_threshold FROM survey_wave")
    assert dict(zip(waves["code"], waves["anonymity_threshold"], strict=True)) == {
        "MW-2026-Q2": 7,
        "MW-2026-Q3": 5,
    }

    def reasons(card: pd.DataFrame, period: str) -> dict[str, str | None]:
        rows = card[(card["period"] == period) & (card["measure"] == "engagement_index")]
        return dict(zip(rows["unit_code"], rows["suppressed_reason"], strict=True))

    later_five = card_of(store, settings=Settings(anonymity_threshold=5))
    # Q2 keeps 7: L-A (6) too few; NL - L-B - L-C = 6 < 7, so L-B (the smaller) goes for subtraction
    assert reasons(later_five, "2026-Q2") == {"NL": None, "L-A": "too_few", "L-B": "subtraction", "L-C": None}
    assert reasons(later_five, "2026-Q3") == {"NL": None, "L-A": None, "L-B": None, "L-C": None}
    later_seven = card_of(store, settings=Settings(anonymity_threshold=7))
    assert reasons(later_seven, "2026-Q2") == reasons(later_five, "2026-Q2")
    assert reasons(later_seven, "2026-Q3") == reasons(later_five, "2026-Q3")  # Q3 was opened with 5
    hidden = later_five[later_five["suppressed"]]
    assert len(hidden) and hidden[NUMBERS].isna().all().all()


# --- random organisations ----------------------------------------------------------------------------


@st.composite
def organisations(draw: st.DrawFn) -> dict[str, object]:
    """company > 1-3 regions > 1-3 stores > 0-2 teams; 0..12 responses per unit and wave; filters."""
    tree: list[tuple[str, str, str]] = [("C", "company", "")]
    for r in range(draw(st.integers(1, 3))):
        tree.append((f"R{r}", "region", "C"))
        for s in range(draw(st.integers(1, 3))):
            tree.append((f"S{r}{s}", "location", f"R{r}"))
            tree.extend((f"T{r}{s}{t}", "team", f"S{r}{s}") for t in range(draw(st.integers(0, 2))))
    periods = draw(st.lists(st.sampled_from(["2026-Q2", "2026-Q3"]), min_size=1, max_size=2, unique=True))
    counts = {p: {code: draw(st.integers(0, 12)) for code, _, _ in tree} for p in periods}
    answered = [p for p in periods if sum(counts[p].values())]
    levels = sorted({kind for _, kind, _ in tree})
    return {
        "tree": tree,
        "counts": counts,
        "threshold": draw(st.integers(3, 10)),
        "later": draw(st.integers(3, 10)),
        "unit": draw(st.none() | st.sampled_from([code for code, _, _ in tree])),
        "level": draw(st.none() | st.sampled_from(levels)),
        "period": draw(st.none() | st.sampled_from(answered)) if answered else None,
        "seed": draw(st.integers(0, 2**16)),
    }


@pytest.mark.slow
@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(org=organisations())
def test_random_organisations_never_show_or_reveal_a_small_group(
    org: dict, tmp_path_factory: pytest.TempPathFactory, duckdb_template: Path
) -> None:
    """DuckDB only (the decisions are engine-independent pandas code; the engines' sums are equal)."""
    folder = tmp_path_factory.mktemp("org")
    shutil.copy(duckdb_template, folder / "store.duckdb")
    store = open_store(f"duckdb:///{folder / 'store.duckdb'}")
    try:
        tree, counts, threshold = org["tree"], org["counts"], org["threshold"]
        responses = pd.concat(
            [employee_responses(c, f"MW-{p}", org["seed"] + i) for i, (p, c) in enumerate(counts.items())]
        )
        with threshold_at_import(threshold):
            import_frames(store, folder, units_frame(tree), responses, "random")
        settings = Settings(anonymity_threshold=org["later"])
        full = card_of(store, settings=settings)
        options = {k: org[k] for k in ("unit", "level", "period") if org[k] is not None}
        part = card_of(store, settings=settings, **options)
    finally:
        store.dispose()
    ids = {code: i for i, (code, _, _) in enumerate(tree)}
    parent = {ids[code]: (ids[up] if up else None) for code, _, up in tree}
    for frame, where in ((full, "whole organisation"), (part, f"filtered {options}")):
        shown = frame[~frame["suppressed"]]
        assert (shown["n"] >= threshold).all(), (where, shown.loc[shown["n"] < threshold, ["unit_code", "n"]])
        assert frame.loc[frame["suppressed"], NUMBERS].isna().all().all(), where
    if "unit" in options:
        below = {c for c in ids if _is_below(c, options["unit"], parent, ids)}
        assert set(part["unit_code"]) <= below
    if "level" in options:
        assert set(part["level"]) <= {options["level"]}
    if "period" in options:
        assert set(part["period"]) <= {options["period"]}
    for reason in sorted(set(full["suppressed_reason"].dropna())):
        event(f"suppressed: {reason}")
    keys = ["unit_code", "period", "measure"]
    merged = part.merge(full, on=keys, suffixes=("", "_all"), validate="one_to_one")
    assert len(merged) == len(part) and (merged["suppressed"] == merged["suppressed_all"]).all()
    # brute force: no {-1, 0, 1} combination of the shown groups of a measure isolates 1..t-1 answers
    rng = np.random.default_rng(0)
    checked = set()
    for (period, _), rows in full.groupby(["period", "measure"]):
        direct = {ids[code]: count for code, count in counts[period].items()}
        reasons = {unit: "absent" for unit in parent}
        reasons.update(
            {
                ids[c]: (r if s else None)
                for c, s, r in zip(
                    rows["unit_code"], rows["suppressed"], rows["suppressed_reason"], strict=True
                )
            }
        )
        shown = rows[~rows["suppressed"] & (rows["kind"] != "ratio")]
        rollup = {code: sum(direct[u] for u in parent if _is_below_id(u, ids[code], parent)) for code in ids}
        assert (shown["n"] == shown["unit_code"].map(rollup)).all()  # every item answered: n = respondents
        key = (period, frozenset(u for u, r in reasons.items() if r is None))
        if key in checked:
            continue
        checked.add(key)
        assert not small_derivable_group(parent, direct, reasons, threshold, rng), (period, reasons, direct)


def _is_below_id(unit: int, ancestor: int, parent: dict[int, int | None]) -> bool:
    node: int | None = unit
    while node is not None:
        if node == ancestor:
            return True
        node = parent[node]
    return False


def _is_below(code: str, ancestor: str, parent: dict[int, int | None], ids: dict[str, int]) -> bool:
    return _is_below_id(ids[code], ids[ancestor], parent)
