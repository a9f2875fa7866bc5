"""ICC(1), ICC(2) and r_wg from sufficient statistics, checked against pingouin, statsmodels and raw data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicechain.stats import icc_oneway, rwg, rwg_j


def _aggregate(groups: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.bincount(groups).astype(float),
        np.bincount(groups, weights=y),
        np.bincount(groups, weights=y**2),
    )


def test_icc_oneway_equals_pingouin_on_a_balanced_design() -> None:
    import pingouin

    rng = np.random.default_rng(21)
    groups, members = 15, 6
    unit = np.repeat(np.arange(groups), members)
    y = np.clip(np.rint(3 + rng.normal(0, 0.6, groups)[unit] + rng.normal(0, 1, unit.size)), 1, 5)
    data = pd.DataFrame({"store": unit, "member": np.tile(np.arange(members), groups), "answer": y})
    # pingouin.intraclass_corr(data, targets, raters, ratings): the one-way rows are "ICC(1,1)" and
    # "ICC(1,k)" in pingouin 0.7 ("ICC1" and "ICC1k" in older releases). Shrout & Fleiss (1979).
    table = pingouin.intraclass_corr(data=data, targets="store", raters="member", ratings="answer")
    icc = table.set_index("Type")["ICC"]
    result = icc_oneway(*_aggregate(unit, y))
    assert result.icc1 == pytest.approx(icc.get("ICC(1,1)", icc.get("ICC1")), abs=1e-10)
    assert result.icc2 == pytest.approx(icc.get("ICC(1,k)", icc.get("ICC1k")), abs=1e-10)
    assert result.k0 == pytest.approx(members)
    assert (result.groups, result.respondents) == (groups, groups * members)


def test_icc_oneway_mean_squares_equal_statsmodels_anova_when_unbalanced() -> None:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rng = np.random.default_rng(22)
    sizes = rng.integers(2, 30, 20)
    unit = np.repeat(np.arange(20), sizes)
    y = 3.5 + rng.normal(0, 0.4, 20)[unit] + rng.normal(0, 1, unit.size)
    # statsmodels one-way ANOVA: anova_lm(ols("y ~ C(g)", data).fit()) rows "C(g)" and "Residual".
    aov = anova_lm(smf.ols("y ~ C(g)", pd.DataFrame({"y": y, "g": unit})).fit())
    n, total, total_sq = _aggregate(unit, y)
    result = icc_oneway(np.append(n, 0), np.append(total, 0), np.append(total_sq, 0))
    assert result.msb == pytest.approx(aov.loc["C(g)", "mean_sq"], rel=1e-10)
    assert result.msw == pytest.approx(aov.loc["Residual", "mean_sq"], rel=1e-10)
    assert (result.groups, result.respondents) == (20, int(sizes.sum()))
    # k0 = (N - sum(n_i^2)/N) / (J - 1), Bliese (2000); below the mean group size when unbalanced.
    big_n = sizes.sum()
    k0 = (big_n - np.sum(sizes**2) / big_n) / 19
    assert result.k0 == pytest.approx(k0) and result.k0 < sizes.mean()
    assert result.icc1 == pytest.approx((result.msb - result.msw) / (result.msb + (k0 - 1) * result.msw))
    assert result.icc2 == pytest.approx(1 - result.msw / result.msb)


def test_rwg_against_raw_answers_and_known_values() -> None:
    rng = np.random.default_rng(23)
    agreeing = rng.choice([4, 5], size=12, p=[0.3, 0.7])
    uniform = rng.integers(1, 6, size=20_000)  # no agreement: every option equally likely
    same = np.full(8, 3)
    variances = np.array([agreeing.var(ddof=1), uniform.var(ddof=1), same.var(ddof=1), 4.0, np.nan])
    result = rwg(variances, 1, 5)
    # James, Demaree & Wolf (1984): sigma_EU^2 = (A^2 - 1) / 12 = 2 for A = 5 options.
    assert result[0] == pytest.approx(1 - agreeing.var(ddof=1) / 2)
    assert result[1] == pytest.approx(0.0, abs=0.03)
    assert result[2] == 1.0
    assert result[3] == 0.0  # more variance than uniform: truncated (LeBreton & Senter 2008)
    assert np.isnan(result[4])


def test_rwg_j_against_raw_answers_and_known_values() -> None:
    rng = np.random.default_rng(24)
    items = 4
    answers = np.clip(np.rint(rng.normal(4, 0.7, size=(15, items))), 1, 7)  # 15 members, 7-point scale
    mean_var = answers.var(axis=0, ddof=1).mean()
    ratio = mean_var / ((7**2 - 1) / 12)
    expected = items * (1 - ratio) / (items * (1 - ratio) + ratio)
    uniform = rng.integers(1, 8, size=(20_000, items)).var(axis=0, ddof=1).mean()
    result = rwg_j([mean_var, 0.0, uniform, 5.2, np.nan], items, 1, 7)
    assert result[0] == pytest.approx(expected)
    assert result[1] == 1.0
    assert result[2] == pytest.approx(0.0, abs=0.05)
    # s^2 / sigma_EU^2 = 1.3: the raw formula gives 4(-0.3) / (4(-0.3) + 1.3) = -12, and for 1.4 it
    # would give +8 after passing its pole; both must be reported as 0.
    assert result[3] == 0.0
    assert rwg_j([5.6], items, 1, 7)[0] == 0.0
    assert np.isnan(result[4])
