"""Percentile ranks of units in a league table."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

from servicechain.stats.summary import FloatArray, _floats


def percentile_rank(values: npt.ArrayLike) -> FloatArray:
    r"""Percentile rank of each value among the non-missing values, on 0..100.

    Parameters
    ----------
    values : array_like
        One value per unit; NaN values get NaN and do not count in k.

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    With average ranks for ties (1 = lowest) among the k non-missing values:

    .. math:: PR = 100 \, (\text{rank} - 0.5) / k

    i.e. the share of values below plus half the share of values equal; the same as
    ``scipy.stats.percentileofscore(values, v, kind="mean")``.

    References
    ----------
    Crocker, L. & Algina, J. (1986). *Introduction to Classical and Modern Test Theory*. Holt,
    Rinehart & Winston (percentile ranks, mid-point convention). SciPy,
    ``scipy.stats.percentileofscore`` documentation (``kind="mean"``).
    """
    x = _floats(values)
    present = ~np.isnan(x)
    result = np.full(x.shape, np.nan)
    k = int(present.sum())
    if k:
        result[present] = 100 * (stats.rankdata(x[present]) - 0.5) / k
    return result
