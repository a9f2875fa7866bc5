"""Human Sigma on the demo chain: the quadrants recover the planted service-profit chain.

The generator plants revenue growth so that both-high store-quarters grow 3.4x as fast as
both-low ones with the *true* quadrants (docs/demo-ground-truth.md); with quadrants from
the surveys the doc expects about 2.5-3.6x, with one-high in between.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servicechain.analysis.human_sigma import human_sigma, outcomes_by, quadrant_ratios
from servicechain.analysis.scorecard import UnitResults, unit_results
from servicechain.demo.load import load_demo
from servicechain.metrics.kpis import quarter_of, unit_outcomes
from servicechain.store import Store
from servicechain.store.bulk import read_frame
from tests.conftest import fresh_store

CUTOFFS = (20.0, 35.0, 50.0, 65.0, 80.0)


@pytest.fixture(scope="module")
def chain(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, UnitResults, pd.DataFrame]]:
    with fresh_store(request, "duckdb", tmp_path_factory.mktemp("hs")) as store:
        load_demo(store, units=60, periods=6, customers_per_unit=60, seed=7)
        yield store, unit_results(store), unit_outcomes(store)


def test_quarters_of_months_and_quarters() -> None:
    periods = pd.Series(["2026-01", "2026-03", "2026-04", "2026-12", "2026-Q2", "2026"])
    assert quarter_of(periods).tolist()[:5] == ["2026-Q1", "2026-Q1", "2026-Q2", "2026-Q4", "2026-Q2"]
    assert pd.isna(quarter_of(periods).iloc[5])


def test_revenue_growth_is_quarter_on_quarter_of_summed_months(chain: tuple) -> None:
    store, _, outcomes = chain
    with store.engine.connect() as connection:
        kpis = read_frame(connection, "SELECT unit_id, period, value FROM unit_kpi WHERE metric = 'revenue'")
    unit = int(outcomes["unit_id"].iloc[0])
    mine = kpis[kpis["unit_id"] == unit].assign(quarter=lambda k: quarter_of(k["period"]))
    by_quarter = mine.groupby("quarter")["value"].sum()
    expected = by_quarter.iloc[2] / by_quarter.iloc[1] - 1
    row = outcomes[(outcomes["unit_id"] == unit) & (outcomes["period"] == by_quarter.index[2])]
    assert row["revenue_growth"].iloc[0] == pytest.approx(expected, rel=1e-12)
    first = outcomes[(outcomes["unit_id"] == unit) & (outcomes["period"] == by_quarter.index[0])]
    assert pd.isna(first["revenue_growth"].iloc[0])  # no previous quarter


def test_both_high_units_grow_fastest_and_one_high_lies_between(chain: tuple) -> None:
    _, results, outcomes = chain
    table = human_sigma(results, outcomes, "location", CUTOFFS)
    growth = outcomes_by(table, "quadrant").query("outcome == 'revenue_growth'").set_index("quadrant")
    # the planted chain: both high >> one high > both low, with intervals that do not overlap
    assert growth.loc["both_high", "ci_low"] > growth.loc["both_low", "ci_high"]
    for one_high in ("employee_only", "customer_only"):
        assert growth.loc["both_low", "mean"] < growth.loc[one_high, "mean"] < growth.loc["both_high", "mean"]
    ratios = quadrant_ratios(table)
    # measured here: 3.1x and 2.0x (published 3.4x and 1.7x; the demo doc expects 2.5-3.6x)
    assert 2.0 < ratios["both_high_vs_both_low"] < 5.0
    assert 1.2 < ratios["one_high_vs_both_low"] < ratios["both_high_vs_both_low"]


def test_growth_rises_with_the_human_sigma_level(chain: tuple) -> None:
    _, results, outcomes = chain
    table = human_sigma(results, outcomes, "location", CUTOFFS)
    growth = outcomes_by(table, "hs_level").query("outcome == 'revenue_growth'")
    assert growth["hs_level"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    rho = stats.spearmanr(growth["hs_level"], growth["mean"]).statistic
    assert rho > 0.9


def test_the_composite_comes_from_the_scorecard_percentiles(chain: tuple) -> None:
    _, results, outcomes = chain
    table = human_sigma(results, outcomes, "location", CUTOFFS)
    card = results.table
    row = table.dropna(subset=["hs"]).iloc[5]

    def percentile(measure: str) -> float:
        hit = card[(card["unit_id"] == row["unit_id"]) & (card["period"] == row["period"])
                   & (card["measure"] == measure)]  # fmt: skip
        return float(hit["percentile"].iloc[0])

    assert row["p_ee"] == percentile("engagement_index") and row["p_ce"] == percentile("ce_index")
    low, high = sorted([row["p_ee"], row["p_ce"]])
    assert row["hs"] == pytest.approx(np.sqrt(low * high) * (low / high) ** 0.125)
    assert table["hs"].dropna().between(0, 100).all()


def test_a_unit_without_shown_employee_results_has_no_human_sigma(chain: tuple) -> None:
    _, results, outcomes = chain
    card = results.table
    hidden = card[(card["measure"] == "engagement_index") & card["suppressed"] & (card["level"] == "team")]
    table = human_sigma(results, outcomes, "team", CUTOFFS)
    if hidden.empty:
        pytest.skip("no suppressed team in this demo")
    keys = set(zip(hidden["unit_id"], hidden["period"], strict=True))
    shown = table[[(u, p) in keys for u, p in zip(table["unit_id"], table["period"], strict=True)]]
    assert shown["p_ee"].isna().all() and shown["hs"].isna().all() and shown["quadrant"].isna().all()
