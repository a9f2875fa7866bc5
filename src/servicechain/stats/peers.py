"""Comparing units with their peers, for many peer groups at once (vectorised).

A peer group is the units of one level (e.g. all stores) for one period and measure. For
each group this module estimates, from the per-unit sufficient statistics, the pooled
within-unit variance sigma^2, the DerSimonian-Laird between-unit variance tau^2 and the
random-effects grand mean, and then per unit the shrunk mean, the funnel limits and the
percentile rank. It gives the same numbers as running :func:`empirical_bayes`,
:func:`funnel_flags` and :func:`percentile_rank` group by group (tested), but in a few
grouped pandas operations, so a scorecard of thousands of groups takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from servicechain.stats.funnel import ALARM_Z, ALERT_Z


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """An integer per row naming its group (one pass over the key columns)."""
    return frame.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()


def _group_sum(codes: np.ndarray, values: pd.Series) -> pd.Series:
    """Each row's group total of ``values`` (missing values count as 0, as pandas' sum does)."""
    weights = values.to_numpy(dtype="float64", na_value=np.nan)
    totals = np.bincount(codes, weights=np.where(np.isnan(weights), 0.0, weights))
    return pd.Series(totals[codes], index=values.index)


def peer_estimates(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per row: ``k, sigma2, tau2, grand_mean, target`` of its peer group.

    ``frame`` has columns ``n, total, total_sq`` and the ``by`` columns. Rows with n == 0
    take no part. ``target`` is the pooled mean of all responses of the group (the
    funnel plot's centre line); ``grand_mean`` the DerSimonian-Laird random-effects mean
    (the shrinkage target). Formulas: see :func:`servicechain.stats.dersimonian_laird`
    (DerSimonian & Laird 1986) and :func:`servicechain.stats.pooled_within_variance`.
    """
    keys = group_codes(frame, by)
    n = frame["n"].astype("float64")
    total = frame["total"].astype("float64")
    present = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (total / n).where(present)
        within_ss = (
            (frame["total_sq"].astype("float64") - total * total / n).clip(lower=0).where(present, 0.0)
        )
    sigma2 = _group_sum(keys, within_ss) / _group_sum(keys, (n - 1).clip(lower=0))
    k = _group_sum(keys, present.astype("float64"))
    target = _group_sum(keys, total.where(present, 0.0)) / _group_sum(keys, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = (n / sigma2).where(present, 0.0)  # 1 / v_i with v_i = sigma^2 / n_i
        sum_w = _group_sum(keys, weight)
        fixed = _group_sum(keys, (weight * mean).fillna(0.0)) / sum_w
        q = _group_sum(keys, (weight * (mean - fixed) ** 2).fillna(0.0))
        c = sum_w - _group_sum(keys, weight * weight) / sum_w
        tau2 = ((q - (k - 1)) / c).clip(lower=0.0).where(k > 1, 0.0).fillna(0.0)
        star = (1.0 / (sigma2 / n + tau2)).where(present, 0.0)
        grand = _group_sum(keys, (star * mean).fillna(0.0)) / _group_sum(keys, star)
    return pd.DataFrame({"k": k, "sigma2": sigma2, "tau2": tau2, "grand_mean": grand, "target": target})


def compare_with_peers(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per row: ``shrunk, weight`` (empirical Bayes), ``flag, alarm`` and the funnel limits.

    shrunk = w * mean + (1 - w) * grand mean, w = tau^2 / (tau^2 + sigma^2 / n)
    (Morris 1983). Funnel limits: target +/- z * sqrt(sigma^2 / n + tau^2), z = 1.96 for
    the alert flag (above / within / below) and 3.09 for the alarm (Spiegelhalter 2005,
    additive over-dispersion). A group of one unit has nothing to compare with: its
    shrunk value is its mean and it gets no flag.
    """
    peers = peer_estimates(frame, by)
    n = frame["n"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (frame["total"].astype("float64") / n).where(n > 0)
        noise = peers["sigma2"] / n
        weight = (peers["tau2"] / (peers["tau2"] + noise)).where(peers["tau2"] > 0, 0.0)
        weight = weight.where(peers["k"] > 1, 1.0).where(n > 0)
        spread = np.sqrt(noise + peers["tau2"])
    shrunk = peers["grand_mean"] + weight * (mean - peers["grand_mean"])
    shrunk = shrunk.where(peers["k"] > 1, mean)
    distance: pd.Series = (mean - peers["target"]) / spread
    comparable = (peers["k"] > 1) & mean.notna() & np.isfinite(distance)
    flag = pd.Series(None, index=frame.index, dtype=object)
    flag[comparable] = "within"
    flag[comparable & (distance > ALERT_Z)] = "above"
    flag[comparable & (distance < -ALERT_Z)] = "below"
    alarm = comparable & (distance.abs() > ALARM_Z)
    limits = {
        f"{name}_{side}": (peers["target"] + sign * z * spread).where((peers["k"] > 1) & (n > 0))
        for name, z in (("alert", ALERT_Z), ("alarm", ALARM_Z))
        for side, sign in (("low", -1.0), ("high", 1.0))
    }
    return pd.DataFrame({"shrunk": shrunk, "weight": weight, "flag": flag, "alarm": alarm, **limits, **peers})


def peer_percentiles(values: pd.Series, groups: pd.DataFrame) -> pd.Series:
    """Percentile rank 0..100 within each group: 100 * (average rank - 0.5) / k; NaN stays NaN.

    Equals ``scipy.stats.percentileofscore(group, v, kind="mean")`` for every v.
    """
    codes = group_codes(groups, list(groups.columns))
    rank = values.groupby(codes, sort=False).rank(method="average")
    count = _group_sum(codes, values.notna().astype("float64"))
    return 100.0 * (rank - 0.5) / count


def peer_icc(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """ICC(1) and ICC(2) per peer group, one row per group (index: the ``by`` columns).

    The grouped form of :func:`servicechain.stats.icc_oneway` (same formulas, Shrout &
    Fleiss 1979, Bliese 2000), with columns ``units, respondents, msb, msw, icc1, icc2``.
    Rows with n == 0 are ignored.
    """
    used = frame[frame["n"] > 0]
    n = used["n"].astype("float64")
    total = used["total"].astype("float64")
    parts = pd.DataFrame({
        **{key: used[key] for key in by}, "units": 1.0, "n": n, "t": total, "t2n": total * total / n,
        "within": (used["total_sq"].astype("float64") - total * total / n).clip(lower=0), "n2": n * n,
    })  # fmt: skip
    sums = parts.groupby(list(by), sort=True).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = (sums["t2n"] - sums["t"] ** 2 / sums["n"]) / (sums["units"] - 1)
        msw = sums["within"] / (sums["n"] - sums["units"])
        k0 = (sums["n"] - sums["n2"] / sums["n"]) / (sums["units"] - 1)
        icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
        icc2 = (msb - msw) / msb
    result = pd.DataFrame({"units": sums["units"].astype("int64"), "respondents": sums["n"].astype("int64"),
                           "msb": msb, "msw": msw, "icc1": icc1, "icc2": icc2})  # fmt: skip
    return result.replace([np.inf, -np.inf], np.nan)
