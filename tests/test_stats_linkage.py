"""Linkage statistics (correlation, slope, lags, mediation, mixed model) checked against references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from servicechain.stats.linkage import correlation, elasticity, lagged, mediation, mixed_model, slope


def _panel(seed: int, units: int = 60, periods: int = 4, unit_sd: float = 1.0) -> pd.DataFrame:
    """Units x quarters; EE drives CE drives growth, with persistent unit effects in all three."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), periods)
    quarter = np.tile([f"2026-Q{q}" if q <= 4 else f"2027-Q{q - 4}" for q in range(1, periods + 1)], units)
    ee = 3.5 + rng.normal(0, unit_sd, units)[unit] + rng.normal(0, 0.5, unit.size)
    ce = 1.0 + 0.6 * ee + rng.normal(0, unit_sd, units)[unit] + rng.normal(0, 0.5, unit.size)
    growth = 0.5 * ce + 0.2 * ee + rng.normal(0, unit_sd, units)[unit] + rng.normal(0, 0.5, unit.size)
    return pd.DataFrame({"unit_id": unit, "period": quarter, "ee": ee, "ce": ce, "growth": growth})


def test_correlation_matches_scipy_pearsonr_and_scipy_bootstrap_without_clusters() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = 0.5 * x + rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "y": y})
    result = correlation(frame, "x", "y", cluster=None, n_boot=4000, seed=1)
    # scipy.stats.pearsonr (scipy docs, "scipy.stats.pearsonr"): the point estimate.
    assert result.r == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)
    # scipy.stats.bootstrap((x, y), statistic, paired=True, method="percentile") (scipy docs,
    # "scipy.stats.bootstrap"): a different random stream, so equal in distribution only.
    reference = stats.bootstrap(
        (x, y),
        lambda a, b, axis: stats.pearsonr(a, b, axis=axis).statistic,
        paired=True,
        vectorized=True,
        method="percentile",
        n_resamples=4000,
        rng=np.random.default_rng(2),
    )
    low, high = reference.confidence_interval
    assert result.ci_low == pytest.approx(low, abs=0.015)
    assert result.ci_high == pytest.approx(high, abs=0.015)
    assert (result.n, result.clusters) == (200, 200)


def test_correlation_cluster_bootstrap_resamples_whole_units() -> None:
    frame = _panel(5)
    result = correlation(frame, "ee", "ce", n_boot=2000, seed=0)
    # Reference: the cluster bootstrap written out (draw units with replacement, stack all their
    # rows, np.corrcoef), Field & Welsh (2007) JRSS B 69(3) 369-390; equal in distribution only.
    rng = np.random.default_rng(9)
    groups = [g[["ee", "ce"]].to_numpy() for _, g in frame.groupby("unit_id")]
    draws = []
    for _ in range(2000):
        sample = np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        draws.append(np.corrcoef(sample.T)[0, 1])
    assert result.ci_low == pytest.approx(np.quantile(draws, 0.025), abs=0.02)
    assert result.ci_high == pytest.approx(np.quantile(draws, 0.975), abs=0.02)
    naive = correlation(frame, "ee", "ce", cluster=None, n_boot=2000, seed=0)
    assert result.r == pytest.approx(naive.r, abs=1e-12)
    assert result.ci_high - result.ci_low > 1.3 * (naive.ci_high - naive.ci_low)  # units repeat
    assert (result.n, result.clusters) == (240, 60)


def test_correlation_drops_incomplete_pairs() -> None:
    frame = _panel(1)
    frame.loc[[0, 5, 9], "ce"] = np.nan
    result = correlation(frame, "ee", "ce", n_boot=200)
    complete = frame.dropna()
    assert result.n == 237
    assert result.r == pytest.approx(stats.pearsonr(complete["ee"], complete["ce"]).statistic, abs=1e-12)


