"""Finalising a period for HR on the demo, on DuckDB and PostgreSQL: the frozen record equals the
evaluation it froze, a later change of the data leaves it as it was and shows the live outcome beside
it, a running period and a second finalise are refused, a replacement is audited with what changed,
and the CLI finalises and says so."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import fresh_store

from servicechain.accounts.audit import entries
from servicechain.act import incentive_decisions as decisions
from servicechain.act.incentive_rules import load_rules
from servicechain.act.incentive_texts import EXPORT_COLUMNS, explain, to_csv
from servicechain.act.incentives import IncentiveRefused, evaluate
from servicechain.analysis.snapshot import refresh
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import Store, schema
from servicechain.web.i18n import translator

DEMO = {"units": 12, "periods": 4, "customers_per_unit": 40, "seed": 5}
RULES = load_rules()
ANALYST = "analist@example.nl"


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with fresh_store(request, request.param, tmp_path_factory.mktemp("decisions")) as store:
        load_demo(store, **DEMO)  # type: ignore[arg-type]
        refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40))
        yield store


def _refresh(store: Store) -> None:
    refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40))


def test_finalise_freezes_every_units_verdict_and_a_change_shows_beside_it(demo: Store) -> None:
    promotion = RULES[0]
    live = evaluate(demo, promotion)
    period = live.period
    assert decisions.finalised(demo, promotion.key, period) is None
    before = {rule.key: evaluate(demo, rule, period) for rule in RULES}
    done = decisions.finalise(demo, period, ANALYST, RULES, client="127.0.0.1")
    assert [found.rule for found in done] == [rule.key for rule in RULES]
    for found in done:
        evaluation = before[found.rule]
        assert found.period == period and found.finalised_by == ANALYST
        assert found.snapshot_id == evaluation.snapshot_id and len(found.rules_sha256) == 64
        assert [d.verdict.unit_code for d in found.decisions] == [v.unit_code for v in evaluation.verdicts]
        for decision, verdict in zip(found.decisions, evaluation.verdicts, strict=True):
            assert decision.outcome == verdict.outcome and decision.verdict.decision == verdict.decision
            assert decision.verdict.changed == verdict.changed
            assert decision.explanation("en") == explain(verdict, evaluation)
            assert decision.explanation("nl") == explain(verdict, evaluation, "nl", translator("nl"))
            assert decision.row["snapshot_id"] == evaluation.snapshot_id
        shown = decisions.lines(evaluation, found)
        assert not any(line.changed_since for line in shown), "nothing changed yet"
    logged = entries(demo, action="incentives_finalised", limit=10)
    assert {str(entry["detail"]).split(" period")[0] for entry in logged} >= {
        f"rule {rule.key}" for rule in RULES
    }
    assert all(entry["email"] == ANALYST and entry["client"] == "127.0.0.1" for entry in logged)

    # the data change afterwards: one store's customer answers of the period are withdrawn
    target = next(v for v in before[promotion.key].verdicts if v.outcome != "not_assessed")
    waves = sa.select(schema.survey_wave.c.id).where(schema.survey_wave.c.period == period)
    table = schema.customer_response
    with demo.transaction() as connection:
        gone = connection.execute(
            table.delete().where(table.c.unit_id == target.unit_id, table.c.wave_id.in_(waves))
        ).rowcount
    assert gone > 0
    _refresh(demo)
    now = evaluate(demo, promotion, period)
    assert now.snapshot_id != before[promotion.key].snapshot_id
    moved = next(v for v in now.verdicts if v.unit_id == target.unit_id)
    assert moved.outcome == "not_assessed" and moved.reason == "no_value"
    frozen = decisions.finalised(demo, promotion.key, period)
    assert frozen is not None
    shown = decisions.lines(now, frozen)
    moved = [line for line in shown if line.changed_since]  # the peers' shrinkage may move too
    (changed,) = [line for line in moved if line.verdict.unit_id == target.unit_id]
    assert changed.verdict.outcome == target.outcome, "the frozen outcome stays"
    assert changed.live is not None and changed.live.outcome == "not_assessed"
    rows = decisions.export_rows(now, frozen, "en", translator("en"))
    row = next(r for r in rows if r["unit_code"] == target.unit_code)
    assert row["outcome"] == target.outcome and row["changed_since_finalised"] is True
    assert row["live_outcome"] == "not_assessed" and row["finalised_by"] == ANALYST
    assert row["explanation"] == explain(target, before[promotion.key])
    codes = {line.verdict.unit_code for line in moved}
    others = [r for r in rows if r["unit_code"] not in codes]
    assert others and all(r["changed_since_finalised"] is False and r["live_outcome"] is None for r in others)
    text = to_csv(rows)
    assert next(csv.reader(io.StringIO(text))) == EXPORT_COLUMNS

    # a second finalise is refused; replace is explicit and audited with what changed
    with pytest.raises(IncentiveRefused) as refused:
        decisions.finalise(demo, period, ANALYST, [promotion])
    assert refused.value.message == decisions.ALREADY
    assert refused.value.values["by"] == ANALYST and refused.value.values["rule"] == promotion.key
    again = decisions.finalise(demo, period, "hr@example.nl", [promotion], replace=True)
    assert again[0].finalised_by == "hr@example.nl"
    replaced = {d.verdict.unit_id: d for d in again[0].decisions}
    assert replaced[target.unit_id].outcome == "not_assessed"
    (audit,) = entries(demo, action="incentives_refinalised", limit=1)
    detail = str(audit["detail"])
    assert audit["email"] == "hr@example.nl"
    assert f"replaces snapshot {frozen.snapshot_id}" in detail and f"by {ANALYST}" in detail
    assert f"changed {len(moved)}: " in detail and f"{target.unit_code} {target.outcome}" in detail
    assert "-> not_assessed" in detail
    after = decisions.lines(evaluate(demo, promotion, period), again[0])
    assert not any(line.changed_since for line in after)


def test_a_running_or_unknown_period_is_refused(demo: Store) -> None:
    promotion = RULES[0]
    newest = evaluate(demo, promotion).periods[-1]
    year, quarter = int(newest[:4]), int(newest[-1])
    during = date(year, 3 * quarter - 1, 15)
    with pytest.raises(IncentiveRefused) as running:
        decisions.finalise(demo, newest, ANALYST, RULES, today=during)
    assert running.value.message == decisions.NOT_ENDED
    assert str(running.value) == f"{newest} has not ended yet: a period is finalised for HR once it is over."
    with pytest.raises(IncentiveRefused) as unknown:
        decisions.finalise(demo, "1999-Q1", ANALYST, RULES)
    assert "for period 1999-Q1; periods with results" in str(unknown.value)
    with pytest.raises(IncentiveRefused):
        decisions.finalise(demo, "", ANALYST, RULES)
    if newest != evaluate(demo, promotion).period:  # (the other test finalised the newest ended one)
        assert decisions.finalised(demo, promotion.key, newest) is None, "nothing written when refused"
    assert decisions.finalised(demo, promotion.key, "1999-Q1") is None


def test_the_cli_finalises_and_says_so(demo: Store, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = demo.url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        demo.engine.dispose()  # DuckDB: let the command open the file
        return subprocess.run(
            [sys.executable, "-m", "servicechain.cli", "incentives", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    periods = evaluate(demo, RULES[1]).periods
    period = periods[-3] if len(periods) >= 3 else periods[0]
    assert decisions.finalised(demo, "bonus_service", period) is None
    done = run("finalise", "--period", period, "--rule", "bonus_service")
    assert done.returncode == 0, done.stderr
    assert f"bonus_service {period}: finalised" in done.stdout
    frozen = decisions.finalised(demo, "bonus_service", period)
    assert frozen is not None and frozen.finalised_by.startswith("cli:")
    twice = run("finalise", "--period", period, "--rule", "bonus_service")
    assert twice.returncode == 2 and "replace it explicitly" in twice.stderr and "--replace" in twice.stderr
    replaced = run("finalise", "--period", period, "--rule", "bonus_service", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced" in replaced.stdout
    assert entries(demo, action="incentives_refinalised", limit=1)[0]["email"] == frozen.finalised_by
    table = run("evaluate", "--period", period, "--rule", "bonus_service")
    assert table.returncode == 0 and "finalised on" in table.stdout
    exported = run("evaluate", "--period", period, "--rule", "bonus_service", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows and all(row["finalised_by"].startswith("cli:") and row["finalised_at"] for row in rows)
    dumped = run("evaluate", "--period", period, "--rule", "bonus_service", "--format", "json")
    assert all(item["finalised_at"] for item in json.loads(dumped.stdout))
    later = run("finalise", "--period", "1999-Q1")
    assert later.returncode == 2 and "periods with results" in later.stderr
    missing = run("finalise")
    assert missing.returncode == 2
