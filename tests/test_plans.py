"""Action plans on the demo on both engines: the baseline read from the results, validation, scoping,
overdue first, the "did it work?" verdict against the scorecard's own numbers, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import fresh_store
from web_support import DEMO

from servicechain.accounts.audit import entries
from servicechain.act import plans
from servicechain.act.plans import (
    PlanNotFound,
    PlanRefused,
    Score,
    create_plan,
    list_plans,
    update_plan,
    verdict,
)
from servicechain.analysis.snapshot import latest_snapshot, read_scorecard, refresh
from servicechain.analysis.units import read_units
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import Store, schema

BY = "regio@example.nl"
DUE = date.today() + timedelta(days=60)


class Demo:
    """The demo store with its scorecard, a region with a location and a location of another region."""

    def __init__(self, store: Store) -> None:
        self.store = store
        info = latest_snapshot(store)
        assert info is not None
        self.scorecard = read_scorecard(store, info.id)
        units = read_units(store)
        regions = units[units["level"] == "region"].sort_values("unit_code")
        locations = units[units["level"] == "location"].sort_values("unit_code")
        self.region, other_region = regions.iloc[0], regions.iloc[1]
        self.location = locations[locations["parent_id"] == self.region["unit_id"]].iloc[0]
        self.other = locations[locations["parent_id"] == other_region["unit_id"]].iloc[0]
        self.units = units.set_index("unit_code", drop=False)
        self.path = str(self.region["path"])

    def rows(self, code: str, measure: str) -> pd.DataFrame:
        unit_id = int(self.units.loc[code, "unit_id"])
        found = self.scorecard[
            (self.scorecard["unit_id"] == unit_id) & (self.scorecard["measure"] == measure)
        ]
        return found.sort_values("period")

    def plan(self, code: str | None = None, measure: str = "ce_index", **more: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "title": "Koffie met het team",
            "owner_email": "eigenaar@example.nl",
            "target": 4.2,
            "due_on": DUE,
            "notes": None,
            "created_by": BY,
        } | more
        return create_plan(self.store, code or str(self.location["unit_code"]), measure=measure, **values)


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with fresh_store(request, request.param, tmp_path_factory.mktemp("plans")) as store:
        load_demo(store, **DEMO)
        refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40))
        yield Demo(store)


def test_the_baseline_is_the_newest_unsuppressed_value(demo: Demo) -> None:
    code = str(demo.location["unit_code"])
    plan = demo.plan(code, "ce_index", title="  Klanten bij naam begroeten  ")
    rows = demo.rows(code, "ce_index")
    newest = rows[~rows["suppressed"] & rows["mean"].notna()].iloc[-1]
    assert plan["baseline_period"] == newest["period"] and plan["baseline"] == pytest.approx(newest["mean"])
    assert plan["title"] == "Klanten bij naam begroeten" and plan["status"] == "open"
    assert plan["unit_code"] == code and plan["owner_email"] == "eigenaar@example.nl"
    assert plan["result"]["verdict"] == "not_measured", "no period after the newest yet"
    assert plan["overdue"] is False
    logged = entries(demo.store, action="plan_created", limit=5)
    assert any(f"plan {plan['id']} {code} ce_index" in str(entry["detail"]) for entry in logged)


def test_a_suppressed_newest_value_is_skipped_for_the_baseline(demo: Demo) -> None:
    employee = demo.scorecard[demo.scorecard["source"] == "employee"].sort_values("period")
    newest = employee["period"].max()
    late = employee[(employee["period"] == newest) & employee["suppressed"]]
    for _, row in late.iterrows():
        code = str(demo.units.set_index("unit_id").loc[row["unit_id"], "unit_code"])
        rows = demo.rows(code, str(row["measure"]))
        shown = rows[~rows["suppressed"] & rows["mean"].notna()]
        if shown.empty or demo.units.loc[code, "level"] == "company":
            continue
        plan = demo.plan(code, str(row["measure"]), target=4.0)
        assert plan["baseline_period"] == shown.iloc[-1]["period"] < newest
        assert plan["baseline"] == pytest.approx(shown.iloc[-1]["mean"])
        assert plan["result"]["verdict"] == "suppressed" and plan["result"]["mean"] is None
        return
    pytest.skip("the demo has no group suppressed in the newest period after being shown before")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"measure": "no_such_measure"}, plans.UNKNOWN_MEASURE),
        ({"owner_email": "not an address"}, plans.BAD_OWNER),
        ({"target": 9.5}, plans.BAD_TARGET),
        ({"target": "veel"}, plans.BAD_TARGET),
        ({"title": "   "}, plans.EMPTY_TITLE),
        ({"title": "x" * 201}, plans.EMPTY_TITLE),
        ({"due_on": date.today() - timedelta(days=1)}, plans.BAD_DUE),
        ({"notes": "x" * 4001}, plans.LONG_NOTES),
        ({"unit": "X-NOPE"}, plans.UNKNOWN_UNIT),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(demo: Demo, change: dict[str, Any], message: str) -> None:
    before = len(list_plans(demo.store, status="all"))
    change = dict(change)
    unit = change.pop("unit", None)
    with pytest.raises(PlanRefused) as refused:
        demo.plan(unit, **change)
    assert refused.value.message == message
    assert len(list_plans(demo.store, status="all")) == before, "nothing stored"


def test_count_measures_are_refused(demo: Demo) -> None:
    counts = [key for key, entry in plans.catalogue(demo.store).items() if entry.get("kind") == "count"]
    assert counts, "the catalogue has count measures"
    with pytest.raises(PlanRefused) as refused:
        demo.plan(measure=counts[0])
    assert refused.value.message == plans.COUNT_MEASURE


def test_a_manager_neither_sees_nor_changes_another_regions_plan(demo: Demo) -> None:
    mine = demo.plan()
    theirs = demo.plan(str(demo.other["unit_code"]))
    listed = {plan["id"] for plan in list_plans(demo.store, path=demo.path, status="all")}
    assert mine["id"] in listed and theirs["id"] not in listed
    assert {mine["id"], theirs["id"]} <= {plan["id"] for plan in list_plans(demo.store, status="all")}
    with pytest.raises(PlanNotFound):
        update_plan(demo.store, theirs["id"], BY, status="done", path=demo.path)
    with pytest.raises(PlanNotFound):
        plans.get_plan(demo.store, theirs["id"], path=demo.path)
    assert plans.get_plan(demo.store, theirs["id"])["status"] == "open", "unchanged"
    with pytest.raises(PlanRefused) as refused:
        demo.plan(str(demo.other["unit_code"]), path=demo.path)
    assert refused.value.message == plans.UNKNOWN_UNIT
    with pytest.raises(PlanRefused):
        list_plans(demo.store, path=demo.path, unit_code=str(demo.other["unit_code"]))


def test_update_changes_status_notes_target_and_due_date_and_is_audited(demo: Demo) -> None:
    plan = demo.plan()
    changed = update_plan(
        demo.store,
        plan["id"],
        BY,
        status="in_progress",
        notes="Week 1: gestart",
        target=4.4,
        due_on=DUE + timedelta(days=7),
        path=demo.path,
    )
    assert (changed["status"], changed["notes"], changed["target"], changed["due_on"]) == (
        "in_progress",
        "Week 1: gestart",
        4.4,
        DUE + timedelta(days=7),
    )
    assert changed["baseline"] == plan["baseline"], "the baseline stays what it was"
    logged = [str(e["detail"]) for e in entries(demo.store, action="plan_updated", limit=20)]
    assert any(f"plan {plan['id']} " in line and "status=in_progress" in line for line in logged)
    with pytest.raises(PlanRefused) as refused:
        update_plan(demo.store, plan["id"], BY, status="finished")
    assert refused.value.message == plans.BAD_STATUS
    with pytest.raises(PlanNotFound):
        update_plan(demo.store, 987654321, BY, status="done")


def test_overdue_plans_come_first_longest_overdue_first(demo: Demo) -> None:
    code = str(demo.other["unit_code"])
    back = datetime(2020, 1, 1, 9, 0)
    late = demo.plan(code, title="late", due_on=date(2020, 3, 1), now=back)
    later = demo.plan(code, title="later", due_on=date(2020, 2, 1), now=back)
    done = demo.plan(code, title="done late", due_on=date(2020, 1, 15), now=back)
    update_plan(demo.store, done["id"], BY, status="done")
    soon = demo.plan(code, title="soon", due_on=date.today() + timedelta(days=1))
    found = list_plans(demo.store, status="all", unit_code=code)
    order = [plan["id"] for plan in found]
    assert order.index(later["id"]) < order.index(late["id"]) < order.index(soon["id"])
    assert order.index(late["id"]) < order.index(done["id"]), "done is never overdue"
    flags = {plan["id"]: plan["overdue"] for plan in found}
    assert flags[late["id"]] and flags[later["id"]] and not flags[done["id"]] and not flags[soon["id"]]
    overdue = list_plans(demo.store, status="all", unit_code=code, overdue_only=True)
    assert {plan["id"] for plan in overdue} >= {late["id"], later["id"]}
    assert all(plan["overdue"] for plan in overdue)
    assert done["id"] not in {plan["id"] for plan in list_plans(demo.store, unit_code=code)}, "active only"


def test_a_note_is_added_dated_and_signed_below_the_earlier_ones(demo: Demo) -> None:
    plan = demo.plan(notes="Plan gemaakt")
    first = update_plan(demo.store, plan["id"], BY, note="  Week 1: gestart  ", now=datetime(2030, 1, 6, 9))
    assert first["notes"] == f"Plan gemaakt\n2030-01-06 {BY}: Week 1: gestart"
    second = update_plan(
        demo.store, plan["id"], "Ander@Example.nl", note="Week 2", now=datetime(2030, 1, 13, 9)
    )
    assert second["notes"] == first["notes"] + "\n2030-01-13 ander@example.nl: Week 2", "earlier notes stay"
    assert update_plan(demo.store, plan["id"], BY, note="   ")["notes"] == second["notes"], (
        "an empty note adds none"
    )


def test_a_measure_hidden_for_anonymity_at_every_period_is_refused(demo: Demo) -> None:
    """A plan on it could never be judged; the form marks it, the domain refuses it."""
    info = latest_snapshot(demo.store)
    assert info is not None
    code, unit_id = str(demo.other["unit_code"]), int(demo.other["unit_id"])
    table = schema.result_scorecard
    where = sa.and_(table.c.snapshot_id == info.id, table.c.unit_id == unit_id, table.c.measure == "trust")
    with demo.store.engine.connect() as connection:
        before = connection.execute(sa.select(table.c.period, table.c.suppressed).where(where)).all()
    assert before
    with demo.store.transaction() as connection:
        connection.execute(table.update().where(where).values(suppressed=True))
    try:
        with pytest.raises(PlanRefused) as refused:
            demo.plan(code, "trust", target=4.0)
        assert refused.value.message == plans.HIDDEN_MEASURE and refused.value.values == {"code": code}
    finally:
        with demo.store.transaction() as connection:
            for period, suppressed in before:
                connection.execute(
                    table.update().where(where, table.c.period == period).values(suppressed=suppressed)
                )
    assert demo.plan(code, "trust", target=4.0)["baseline"] is not None


def test_the_baseline_may_be_read_from_an_earlier_period_for_the_demo(demo: Demo) -> None:
    code = str(demo.location["unit_code"])
    rows = demo.rows(code, "ce_index")
    shown = rows[~rows["suppressed"] & rows["mean"].notna()]
    early = shown.iloc[0]
    plan = demo.plan(code, "ce_index", baseline_period=str(early["period"]), now=datetime(2020, 1, 1, 9),
                     due_on=date(2020, 3, 1))  # fmt: skip
    assert plan["baseline_period"] == early["period"] and plan["baseline"] == pytest.approx(early["mean"])
    assert plan["result"]["period"] == rows.iloc[-1]["period"], "judged by the newest period"
    assert plans.get_plan(demo.store, plan["id"])["overdue"], "due in 2020: overdue today"


def _backdate(store: Store, plan_id: int, period: str, baseline: float) -> None:
    """As if the plan had been made when ``period`` was the newest period."""
    table = schema.action_plan
    with store.transaction() as connection:
        connection.execute(
            table.update().where(table.c.id == plan_id).values(baseline_period=period, baseline=baseline)
        )


def test_the_verdict_on_demo_data_follows_the_scorecards_numbers(demo: Demo) -> None:
    """Plans made in the first period of the demo, for every location and key measure: each verdict
    is what the newest period's 95% interval says about the first period's value."""
    catalogue = plans.catalogue(demo.store)
    locations = demo.units[demo.units["level"] == "location"]["unit_code"]
    seen: dict[str, int] = {}
    for code in locations:
        for measure in ("ce_index", "engagement_index", "touchpoint_satisfaction", "nps"):
            rows = demo.rows(str(code), measure)
            first = rows.iloc[0]
            if first["suppressed"] or pd.isna(first["mean"]):
                continue
            plan = demo.plan(str(code), measure, target=float(first["mean"]))
            _backdate(demo.store, plan["id"], str(first["period"]), float(first["mean"]))
            result = plans.get_plan(demo.store, plan["id"])["result"]
            newest = rows.iloc[-1]
            assert result["period"] == newest["period"]
            higher = catalogue[measure]["higher_is_better"]
            if newest["suppressed"]:
                expected = "suppressed"
            elif newest["ci_low"] > first["mean"]:
                expected = "improved" if higher else "worse"
            elif newest["ci_high"] < first["mean"]:
                expected = "worse" if higher else "improved"
            else:
                expected = "no_change"
            assert result["verdict"] == expected, (code, measure, dict(newest), first["mean"])
            if expected != "suppressed":
                assert result["mean"] == pytest.approx(newest["mean"])
                assert (result["ci_low"], result["ci_high"]) == pytest.approx(
                    (newest["ci_low"], newest["ci_high"])
                )
                assert result["change"] == pytest.approx(newest["mean"] - first["mean"])
            seen[expected] = seen.get(expected, 0) + 1
    assert sum(seen.values()) >= 10
    assert seen.get("no_change", 0) and (seen.get("improved", 0) or seen.get("worse", 0)), seen


def _scores(*values: tuple[str, float | None, float | None, float | None, bool]) -> list[Score]:
    return [Score(period, 30, mean, low, high, hidden) for period, mean, low, high, hidden in values]


def test_the_verdict_compares_the_new_interval_with_the_baseline() -> None:
    series = _scores(("2025-Q1", 3.5, 3.3, 3.7, False), ("2025-Q2", 3.9, 3.7, 4.1, False))
    assert verdict(3.5, "2025-Q1", series)["verdict"] == "improved"
    assert verdict(3.5, "2025-Q1", series)["basis"] == "interval_above"
    assert verdict(3.5, "2025-Q1", series, higher_is_better=False)["verdict"] == "worse"
    assert verdict(4.2, "2025-Q1", series)["verdict"] == "worse"
    assert verdict(3.8, "2025-Q1", series)["verdict"] == "no_change"
    assert verdict(3.7, "2025-Q1", series)["basis"] == "interval_straddles", (
        "an interval touching it: no change"
    )
    assert verdict(3.5, "2025-Q2", series)["verdict"] == "not_measured"
    assert verdict(None, None, series)["verdict"] == "no_baseline"
    hidden = _scores(("2025-Q1", 3.5, 3.3, 3.7, False), ("2025-Q2", None, None, None, True))
    assert verdict(3.5, "2025-Q1", hidden) | {} == verdict(3.5, "2025-Q1", hidden)
    assert verdict(3.5, "2025-Q1", hidden)["verdict"] == "suppressed"
    assert verdict(3.5, "2025-Q1", hidden)["mean"] is None


def test_the_cli_adds_and_lists_plans(demo: Demo, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = demo.store.url
    code = str(demo.location["unit_code"])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        demo.store.engine.dispose()  # DuckDB: let the command open the file
        return subprocess.run(
            [sys.executable, "-m", "servicechain.cli", "plans", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    added = run(
        "add",
        "--unit",
        code,
        "--measure",
        "ce_index",
        "--target",
        "4.3",
        "--due",
        DUE.isoformat(),
        "--owner",
        "cli@example.nl",
        "--title",
        "Vaste gezichten op zaterdag",
    )
    assert added.returncode == 0, added.stderr
    assert f"for {code}: ce_index baseline" in added.stdout
    plan_id = int(added.stdout.split()[1])
    listed = run("list", "--unit", code, "--json")
    assert listed.returncode == 0, listed.stderr
    items = [json.loads(line) for line in listed.stdout.splitlines()]
    mine = next(item for item in items if item["id"] == plan_id)
    assert mine["owner_email"] == "cli@example.nl" and mine["result"]["verdict"] == "not_measured"
    assert all(item["unit_code"] == code for item in items)
    bad = run(
        "add",
        "--unit",
        code,
        "--measure",
        "nope",
        "--target",
        "4",
        "--due",
        DUE.isoformat(),
        "--owner",
        "cli@example.nl",
        "--title",
        "x",
    )
    assert bad.returncode != 0 and "nope is not a measure of the scorecard" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr
    assert run("update", str(plan_id), "--note", "Week 1 gestart").returncode == 0
    assert run("update", str(plan_id), "--status", "done").returncode == 0
    table = run("list", "--status", "done")
    assert table.returncode == 0 and "Action plans" in table.stdout and f"│ {plan_id} " in table.stdout
    done = [json.loads(line) for line in run("list", "--status", "done", "--json").stdout.splitlines()]
    assert [item["title"] for item in done if item["id"] == plan_id] == ["Vaste gezichten op zaterdag"]
    noted = next(item for item in done if item["id"] == plan_id)["notes"]
    assert noted.endswith(": Week 1 gestart") and noted.startswith(date.today().isoformat())
    overdue = run("list", "--overdue", "--json")
    assert plan_id not in {json.loads(line)["id"] for line in overdue.stdout.splitlines()}
    with demo.store.engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(schema.action_plan)).scalar_one()
    assert count >= 1
