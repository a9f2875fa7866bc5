"""Human Sigma composite, levels and quadrants (domain.md's documented formula, worked by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from servicechain.stats.human_sigma import composite, level, quadrant


def test_composite_is_the_geometric_mean_with_a_balance_penalty() -> None:
    # by hand: sqrt(90 * 10) = 30; (10 / 90) ** 0.125 = 0.7598; 30 * 0.7598 = 22.79
    assert composite([90.0], [10.0])[0] == pytest.approx(30 * (1 / 9) ** 0.125)
    assert composite([90.0], [10.0])[0] == pytest.approx(22.79, abs=0.01)
    assert composite([60.0, 0.0], [60.0, 0.0]).tolist() == [60.0, 0.0]  # balanced: the percentile itself
    assert composite([10.0], [90.0])[0] == composite([90.0], [10.0])[0]  # symmetric
    assert math.isnan(composite([np.nan], [50.0])[0])


def test_an_unbalanced_unit_scores_below_a_balanced_one_with_the_same_geometric_mean() -> None:
    balanced, lopsided = composite([40.0, 80.0], [40.0, 20.0])
    assert math.sqrt(80 * 20) == 40.0
    assert lopsided < balanced


def test_levels_follow_the_cutoffs_with_the_lower_bound_included() -> None:
    values = [0.0, 19.99, 20.0, 34.9, 35.0, 50.0, 64.9, 65.0, 79.9, 80.0, 100.0, np.nan]
    result = level(values)
    assert result[:-1].tolist() == [1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 6]
    assert math.isnan(result[-1])
    assert level([50.0], cutoffs=(10, 20, 30, 40, 50)).tolist() == [6.0]


def test_quadrants_split_at_each_axis_median() -> None:
    ee = [90.0, 80.0, 20.0, 10.0, np.nan]
    ce = [70.0, 10.0, 95.0, 5.0, 50.0]
    assert quadrant(ee, ce).tolist() == ["both_high", "employee_only", "customer_only", "both_low", None]
    assert quadrant([np.nan], [np.nan]).tolist() == [None]
