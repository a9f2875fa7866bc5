"""The demo's action plans (``servicechain demo``) on both engines: written by the demo managers on
their units' focus areas with a baseline in an earlier period, so the newest period judges them;
each verdict is what the scorecard's own rows say, one plan is overdue, and a second run adds none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import fresh_store
from web_support import DEMO

from servicechain.act.plans import catalogue, list_plans
from servicechain.analysis.snapshot import latest_snapshot, read_document, read_scorecard, refresh
from servicechain.demo.accounts import DOMAIN, demo_logins
from servicechain.demo.load import load_demo
from servicechain.demo.plans import demo_plans
from servicechain.settings import Settings
from servicechain.store import Store


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with fresh_store(request, request.param, tmp_path_factory.mktemp("demo-plans")) as store:
        load_demo(store, **DEMO)
        refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40))
        demo_logins(store)
        yield store


def expected_verdict(store: Store, plan: dict) -> str:  # type: ignore[type-arg]
    """What the scorecard rows say: the newest period after the baseline period against the baseline."""
    info = latest_snapshot(store)
    assert info is not None
    card = read_scorecard(store, info.id)
    rows = card[(card["unit_id"] == plan["unit_id"]) & (card["measure"] == plan["measure"])].sort_values(
        "period"
    )
    later = rows[rows["period"] > plan["baseline_period"]]
    if later.empty:
        return "not_measured"
    newest = later.iloc[-1]
    higher = catalogue(store)[plan["measure"]]["higher_is_better"]
    if newest["suppressed"]:
        return "suppressed"
    if newest["ci_low"] > plan["baseline"]:
        return "improved" if higher else "worse"
    if newest["ci_high"] < plan["baseline"]:
        return "worse" if higher else "improved"
    return "no_change"


def test_the_demo_plans_show_each_verdict_and_one_overdue(store: Store) -> None:
    made = demo_plans(store)
    assert made >= 4
    found = list_plans(store)  # what the executive's /plans shows: every open or running plan
    demo = [plan for plan in found if plan["created_by"].endswith("@" + DOMAIN)]
    assert len(demo) == made, "every demo plan is open or in progress, so the default list shows it"
    info = latest_snapshot(store)
    assert info is not None
    report = read_document(store, info.id, "report:nl") or {}
    focus = {(a["unit_code"], a["driver"]) for a in report["drivers"]["focus_areas"]}
    newest = read_scorecard(store, info.id)["period"].max()
    on_focus = sum((plan["unit_code"], plan["measure"]) in focus for plan in demo)
    assert on_focus >= 2, "the managers' units' real focus areas (another score only when none fits)"
    for plan in demo:
        assert plan["created_by"] in {f"vestiging@{DOMAIN}", f"regio@{DOMAIN}"}
        assert plan["baseline_period"] < newest, "a baseline from an earlier period"
        assert plan["result"]["verdict"] == expected_verdict(store, plan), plan
        assert plan["result"]["period"] == newest
    verdicts = {plan["result"]["verdict"] for plan in demo}
    assert {"improved", "worse", "no_change"} <= verdicts, verdicts
    overdue = [plan for plan in demo if plan["overdue"]]
    assert overdue and found[0]["overdue"], "overdue plans come first"
    assert all(plan["notes"] is None or plan["notes"][:4].isdigit() for plan in demo), "dated notes"

    assert demo_plans(store) == 0, "a second demo run adds none"
    again = [plan for plan in list_plans(store, status="all") if plan["created_by"].endswith("@" + DOMAIN)]
    assert len(again) == made
