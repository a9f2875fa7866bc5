"""The grouped, vectorised peer comparison (:mod:`servicechain.stats.peers`) against the per-group
reference functions: ``empirical_bayes``, ``dersimonian_laird``, ``funnel_flags`` and
``percentile_rank`` run group by group on random grouped data must give the same numbers (1e-10).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from servicechain.stats import dersimonian_laird, empirical_bayes, funnel_flags, percentile_rank
from servicechain.stats.peers import compare_with_peers, peer_estimates, peer_percentiles

BY = ["period", "measure"]
TOL = {"rtol": 1e-10, "atol": 1e-10}
LIMITS = ["alert_low", "alert_high", "alarm_low", "alarm_high"]


def grouped_sums(seed: int) -> pd.DataFrame:
    """Per-unit ``n, total, total_sq`` of real 1..5 answers in groups of 1, 2, 3, 7, 12 and 30 units.

    Each group has its own between-unit spread; about one row in eight has n == 0, some have n == 1;
    the single-unit group also has an empty row (so it has k == 1 but two rows). Rows are shuffled so
    that the groups interleave.
    """
    rng = np.random.default_rng(seed)
    rows = []
    sizes = {
        ("2026-Q1", "solo"): 1,
        ("2026-Q1", "pair"): 2,
        ("2026-Q2", "pair"): 3,
        ("2026-Q2", "mid"): 7,
        ("2026-Q3", "mid"): 12,
        ("2026-Q3", "big"): 30,
    }
    for (period, measure), size in sizes.items():
        spread = rng.uniform(0.0, 0.8)
        centre = rng.uniform(2.5, 4.0)
        for unit in range(size):
            n = 0 if (size > 2 and rng.random() < 0.125) else int(rng.integers(1, 40))
            answers = np.clip(np.rint(rng.normal(centre + spread * rng.normal(), 1.0, size=n)), 1, 5)
            rows.append((period, measure, f"u{unit}", n, answers.sum(), (answers**2).sum()))
        if size == 1:
            rows.append((period, measure, "empty", 0, 0.0, 0.0))
    frame = pd.DataFrame(rows, columns=[*BY, "unit", "n", "total", "total_sq"])
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    frame.index = frame.index * 3 + 5  # a non-default index must be kept
    return frame


def reference(group: pd.DataFrame) -> pd.DataFrame:
    """The per-group reference functions on one peer group."""
    n, total = group["n"], group["total"]
    eb = empirical_bayes(n, total, group["total_sq"])
    present = n > 0
    means = (total / n).where(present)
    pooled = dersimonian_laird(means, (eb.sigma2 / n).where(present))
    target = total.sum() / n.sum()
    funnel = funnel_flags(means, n, target, eb.sigma2, pooled.tau2)
    return pd.DataFrame(
        {
            "k": float(present.sum()),
            "sigma2": eb.sigma2,
            "tau2": pooled.tau2,
            "grand_mean": pooled.mean,
            "eb_tau2": eb.tau2,
            "eb_grand_mean": eb.grand_mean,
            "target": target,
            "mean": eb.table["mean"],
            "shrunk": eb.table["shrunk"],
            "weight": eb.table["weight"],
            **{column: funnel[column] for column in [*LIMITS, "flag", "alarm"]},
        },
        index=group.index,
    )


def references(frame: pd.DataFrame) -> pd.DataFrame:
    parts = [reference(group) for _, group in frame.groupby(BY, sort=False)]
    return pd.concat(parts).loc[frame.index]


@pytest.fixture(params=range(6), ids=lambda seed: f"seed{seed}")
def data(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frame = grouped_sums(request.param)
    return frame, compare_with_peers(frame, BY), references(frame)


def close(actual: pd.Series, expected: pd.Series, label: str) -> None:
    np.testing.assert_allclose(
        actual.to_numpy(dtype="float64"), expected.to_numpy(dtype="float64"), err_msg=label, **TOL
    )


def test_the_random_data_cover_the_edge_cases() -> None:
    frame = grouped_sums(0)
    assert (frame["n"] == 0).sum() >= 2
    assert (frame["n"] == 1).sum() + (frame["n"] > 1).sum() > 40
    k = (frame["n"] > 0).groupby([frame[c] for c in BY]).sum()
    assert sorted(k.unique())[0] == 1 and k.max() > 20


def test_peer_estimates_equal_the_per_group_estimates(data: tuple) -> None:
    frame, _, expected = data
    estimates = peer_estimates(frame, BY)
    assert list(estimates.index) == list(frame.index)
    several = expected["k"] > 1
    assert several.any() and (~several).any()
    close(estimates["k"], expected["k"], "k")
    close(estimates["sigma2"], expected["sigma2"], "sigma2")
    close(estimates["target"], expected["target"], "target")
    # groups of two or more: the DerSimonian-Laird estimates of that group alone
    close(estimates.loc[several, "tau2"], expected.loc[several, "tau2"], "tau2")
    close(estimates.loc[several, "grand_mean"], expected.loc[several, "grand_mean"], "grand mean")
    # empirical_bayes uses the same dersimonian_laird
    close(expected.loc[several, "eb_tau2"], expected.loc[several, "tau2"], "empirical_bayes tau2")
    close(expected.loc[several, "eb_grand_mean"], expected.loc[several, "grand_mean"], "eb grand mean")
    # a group of one unit has no between-unit variance to estimate
    assert (estimates.loc[~several, "tau2"] == 0).all()


def test_shrunk_values_and_weights_equal_empirical_bayes(data: tuple) -> None:
    frame, peers, expected = data
    several = expected["k"] > 1
    close(peers.loc[several, "shrunk"], expected.loc[several, "shrunk"], "shrunk")
    close(peers.loc[several, "weight"], expected.loc[several, "weight"], "weight")
    assert peers.loc[frame["n"] == 0, ["shrunk", "weight"]].isna().all().all()


def test_a_group_of_one_unit_keeps_its_mean_and_gets_no_flag(data: tuple) -> None:
    frame, peers, expected = data
    alone = (expected["k"] == 1) & (frame["n"] > 0)
    assert alone.sum() >= 1
    close(peers.loc[alone, "shrunk"], expected.loc[alone, "mean"], "shrunk of a lone unit")
    assert (peers.loc[alone, "weight"] == 1.0).all()
    assert peers.loc[alone, "flag"].isna().all()
    assert not peers.loc[alone, "alarm"].any()
    assert peers.loc[alone, LIMITS].isna().all().all()


def test_funnel_limits_flags_and_alarms_equal_funnel_flags(data: tuple) -> None:
    frame, peers, expected = data
    compared = (expected["k"] > 1) & (frame["n"] > 0)
    for column in LIMITS:
        close(peers.loc[compared, column], expected.loc[compared, column], column)
    assert peers.loc[compared, "flag"].tolist() == expected.loc[compared, "flag"].tolist()
    assert peers["alarm"].dtype == bool
    assert peers.loc[compared, "alarm"].tolist() == expected.loc[compared, "alarm"].tolist()
    empty = frame["n"] == 0
    assert peers.loc[empty, "flag"].isna().all() and not peers.loc[empty, "alarm"].any()
    assert set(peers["flag"].dropna()) <= {"above", "within", "below"}


def test_flags_follow_the_distance_from_the_target() -> None:
    """Deterministic: one unit far above, one far below, the rest in the middle."""
    n = np.full(10, 50)
    means = np.array([4.9, 1.1, *[3.0] * 8])
    frame = pd.DataFrame(
        {"period": "p", "measure": "m", "n": n, "total": means * n, "total_sq": (means**2 + 0.8) * n}
    )
    flags = compare_with_peers(frame, BY)["flag"].tolist()
    assert flags[:2] == ["above", "below"] and set(flags[2:]) == {"within"}


@pytest.mark.parametrize("seed", range(4))
def test_peer_percentiles_equal_percentile_rank_per_group(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 300
    groups = pd.DataFrame(
        {
            "period": rng.choice(["2026-Q1", "2026-Q2"], size),
            "level": rng.choice(["a", "b", "c"], size),
        }
    )
    groups.loc[rng.random(size) < 0.02, "level"] = "lonely"  # tiny groups
    values = pd.Series(np.round(rng.normal(3.5, 0.4, size), 1), index=np.arange(size) * 2)  # with ties
    values[rng.random(size) < 0.1] = np.nan
    groups.index = values.index
    result = peer_percentiles(values, groups)
    expected = pd.Series(np.nan, index=values.index)
    for _, members in groups.groupby(["period", "level"]):
        expected[members.index] = percentile_rank(values[members.index])
    assert list(result.index) == list(values.index)
    close(result, expected, "percentile")
    assert result.isna().equals(values.isna())
    assert result.dropna().between(0, 100).all()


def test_higher_between_unit_variance_gives_less_shrinkage() -> None:
    """Same units, same answers around their means; only the spread of the unit means grows."""
    rng = np.random.default_rng(3)
    n = rng.integers(3, 40, size=15).astype(float)
    offsets = rng.normal(size=15)
    within = 0.9
    frames = []
    for spread in (0.05, 0.2, 0.4, 0.8, 1.6):
        means = 3.5 + spread * offsets
        frames.append(
            pd.DataFrame(
                {
                    "period": "p",
                    "measure": f"spread {spread}",
                    "n": n,
                    "total": means * n,
                    "total_sq": (means**2 + within) * n,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    peers = compare_with_peers(frame, BY)
    tau2 = peers.groupby(frame["measure"], sort=False)["tau2"].first().to_numpy()
    weights = peers["weight"].to_numpy().reshape(5, 15)
    assert tau2[-1] > 0 and np.all(np.diff(tau2) >= 0) and np.all(np.diff(tau2[tau2 > 0]) > 0)
    assert np.all(np.diff(weights, axis=0) >= 0), "a larger tau^2 must give every unit more of its own mean"
    assert np.all(np.diff(weights[tau2 > 0], axis=0) > 0)
    # and within one group, more answers -> more weight on the unit's own mean
    last = pd.Series(weights[-1], index=n)
    assert last.sort_index().is_monotonic_increasing
    # the distance to the grand mean shrinks less, relative to the raw distance
    mean = frame["total"] / frame["n"]
    kept = ((peers["shrunk"] - peers["grand_mean"]) / (mean - peers["grand_mean"])).to_numpy().reshape(5, 15)
    np.testing.assert_allclose(kept, weights, **TOL)


def test_funnel_limits_of_rows_without_answers_are_missing_as_in_funnel_flags() -> None:
    """Regression: rows with n == 0 in a group of k > 1 had limits -inf/+inf (sqrt(sigma2/0 + tau2))."""
    frame = grouped_sums(0)
    peers, expected = compare_with_peers(frame, BY), references(frame)
    empty = (frame["n"] == 0) & (expected["k"] > 1)
    assert empty.any()
    assert expected.loc[empty, LIMITS].isna().all().all()
    assert peers.loc[empty, LIMITS].isna().all().all()
