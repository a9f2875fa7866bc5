"""Pooled variance, DerSimonian-Laird and empirical Bayes shrinkage, checked against references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicechain.stats import dersimonian_laird, empirical_bayes, pooled_within_variance, shrink

# BCG vaccine trials (Colditz et al. 1994, JAMA 271:698-702), `dat.bcg` in R's metafor:
# (tpos, tneg, cpos, cneg) per trial.
BCG = np.array(
    [
        (4, 119, 11, 128),
        (6, 300, 29, 274),
        (3, 228, 11, 209),
        (62, 13536, 248, 12619),
        (33, 5036, 47, 5761),
        (180, 1361, 372, 1079),
        (8, 2537, 10, 619),
        (505, 87886, 499, 87892),
        (29, 7470, 45, 7232),
        (17, 1699, 65, 1600),
        (186, 50448, 141, 27197),
        (5, 2493, 3, 2338),
        (27, 16886, 29, 17825),
    ],
    dtype=float,
)


def _bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    tpos, tneg, cpos, cneg = BCG.T
    yi = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, vi


def _aggregate(groups: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.bincount(groups, minlength=k).astype(float),
        np.bincount(groups, weights=y, minlength=k),
        np.bincount(groups, weights=y**2, minlength=k),
    )


def _one_way(rng: np.random.Generator, k: int, tau: float, sigma: float) -> dict[str, np.ndarray]:
    sizes = rng.integers(3, 41, k)
    groups = np.repeat(np.arange(k), sizes)
    effects = rng.normal(0.0, tau, k)
    y = 3.5 + effects[groups] + rng.normal(0.0, sigma, groups.size)
    return {"groups": groups, "y": y, "effects": effects}


def test_pooled_within_variance_equals_the_anova_within_mean_square() -> None:
    rng = np.random.default_rng(1)
    groups = [rng.normal(0, 2, size) for size in (1, 2, 5, 9, 30)]
    n = np.array([g.size for g in groups] + [0], dtype=float)
    total = np.array([g.sum() for g in groups] + [0.0])
    total_sq = np.array([(g**2).sum() for g in groups] + [0.0])
    # Direct: sum over groups with n >= 2 of (n_i - 1) * var(ddof=1), divided by sum(n_i - 1).
    used = [g for g in groups if g.size >= 2]
    expected = sum((g.size - 1) * g.var(ddof=1) for g in used) / sum(g.size - 1 for g in used)
    assert pooled_within_variance(n, total, total_sq) == pytest.approx(expected, rel=1e-12)
    assert np.isnan(pooled_within_variance([1, 0], [3.0, 0.0], [9.0, 0.0]))


def test_dersimonian_laird_reproduces_metafor_on_the_bcg_trials() -> None:
    yi, vi = _bcg_log_risk_ratios()
    result = dersimonian_laird(yi, vi)
    # metafor: rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, method="DL")
    # estimate -0.7141, ci.lb -1.0644, ci.ub -0.3638, tau^2 0.3088, I^2 92.12%, Q 152.2330, k 13.
    assert result.mean == pytest.approx(-0.7141, abs=5e-5)
    assert result.ci_low == pytest.approx(-1.0644, abs=5e-5)
    assert result.ci_high == pytest.approx(-0.3638, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert result.i2 == pytest.approx(0.9212, abs=5e-5)
    assert result.q == pytest.approx(152.2330, abs=5e-4)
    assert result.k == 13


def test_dersimonian_laird_equals_statsmodels_combine_effects() -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = _bcg_log_risk_ratios()
    result = dersimonian_laird(yi, vi)
    # statsmodels.stats.meta_analysis.combine_effects(yi, vi, method_re="dl"); conf_int() returns
    # (fixed, random, fixed HKSJ, random HKSJ) intervals, index 1 is the random-effects one.
    reference = combine_effects(yi, vi, method_re="dl")
    assert result.tau2 == pytest.approx(reference.tau2, abs=1e-10)
    assert result.mean == pytest.approx(reference.mean_effect_re, abs=1e-10)
    assert result.se == pytest.approx(reference.sd_eff_w_re, abs=1e-10)
    np.testing.assert_allclose([result.ci_low, result.ci_high], reference.conf_int()[1], atol=1e-10)
    assert result.q == pytest.approx(reference.q, abs=1e-10)
    assert result.i2 == pytest.approx(reference.i2, abs=1e-10)


def test_dersimonian_laird_truncates_tau2_at_zero_and_skips_missing_units() -> None:
    # Effects closer together than their variances imply: Q < k - 1, so tau^2 = 0 and I^2 = 0;
    # statsmodels would report the negative moment estimate here.
    result = dersimonian_laird([0.0, 0.1, -0.1, np.nan], [1.0, 1.0, 1.0, 1.0])
    assert result.tau2 == 0.0
    assert result.i2 == 0.0
    assert result.k == 3
    assert result.mean == pytest.approx(0.0)
    assert result.se == pytest.approx(np.sqrt(1 / 3))
    assert np.isnan(dersimonian_laird([1.0], [1.0]).tau2)


def test_shrink_weights_and_edge_cases() -> None:
    shrunk, weight = shrink([4.0, 2.0, np.nan], [4, 1, 0], sigma2=1.0, tau2=0.25, grand_mean=3.0)
    # w = tau^2 / (tau^2 + sigma^2 / n): 0.25 / 0.5 = 0.5 and 0.25 / 1.25 = 0.2
    np.testing.assert_allclose(weight[:2], [0.5, 0.2])
    np.testing.assert_allclose(shrunk[:2], [3.5, 2.8])
    assert np.isnan(shrunk[2]) and np.isnan(weight[2])
    flat, flat_weight = shrink([4.0, 2.0], [50, 5], sigma2=1.0, tau2=0.0, grand_mean=3.0)
    np.testing.assert_array_equal(flat, [3.0, 3.0])
    np.testing.assert_array_equal(flat_weight, [0.0, 0.0])


def test_shrink_gives_the_mixed_model_blups() -> None:
    import statsmodels.formula.api as smf

    # Seed chosen so MixedLM's default optimiser converges (seed 20240601 does not, and
    # method="lbfgs" alone stops at the tau^2 = 0 boundary): a check of shrink(), not of statsmodels.
    rng = np.random.default_rng(1)
    sim = _one_way(rng, k=30, tau=0.5, sigma=1.0)
    data = pd.DataFrame({"y": sim["y"], "g": sim["groups"]})
    # statsmodels.formula.api.mixedlm("y ~ 1", data, groups=data["g"]).fit(reml=True):
    # cov_re is a 1x1 DataFrame (tau^2), scale is sigma^2, fe_params["Intercept"] the mean, and
    # random_effects a dict {group: Series(["Group"])} holding the predicted intercept deviations.
    fit = smf.mixedlm("y ~ 1", data, groups=data["g"]).fit(reml=True)
    assert fit.converged and fit.cov_re.iloc[0, 0] > 0.05
    n, total, _ = _aggregate(sim["groups"], sim["y"], 30)
    intercept = fit.fe_params["Intercept"]
    shrunk, _ = shrink(total / n, n, sigma2=fit.scale, tau2=fit.cov_re.iloc[0, 0], grand_mean=intercept)
    blups = np.array([intercept + fit.random_effects[g].iloc[0] for g in range(30)])
    np.testing.assert_allclose(shrunk, blups, atol=1e-6)


def test_empirical_bayes_follows_its_recipe_and_keeps_the_index() -> None:
    rng = np.random.default_rng(5)
    sim = _one_way(rng, k=25, tau=0.4, sigma=1.0)
    n, total, total_sq = _aggregate(sim["groups"], sim["y"], 26)  # unit 25 has no answers
    index = pd.Index([f"store-{i}" for i in range(26)])
    result = empirical_bayes(pd.Series(n, index=index), total, total_sq)
    sigma2 = pooled_within_variance(n[:25], total[:25], total_sq[:25])
    pooled = dersimonian_laird(total[:25] / n[:25], sigma2 / n[:25])
    assert result.sigma2 == sigma2
    assert result.tau2 == pooled.tau2 > 0
    assert result.grand_mean == pooled.mean
    assert list(result.table.columns) == ["mean", "shrunk", "weight"]
    assert result.table.index.equals(index)
    assert result.table.loc["store-25"].isna().all()
    expected, _ = shrink(total[:25] / n[:25], n[:25], sigma2, pooled.tau2, pooled.mean)
    np.testing.assert_allclose(result.table["shrunk"].to_numpy()[:25], expected)


def test_shrinkage_reduces_error_against_the_true_unit_effects() -> None:
    rng = np.random.default_rng(11)
    sim = _one_way(rng, k=200, tau=0.3, sigma=1.0)
    n, total, total_sq = _aggregate(sim["groups"], sim["y"], 200)
    table = empirical_bayes(n, total, total_sq).table
    truth = 3.5 + sim["effects"]
    raw_mse = np.mean((table["mean"] - truth) ** 2)
    shrunk_mse = np.mean((table["shrunk"] - truth) ** 2)
    assert shrunk_mse < 0.8 * raw_mse