def test_slope_matches_statsmodels_ols_and_its_cluster_robust_interval() -> None:
    frame = _panel(7, units=80)
    result = slope(frame, "ee", "growth", n_boot=1000, seed=0)
    # statsmodels docs "Ordinary Least Squares": sm.OLS(y, sm.add_constant(x)).fit(); cluster-robust
    # standard errors via .fit(cov_type="cluster", cov_kwds={"groups": ...}).
    ols = sm.OLS(frame["growth"], sm.add_constant(frame["ee"]))
    fit = ols.fit()
    assert result.slope == pytest.approx(fit.params["ee"], abs=1e-10)
    assert result.intercept == pytest.approx(fit.params["const"], abs=1e-10)
    assert result.r2 == pytest.approx(fit.rsquared, abs=1e-12)
    robust = ols.fit(cov_type="cluster", cov_kwds={"groups": frame["unit_id"]}).conf_int().loc["ee"]
    width, robust_width = result.ci_high - result.ci_low, robust[1] - robust[0]
    assert width == pytest.approx(robust_width, rel=0.3)
    assert result.ci_low < fit.params["ee"] < result.ci_high


def test_lagged_pairs_x_at_t_with_y_at_t_plus_lag_of_the_same_unit() -> None:
    frame = pd.DataFrame(
        {
            "unit_id": ["a", "a", "a", "b", "b", "c"],
            "period": ["2026-Q4", "2026-Q3", "2027-Q1", "2026-Q3", "2027-Q1", "2026-Q4"],
            "ee": [2.0, 1.0, 3.0, 10.0, 30.0, 200.0],
            "ce": [0.2, 0.1, 0.3, 1.0, 3.0, 20.0],
        }
    )
    one = lagged(frame, "ee", "ce", 1).sort_values(["unit_id", "period"]).reset_index(drop=True)
    # b has no 2026-Q4, so its Q3 has no partner and its Q1 2027 none either; c has no next quarter.
    expected = pd.DataFrame({"unit_id": ["a", "a"], "period": ["2026-Q3", "2026-Q4"], "ee": [1.0, 2.0]})
    pd.testing.assert_frame_equal(one, expected.assign(ce=[0.2, 0.3]))
    two = lagged(frame, "ee", "ee", 2).sort_values("unit_id").reset_index(drop=True)
    assert two.columns.tolist() == ["unit_id", "period", "ee", "ee_lead2"]
    assert two[["unit_id", "ee", "ee_lead2"]].values.tolist() == [["a", 1.0, 3.0], ["b", 10.0, 30.0]]
    assert len(lagged(frame, "ee", "ce", 0)) == len(frame)


def test_lagged_pairs_feed_correlation() -> None:
    frame = _panel(2, periods=6)
    pairs = lagged(frame, "ee", "ce", 1)
    assert len(pairs) == 60 * 5
    assert correlation(pairs, "ee", "ce", n_boot=200).clusters == 60


def test_mediation_paths_match_pingouin() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=300)
    m = 0.5 * x + rng.normal(size=300)
    y = 0.4 * m + 0.2 * x + rng.normal(size=300)
    data = pd.DataFrame({"x": x, "m": m, "y": y})
    result = mediation(data, "x", "m", "y", cluster=None, n_boot=2000, seed=0)
    # pingouin docs "pingouin.mediation_analysis": pg.mediation_analysis(data, x, m, y, n_boot, seed).
    # Its "m ~ X" row is a, "Total" c, "Direct" c', "Indirect" a*b; its "Y ~ m" row is y on m alone
    # (not b), so b is checked as Indirect / a. Its interval is bias-corrected, ours percentile.
    ref = pg.mediation_analysis(data=data, x="x", m="m", y="y", n_boot=2000, seed=0).set_index("path")
    assert result.a == pytest.approx(ref.loc["m ~ X", "coef"], abs=1e-10)
    assert result.c == pytest.approx(ref.loc["Total", "coef"], abs=1e-10)
    assert result.c_prime == pytest.approx(ref.loc["Direct", "coef"], abs=1e-10)
    assert result.indirect == pytest.approx(ref.loc["Indirect", "coef"], abs=1e-10)
    assert result.b == pytest.approx(ref.loc["Indirect", "coef"] / result.a, abs=1e-10)
    assert result.c == pytest.approx(result.c_prime + result.indirect, abs=1e-12)
    assert result.ci_low == pytest.approx(ref.loc["Indirect", "CI2.5"], abs=0.02)
    assert result.ci_high == pytest.approx(ref.loc["Indirect", "CI97.5"], abs=0.02)
    assert result.proportion_mediated == pytest.approx(result.indirect / result.c)
    assert (result.n, result.clusters) == (300, 300)


