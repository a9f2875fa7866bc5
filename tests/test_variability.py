"""Variability on the demo chain: flagged units against the planted truth, change tests, sentences."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servicechain.analysis.scorecard import UnitResults, unit_results
from servicechain.analysis.variability import changes_since_previous, variability
from servicechain.demo.load import load_demo, read_truth
from servicechain.store import Store
from tests.conftest import fresh_store


@pytest.fixture(scope="module")
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    store: Store
    with fresh_store(request, "duckdb", tmp_path_factory.mktemp("var")) as store:
        load_demo(store, units=60, periods=6, customers_per_unit=60, seed=7)
        truth = pd.DataFrame(read_truth(store)["truth_units"])
        yield unit_results(store), truth


def test_units_flagged_below_are_truly_weak(chain: tuple[UnitResults, pd.DataFrame]) -> None:
    results, truth = chain
    table = results.table
    cards = table[(table["level"] == "location") & (table["measure"] == "ce_index")]
    cards = cards.astype({"unit_code": str, "period": str}).merge(
        truth[["unit_code", "period", "true_attachment"]], on=["unit_code", "period"]
    )
    median = cards.groupby("period")["true_attachment"].transform("median")
    decile = cards.groupby("period")["true_attachment"].transform(lambda values: values.quantile(0.1))
    below = cards[cards["flag"] == "below"]
    assert len(below) >= 3
    # measured on this demo (60 stores x 6 quarters): 5 store-quarters flagged below; all 5 truly
    # below the median (precision 1.0), 4 of 5 in the true bottom decile; recall of the bottom
    # decile 4 of 36 (0.11): limits that allow for ordinary between-store spread (tau^2) flag only
    # stores that stand out beyond it, by design (Spiegelhalter 2005)
    assert (below["true_attachment"] < median[below.index]).mean() >= 0.9
    assert (below["true_attachment"] <= decile[below.index]).mean() >= 0.6
    above = cards[cards["flag"] == "above"]
    assert (above["true_attachment"] > median[above.index]).mean() >= 0.9


def test_spread_normal_fit_and_the_sentence(chain: tuple[UnitResults, pd.DataFrame]) -> None:
    results, _ = chain
    result = variability(results, "ce_index", "location", "2026-Q3")
    card = results.table
    means = card[
        (card["level"] == "location") & (card["measure"] == "ce_index") & (card["period"] == "2026-Q3")
    ]
    assert result.units == len(means)
    # reference: scipy.stats.norm.fit is the maximum-likelihood fit (mean, SD with ddof=0)
    assert result.mean == pytest.approx(means["mean"].mean())
    assert result.sd == pytest.approx(means["mean"].std(ddof=0))
    assert 0 < result.between_variance < result.within_variance
    assert result.below == len(result.flagged.query("flag == 'below'"))
    assert (
        result.sentence("en").startswith(f"{result.below} of {result.units} locations") or result.below == 0
    )
    assert "locaties" in result.sentence("nl")


def test_change_since_the_previous_period_is_a_two_sided_z_test() -> None:
    rows = pd.DataFrame({
        "unit_code": ["A", "A", "B", "B", "C"], "period": ["2026-Q1", "2026-Q2"] * 2 + ["2026-Q2"],
        "mean": [3.0, 3.6, 4.0, 4.05, 3.0], "se": [0.1, 0.1, 0.2, 0.2, 0.1],
    })  # fmt: skip
    changes = changes_since_previous(rows, "2026-Q2").set_index("unit_code")
    assert set(changes.index) == {"A", "B"}  # C has no previous period
    # by hand: A differs by 0.6 with se sqrt(0.02) = 0.1414, z = 4.24, p = 2.2e-5
    assert changes.loc["A", "p_value"] == pytest.approx(2 * stats.norm.sf(0.6 / np.sqrt(0.02)))
    assert changes.loc["A", "verdict"] == "improved" and changes.loc["B", "verdict"] == "unchanged"
    assert changes_since_previous(rows, "2026-Q1").empty
