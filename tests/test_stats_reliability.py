"""Cronbach's alpha from sums of complete cases, checked against pingouin on raw Likert data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicechain.stats import cronbach_alpha


def _likert(rng: np.random.Generator, respondents: int, items: int, loading: float) -> np.ndarray:
    trait = rng.normal(0, 1, (respondents, 1))
    raw = 3 + loading * trait + rng.normal(0, 1, (respondents, items))
    return np.clip(np.rint(raw), 1, 5)


def _sums(answers: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    total = answers.sum(axis=1)
    return (
        float(answers.shape[0]),
        answers.sum(axis=0),
        (answers**2).sum(axis=0),
        float(total.sum()),
        float((total**2).sum()),
    )


@pytest.mark.parametrize(("respondents", "items", "loading"), [(40, 3, 0.5), (250, 6, 1.0), (1000, 12, 0.2)])
def test_cronbach_alpha_equals_pingouin(respondents: int, items: int, loading: float) -> None:
    import pingouin

    rng = np.random.default_rng(respondents + items)
    answers = _likert(rng, respondents, items, loading)
    # pingouin.cronbach_alpha(data=wide) returns (alpha, ci); complete cases, so no missing values.
    reference, _ = pingouin.cronbach_alpha(data=pd.DataFrame(answers))
    assert cronbach_alpha(*_sums(answers)) == pytest.approx(reference, abs=1e-10)


def test_cronbach_alpha_known_values() -> None:
    # Identical items: alpha = 1. Independent items: alpha near 0 (Cronbach 1951).
    base = np.random.default_rng(1).integers(1, 6, (500, 1)).astype(float)
    assert cronbach_alpha(*_sums(np.repeat(base, 4, axis=1))) == pytest.approx(1.0)
    independent = np.random.default_rng(2).integers(1, 6, (5000, 5)).astype(float)
    assert cronbach_alpha(*_sums(independent)) == pytest.approx(0.0, abs=0.05)
    assert np.isnan(cronbach_alpha(1, [3.0, 4.0], [9.0, 16.0], 7.0, 49.0))
    assert np.isnan(cronbach_alpha(10, [30.0], [90.0], 30.0, 90.0))
