"""Per-unit summaries from sufficient statistics, checked against numpy, scipy and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servicechain.stats import describe, engagement_ratio, net_promoter, wilson_interval


def _moments(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([g.size for g in groups], dtype=float),
        np.array([g.sum() for g in groups], dtype=float),
        np.array([(g**2).sum() for g in groups], dtype=float),
    )


def test_describe_matches_numpy_and_scipy_on_raw_answers() -> None:
    rng = np.random.default_rng(3)
    groups = [rng.integers(1, 6, size).astype(float) for size in (2, 3, 10, 57, 400)]
    n, total, total_sq = _moments(groups)
    table = describe(pd.Series(n, index=list("abcde")), total, total_sq, level=0.9)
    assert list(table.columns) == ["mean", "sd", "se", "ci_low", "ci_high"]
    assert list(table.index) == list("abcde")
    for label, g in zip("abcde", groups, strict=True):
        row = table.loc[label]
        assert row["mean"] == pytest.approx(g.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(g.std(ddof=1), rel=1e-9)
        # scipy.stats.sem uses ddof=1 by default; scipy.stats.t.interval is the t-interval.
        assert row["se"] == pytest.approx(stats.sem(g), rel=1e-9)
        low, high = stats.t.interval(0.9, g.size - 1, loc=g.mean(), scale=stats.sem(g))
        assert row["ci_low"] == pytest.approx(low, rel=1e-9)
        assert row["ci_high"] == pytest.approx(high, rel=1e-9)


def test_describe_small_units_and_constant_answers() -> None:
    # Seven answers of 0.3: in binary floating point, sum of squares - total^2/n is a hair below 0.
    same = np.full(7, 0.3)
    total, total_sq = same.sum(), (same**2).sum()
    assert total_sq - total * (total / 7) < 0
    table = describe([0, 1, 7], [0.0, 4.0, total], [0.0, 16.0, total_sq])
    assert table.loc[0].isna().all()
    assert table.loc[1, "mean"] == 4.0
    assert table.loc[1, ["sd", "se", "ci_low", "ci_high"]].isna().all()
    assert table.loc[2, "sd"] == 0.0
    np.testing.assert_allclose(table.loc[2, ["mean", "ci_low", "ci_high"]].to_numpy(float), 0.3)
    assert table.at[2, "se"] == 0.0


def test_wilson_interval_equals_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    count = np.array([0, 1, 7, 50, 99, 100, 3])
    n = np.array([10, 10, 20, 100, 100, 100, 3])
    low, high = wilson_interval(count, n, level=0.9)
    # statsmodels.stats.proportion.proportion_confint(count, nobs, alpha, method="wilson")
    ref_low, ref_high = proportion_confint(count, n, alpha=0.1, method="wilson")
    np.testing.assert_allclose(low, ref_low, atol=1e-12)
    np.testing.assert_allclose(high, ref_high, atol=1e-12)
    assert low[0] == 0.0 and high[5] == 1.0
    empty_low, empty_high = wilson_interval([0], [0])
    assert np.isnan(empty_low[0]) and np.isnan(empty_high[0])


def test_net_promoter_equals_the_mean_of_per_respondent_scores() -> None:
    rng = np.random.default_rng(8)
    units = [
        rng.choice([100, 0, -100], size=size, p=share)
        for size, share in [(40, [0.5, 0.3, 0.2]), (300, [0.2, 0.3, 0.5]), (1000, [0.6, 0.35, 0.05])]
    ]
    promoters = np.array([np.sum(u == 100) for u in units])
    detractors = np.array([np.sum(u == -100) for u in units])
    n = np.array([u.size for u in units])
    table = net_promoter(promoters, detractors, n)
    assert list(table.columns) == ["nps", "se", "ci_low", "ci_high"]
    z = stats.norm.ppf(0.975)
    for row, scores in zip(table.itertuples(), units, strict=True):
        assert row.nps == pytest.approx(scores.mean(), rel=1e-12)
        # The multinomial variance 100^2 (p + d - (p - d)^2) is the population (ddof=0) variance of
        # the scores, so se = std(ddof=0)/sqrt(n). scipy.stats.sem uses ddof=1 and is larger by
        # sqrt(n / (n - 1)).
        assert row.se == pytest.approx(scores.std(ddof=0) / np.sqrt(scores.size), rel=1e-9)
        assert row.se * np.sqrt(scores.size / (scores.size - 1)) == pytest.approx(stats.sem(scores), rel=1e-9)
        assert row.ci_low == pytest.approx(scores.mean() - z * row.se, rel=1e-12)
        assert row.ci_high == pytest.approx(scores.mean() + z * row.se, rel=1e-12)


def test_net_promoter_corner_cases() -> None:
    table = net_promoter([10, 0, 0], [0, 10, 0], [10, 10, 0])
    assert table["nps"].tolist()[:2] == [100.0, -100.0]
    assert table["se"].tolist()[:2] == [0.0, 0.0]
    assert table.loc[2].isna().all()


def test_engagement_ratio() -> None:
    ratio = engagement_ratio([30, 5, 0, 0], [18, 0, 4, 0])
    assert ratio[0] == pytest.approx(30 / 18)
    assert ratio[1] == np.inf
    assert ratio[2] == 0.0
    assert np.isnan(ratio[3])


def test_ratio_interval_matches_the_delta_method_and_covers_95_percent() -> None:
    # Reference: the delta method for multinomial proportions (Agresti 2013, section 16.1):
    # Var(log(a/b)) = 1/(n p1) + 1/(n p2); checked here against 20,000 simulated samples.
    from servicechain.stats import ratio_interval

    rng = np.random.default_rng(5)
    n, p1, p2 = 400, 0.30, 0.15
    counts = rng.multinomial(n, [p1, p2, 1 - p1 - p2], size=20_000)
    a, b = counts[:, 0], counts[:, 1]
    simulated = np.var(np.log(a / b))
    assert simulated == pytest.approx(1 / (n * p1) + 1 / (n * p2), rel=0.05)
    low, high = ratio_interval(a, b)
    covered = np.mean((low <= p1 / p2) & (p1 / p2 <= high))
    assert 0.93 < covered < 0.97
    low, high = ratio_interval([0, 3], [4, 0])
    assert np.isnan(low).all() and np.isnan(high).all()
