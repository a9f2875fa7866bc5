"""Key-driver analysis: Johnson's relative weights, bootstrap intervals and per-unit priorities."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from servicechain.stats.drivers import bootstrap_weights, priorities, relative_weights

DRIVERS = ["autonomy", "competence", "relatedness", "climate", "trust"]


def _simulate(n: int, seed: int, rho: float = 0.35, beta: tuple[float, ...] = (0.4, 0.3, 0.2, 0.1, 0.0)):
    """Equicorrelated predictors (correlation ``rho``) and a linear outcome with unit-variance noise."""
    rng = np.random.default_rng(seed)
    p = len(beta)
    cov = np.full((p, p), rho) + (1 - rho) * np.eye(p)
    x = rng.multivariate_normal(np.zeros(p), cov, size=n)
    y = x @ np.asarray(beta) + rng.normal(size=n)
    return pd.DataFrame(x, columns=DRIVERS[:p]), pd.Series(y, name="engagement")


def _r2(x: np.ndarray, y: np.ndarray) -> float:
    """R² of least squares of y on x with intercept (numpy lstsq); 0 for the empty model."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(1 - resid @ resid / np.sum((y - y.mean()) ** 2))


def _shapley_r2(X: pd.DataFrame, y: pd.Series) -> pd.Series:
    """Exact Shapley decomposition of R² (= general dominance, Budescu 1993; Azen & Budescu 2003)
    by brute force over all 2^p subsets: phi_j = sum_S |S|!(p-|S|-1)!/p! [R²(S+j) - R²(S)]."""
    x, v = X.to_numpy(float), y.to_numpy(float)
    p = x.shape[1]
    r2 = {s: _r2(x[:, list(s)], v) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    phi = np.zeros(p)
    for j in range(p):
        for s in (s for s in r2 if j not in s):
            w = math.factorial(len(s)) * math.factorial(p - len(s) - 1) / math.factorial(p)
            phi[j] += w * (r2[tuple(sorted((*s, j)))] - r2[s])
    return pd.Series(phi, index=X.columns)


def test_weights_sum_to_ols_r2_on_standardized_data():
    X, y = _simulate(400, seed=1)
    X.iloc[3, 1] = np.nan  # complete cases only
    y.iloc[7] = np.nan
    rw = relative_weights(X, y)
    data = pd.concat([X, y], axis=1).dropna()
    z = (data - data.mean()) / data.std()
    r2 = sm.OLS(z["engagement"], sm.add_constant(z[DRIVERS])).fit().rsquared
    assert rw["weight"].sum() == pytest.approx(r2, abs=1e-12)
    assert rw["share"].sum() == pytest.approx(100.0)
    assert rw["share"].to_numpy() == pytest.approx(rw["weight"].to_numpy() / r2 * 100)
    assert list(rw.columns) == ["driver", "weight", "share"]
    assert rw["weight"].is_monotonic_decreasing
    assert rw["driver"].iloc[0] == "autonomy"


def test_orthogonal_predictors_give_squared_correlations():
    # Johnson (2000): with uncorrelated predictors the weights are the squared validities r_jy².
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(60, 4))
    q, _ = np.linalg.qr(raw - raw.mean(axis=0))  # exactly uncorrelated, mean-zero sample columns
    X = pd.DataFrame(q, columns=DRIVERS[:4])
    y = pd.Series(q @ [3.0, 2.0, 1.0, 0.5] + rng.normal(size=60))
    rw = relative_weights(X, y).set_index("driver")["weight"]
    expected = X.corrwith(y) ** 2
    assert rw[expected.index].to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-12)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_close_to_exact_shapley_decomposition(seed):
    # Johnson (2000) reports that relative weights and Budescu's dominance (general dominance =
    # Shapley R²) weights are nearly identical; here too with moderate correlations (rho = 0.35).
    X, y = _simulate(500, seed=seed)
    rw = relative_weights(X, y).set_index("driver")["weight"]
    shapley = _shapley_r2(X, y)
    assert shapley.sum() == pytest.approx(rw.sum(), abs=1e-12)  # both decompose the same R²
    assert np.max(np.abs(rw[shapley.index] - shapley)) < 0.01


# (c) A published worked example with numbers (Johnson 2000; Tonidandel & LeBreton 2011) is not
# tested: the numbers could not be verified from a source at hand, so none are quoted here.


