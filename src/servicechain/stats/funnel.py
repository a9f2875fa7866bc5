"""Funnel plot control limits for comparing units with a target, allowing for over-dispersion."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from servicechain.stats.summary import FloatArray, _floats, _index_of

ALERT_Z = 1.959963984540054
"""Two-sided 95% limit: ``scipy.stats.norm.ppf(0.975)``."""

ALARM_Z = 3.090232306167813
"""Two-sided 99.8% limit: ``scipy.stats.norm.ppf(0.999)``."""


def funnel_limits(
    n: npt.ArrayLike, target: float, sigma2: float, tau2: float, z: float
) -> tuple[FloatArray, FloatArray]:
    r"""Lower and upper funnel limits for a unit mean based on n answers.

    Parameters
    ----------
    n : array_like
        Answers per unit; n <= 0 gives NaN.
    target : float
        Benchmark (e.g. the overall mean or a goal).
    sigma2 : float
        Within-unit variance of individual answers.
    tau2 : float
        Between-unit variance accepted as "normal" (0: no over-dispersion allowance).
    z : float
        Normal quantile, e.g. :data:`ALERT_Z` or :data:`ALARM_Z`.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray

    Notes
    -----
    .. math:: \theta_0 \pm z \sqrt{\sigma^2 / n + \tau^2}

    This is the additive random-effects allowance for over-dispersion.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24(8), 1185-1202, section on random-effects over-dispersion.
    """
    count = _floats(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(np.where(count > 0, sigma2 / count, np.nan) + tau2)
    return target - half, target + half


def funnel_flags(
    means: npt.ArrayLike, n: npt.ArrayLike, target: float, sigma2: float, tau2: float
) -> pd.DataFrame:
    """Alert (95%) and alarm (99.8%) limits per unit and where each unit mean falls.

    Parameters
    ----------
    means, n : array_like
        Per unit: observed mean and number of answers.
    target, sigma2, tau2 : float
        As in :func:`funnel_limits`.

    Returns
    -------
    pandas.DataFrame
        Columns ``alert_low, alert_high, alarm_low, alarm_high`` (floats), ``flag`` ("above",
        "within" or "below" the alert limits; None for a missing mean) and ``alarm`` (bool: outside
        the alarm limits). Keeps the index of ``means`` when it is a Series.

    Notes
    -----
    Limits as in :func:`funnel_limits` with :math:`z = 1.96` and :math:`z = 3.09`.

    References
    ----------
    Spiegelhalter (2005), see :func:`funnel_limits`.
    """
    y = _floats(means)
    alert_low, alert_high = funnel_limits(n, target, sigma2, tau2, ALERT_Z)
    alarm_low, alarm_high = funnel_limits(n, target, sigma2, tau2, ALARM_Z)
    flag = np.full(y.shape, None, dtype=object)
    flag[np.isfinite(y)] = "within"
    flag[y > alert_high] = "above"
    flag[y < alert_low] = "below"
    index = _index_of(means)
    return pd.DataFrame(
        {
            "alert_low": alert_low,
            "alert_high": alert_high,
            "alarm_low": alarm_low,
            "alarm_high": alarm_high,
            # object dtype keeps None (pandas 3 would infer its "str" dtype and turn None into NaN)
            "flag": pd.Series(flag, index=index, dtype=object),
            "alarm": (y > alarm_high) | (y < alarm_low),
        },
        index=index,
    )
