"""Funnel plot limits and flags (Spiegelhalter 2005), and league-table percentile ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servicechain.stats import (
    ALARM_Z,
    ALERT_Z,
    empirical_bayes,
    funnel_flags,
    funnel_limits,
    percentile_rank,
    pooled_within_variance,
)


def _units(rng: np.random.Generator, k: int, tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw answers (sd 1) for k units of 10..200 respondents around 3.5, aggregated to n, sum, sum sq."""
    sizes = rng.integers(10, 201, k)
    unit = np.repeat(np.arange(k), sizes)
    y = 3.5 + rng.normal(0, tau, k)[unit] + rng.normal(0, 1, unit.size)
    return sizes.astype(float), np.bincount(unit, weights=y), np.bincount(unit, weights=y**2)


def test_z_constants_are_the_normal_quantiles() -> None:
    # scipy.stats.norm.ppf(0.975) and ppf(0.999): two-sided 95% and 99.8% limits.
    assert stats.norm.ppf(0.975) == ALERT_Z
    assert stats.norm.ppf(0.999) == ALARM_Z


def test_funnel_limits_formula() -> None:
    low, high = funnel_limits([25, 100, 0], target=3.5, sigma2=0.81, tau2=0.01, z=2.0)
    # target ± z * sqrt(sigma^2 / n + tau^2), Spiegelhalter (2005) additive over-dispersion.
    np.testing.assert_allclose(low[:2], 3.5 - 2 * np.sqrt([0.81 / 25 + 0.01, 0.81 / 100 + 0.01]))
    np.testing.assert_allclose(high[:2], 3.5 + 2 * np.sqrt([0.81 / 25 + 0.01, 0.81 / 100 + 0.01]))
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_funnel_flags_table() -> None:
    means = pd.Series([3.5, 4.0, 3.0, 5.0, np.nan], index=list("abcde"))
    table = funnel_flags(means, [100, 100, 100, 100, 100], target=3.5, sigma2=1.0, tau2=0.0)
    assert list(table.columns) == ["alert_low", "alert_high", "alarm_low", "alarm_high", "flag", "alarm"]
    assert list(table.index) == list("abcde")
    # se = 0.1: 4.0 is 5 se above (alarm), 3.0 five below, 5.0 far above.
    assert table["flag"].tolist() == ["within", "above", "below", "above", None]
    assert table["alarm"].tolist() == [False, True, True, True, False]
    assert table["alarm"].dtype == bool
    assert table.loc["a", "alarm_high"] == pytest.approx(3.5 + ALARM_Z * 0.1)


def test_about_five_percent_flagged_when_units_do_not_differ() -> None:
    n, total, total_sq = _units(np.random.default_rng(31), k=2000, tau=0.0)
    sigma2 = pooled_within_variance(n, total, total_sq)
    table = funnel_flags(total / n, n, target=3.5, sigma2=sigma2, tau2=0.0)
    outside = (table["flag"] != "within").mean()
    assert 0.035 < outside < 0.065  # binomial sd of the share is 0.005
    assert table["alarm"].mean() < 0.006


def test_over_dispersion_must_be_allowed_for() -> None:
    n, total, total_sq = _units(np.random.default_rng(32), k=2000, tau=0.25)
    fit = empirical_bayes(n, total, total_sq)
    naive = funnel_flags(total / n, n, target=fit.grand_mean, sigma2=fit.sigma2, tau2=0.0)
    allowed = funnel_flags(total / n, n, target=fit.grand_mean, sigma2=fit.sigma2, tau2=fit.tau2)
    # Ignoring real between-unit variance (tau = 0.25, se of a unit mean 0.07..0.32) flags far
    # more than 5%; with the DerSimonian-Laird tau^2 the share is back near 5%.
    assert (naive["flag"] != "within").mean() > 0.3
    assert 0.03 < (allowed["flag"] != "within").mean() < 0.07
    assert fit.tau2 == pytest.approx(0.25**2, rel=0.15)


def test_percentile_rank_equals_scipy_percentileofscore() -> None:
    values = np.array([3.2, np.nan, 4.1, 3.2, 2.0, 5.0, 3.2, np.nan, 4.4])
    ranks = percentile_rank(values)
    present = values[~np.isnan(values)]
    for value, rank in zip(values, ranks, strict=True):
        if np.isnan(value):
            assert np.isnan(rank)
        else:
            # scipy.stats.percentileofscore(values, v, kind="mean") over the non-missing values.
            assert rank == pytest.approx(stats.percentileofscore(present, value, kind="mean"), abs=1e-12)
    assert ranks[4] == pytest.approx(100 * 0.5 / 7)
    assert np.isnan(percentile_rank([np.nan, np.nan])).all()