def test_too_few_rows_and_degenerate_predictors():
    X, y = _simulate(6, seed=6)
    with pytest.raises(ValueError, match="complete rows"):
        relative_weights(X.iloc[:6], y.iloc[:6])
    X, y = _simulate(50, seed=6)
    X["trust"] = 1.0  # constant column: correlations undefined
    assert relative_weights(X, y)["weight"].isna().all()


def test_bootstrap_intervals():
    X, y = _simulate(300, seed=7, beta=(0.6, 0.3, 0.0))
    boot = bootstrap_weights(X, y, n_boot=400, seed=1).set_index("driver")
    point = relative_weights(X, y).set_index("driver")
    assert list(boot.columns) == ["weight", "share", "ci_low", "ci_high"]
    assert boot[["weight", "share"]].to_numpy() == pytest.approx(point.to_numpy())
    assert (boot["ci_low"] <= boot["weight"]).all()
    assert (boot["weight"] <= boot["ci_high"]).all()
    assert boot.loc["relatedness", "ci_high"] < 0.05  # irrelevant driver: interval near 0 ...
    assert boot.loc["relatedness", "ci_high"] < boot.loc["autonomy", "ci_low"]  # ... below the strong one
    again = bootstrap_weights(X, y, n_boot=400, seed=1)
    pd.testing.assert_frame_equal(again, boot.reset_index())  # seeded: reproducible


def test_cluster_bootstrap_resamples_whole_units():
    # 40 units x 5 periods, nearly the same values each period: the row bootstrap treats 200 rows
    # as independent and is too narrow; resampling whole units gives a wider (honest) interval.
    X, y = _simulate(40, seed=8, beta=(0.5, 0.3, 0.1))
    rng = np.random.default_rng(9)
    Xp = pd.concat([X + rng.normal(scale=0.05, size=X.shape) for _ in range(5)], ignore_index=True)
    yp = pd.concat([y] * 5, ignore_index=True) + rng.normal(scale=0.05, size=200)
    unit = pd.Series(np.tile(np.arange(40), 5))
    rows = bootstrap_weights(Xp, yp, n_boot=300).set_index("driver")
    units = bootstrap_weights(Xp, yp, n_boot=300, cluster=unit).set_index("driver")
    assert units["weight"].to_numpy() == pytest.approx(rows["weight"].to_numpy())
    width = (units["ci_high"] - units["ci_low"]) / (rows["ci_high"] - rows["ci_low"])
    assert (width > 1.5).all()


def test_priorities_by_hand():
    importance = pd.Series({"a": 0.2, "b": 0.1, "c": 0.5})
    scores = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0, 5.0], "b": [4.0, 4.0, 2.0, 4.0], "c": [3.0, 1.0, 3.0, 3.0]},
        index=pd.Index(["u1", "u2", "u3", "u4"], name="store"),
    )
    # Top quartiles (linear interpolation): a: 3 + 0.25 * (5 - 3) = 3.5; b: 4; c: 3.
    # u1: gap a 2.5 -> 0.5.  u2: gap c 2 -> 1.0, a 1.5 -> 0.3.  u3: gap b 2 -> 0.2, a 0.5 -> 0.1.
    # u4: at or above the top quartile everywhere -> no focus areas.
    out = priorities(importance, scores)
    assert list(out.columns) == [
        "unit", "driver", "importance", "score", "top_quartile", "gap", "priority", "rank"
    ]  # fmt: skip
    assert list(zip(out["unit"], out["driver"], out["rank"], strict=True)) == [
        ("u1", "a", 1), ("u2", "c", 1), ("u2", "a", 2), ("u3", "b", 1), ("u3", "a", 2)
    ]  # fmt: skip
    assert out["top_quartile"].tolist() == pytest.approx([3.5, 3.0, 3.5, 4.0, 3.5])
    assert out["gap"].tolist() == pytest.approx([2.5, 2.0, 1.5, 2.0, 0.5])
    assert out["priority"].tolist() == pytest.approx([0.5, 1.0, 0.3, 0.2, 0.1])
    top1 = priorities(importance, scores, top=1)
    assert top1[["unit", "driver"]].values.tolist() == [["u1", "a"], ["u2", "c"], ["u3", "b"]]
    with pytest.raises(ValueError, match="no importance"):
        priorities(importance.drop("c"), scores)
