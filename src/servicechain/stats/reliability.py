"""Internal consistency of a multi-item scale from moments of complete cases."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from servicechain.stats.summary import _floats


def cronbach_alpha(
    n: float,
    item_sums: npt.ArrayLike,
    item_sq_sums: npt.ArrayLike,
    total_sum: float,
    total_sq_sum: float,
) -> float:
    r"""Cronbach's alpha of a k-item scale from sums and sums of squares.

    Parameters
    ----------
    n : float
        Number of respondents who answered all k items (complete cases).
    item_sums, item_sq_sums : array_like
        Length-k arrays: per item, the sum and the sum of squares of the answers.
    total_sum, total_sq_sum : float
        Sum and sum of squares of the per-respondent scale total (sum of the k items).

    Returns
    -------
    float
        Alpha; NaN when n < 2, k < 2 or the total has no variance.

    Notes
    -----
    Variances use ddof=1: :math:`s^2 = (Q - T^2/n)/(n - 1)`. Then

    .. math:: \alpha = \frac{k}{k-1}\Big(1 - \frac{\sum_i s_i^2}{s^2_{total}}\Big)

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika* 16(3), 297-334.
    """
    sums, sq_sums = _floats(item_sums), _floats(item_sq_sums)
    k = sums.size
    if n < 2 or k < 2:
        return float("nan")
    item_var = (sq_sums - sums**2 / n) / (n - 1)
    total_var = (total_sq_sum - total_sum**2 / n) / (n - 1)
    if not total_var > 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.sum(item_var) / total_var))