def test_mediation_with_clusters_widens_the_interval() -> None:
    frame = _panel(4)
    clustered = mediation(frame, "ee", "ce", "growth", n_boot=1000, seed=0)
    naive = mediation(frame, "ee", "ce", "growth", cluster=None, n_boot=1000, seed=0)
    assert clustered.indirect == pytest.approx(naive.indirect, abs=1e-12)
    assert clustered.ci_low < clustered.indirect < clustered.ci_high
    assert clustered.ci_high - clustered.ci_low > naive.ci_high - naive.ci_low


def test_mixed_model_recovers_the_slope_and_equals_a_direct_statsmodels_call() -> None:
    rng = np.random.default_rng(8)
    region = np.repeat(np.arange(12), 25)
    x = rng.normal(3.5, 0.8, region.size)
    y = 1.0 + 0.5 * x + rng.normal(0, 1.0, 12)[region] + rng.normal(0, 0.7, region.size)
    frame = pd.DataFrame({"growth": y, "ee": x, "region": region})
    table = mixed_model(frame, "growth", ["ee"], "region").set_index("term")
    assert table.columns.tolist() == ["estimate", "ci_low", "ci_high", "p_value"]
    assert table.loc["ee", "ci_low"] < 0.5 < table.loc["ee", "ci_high"]
    # statsmodels docs "Linear Mixed Effects Models": smf.mixedlm(formula, data, groups=...).fit(reml=True)
    direct = smf.mixedlm("growth ~ ee", frame, groups=frame["region"]).fit(reml=True)
    assert table.loc["ee", "estimate"] == pytest.approx(direct.fe_params["ee"], abs=1e-12)
    assert table.loc["ee", "p_value"] == pytest.approx(direct.pvalues["ee"], abs=1e-12)
    assert table.loc["group_var", "estimate"] == pytest.approx(direct.cov_re.iloc[0, 0], abs=1e-12)
    assert np.isnan(table.loc["group_var", "ci_low"])


def test_elasticity_in_english_and_dutch() -> None:
    en = {"x_label": "service climate", "x_unit": "point", "y_unit": "percentage points"}
    nl = {"x_label": "serviceklimaat", "x_unit": "punt", "y_unit": "procentpunt"}
    assert (
        elasticity(0.5249, y_label="revenue growth per quarter", **en)
        == "one point more service climate goes with 0.52 percentage points more revenue growth per quarter"
    )
    assert (
        elasticity(0.5249, y_label="omzetgroei per kwartaal", language="nl", **nl)
        == "één punt meer serviceklimaat gaat samen met 0,52 procentpunt meer omzetgroei per kwartaal"
    )
    assert elasticity(-1234.5, y_label="omzet", language="nl", **nl).endswith(
        "1.234,50 procentpunt minder omzet"
    )
    assert "1,234.5 percentage points less" in elasticity(-1234.5, y_label="x", digits=1, **en)
    assert "0.00 percentage points more" in elasticity(-0.001, y_label="x", **en)


def test_degenerate_replicates_are_skipped() -> None:
    # Two units, x constant within each: half the replicates draw one unit twice (slope undefined).
    frame = pd.DataFrame({"unit_id": [1, 1, 2, 2], "x": [0.0, 0.0, 1.0, 1.0], "y": [0.0, 0.5, 2.0, 2.5]})
    result = slope(frame, "x", "y", n_boot=200)
    assert result.slope == pytest.approx(2.0)
    assert result.ci_low == pytest.approx(2.0) and result.ci_high == pytest.approx(2.0)
    assert correlation(frame, "x", "y", n_boot=200).clusters == 2
