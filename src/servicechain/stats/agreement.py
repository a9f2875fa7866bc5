"""Agreement within units: intraclass correlations and r_wg."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from servicechain.stats.summary import FloatArray, _floats


@dataclass(frozen=True)
class IccResult:
    """One-way ANOVA intraclass correlations: ``icc1`` (reliability of one answer), ``icc2``
    (reliability of the unit mean), mean squares ``msb``/``msw``, the adjusted group size ``k0``,
    and the number of ``groups`` and ``respondents`` used."""

    icc1: float
    icc2: float
    msb: float
    msw: float
    k0: float
    groups: int
    respondents: int


def icc_oneway(n: npt.ArrayLike, total: npt.ArrayLike, total_sq: npt.ArrayLike) -> IccResult:
    r"""ICC(1) and ICC(2) of unit membership from per-unit sufficient statistics.

    Parameters
    ----------
    n, total, total_sq : array_like
        Per unit: answer count, sum and sum of squares. Units with n == 0 are ignored.

    Returns
    -------
    IccResult

    Notes
    -----
    With :math:`J` units, :math:`N = \sum n_i`, sums :math:`T_i` and sums of squares :math:`Q_i`:

    .. math::
        MSB = \frac{\sum T_i^2/n_i - (\sum T_i)^2/N}{J - 1}, \quad
        MSW = \frac{\sum (Q_i - T_i^2/n_i)}{N - J}, \quad
        k_0 = \frac{N - \sum n_i^2 / N}{J - 1}

    .. math::
        ICC(1) = \frac{MSB - MSW}{MSB + (k_0 - 1) MSW}, \qquad ICC(2) = \frac{MSB - MSW}{MSB}

    :math:`k_0` is the usual group size for unbalanced one-way designs (equal to n when
    balanced). ICC(1) and ICC(2) are Shrout & Fleiss' ICC(1,1) and ICC(1,k). Values are not
    truncated; a negative ICC means less between-unit variation than chance alone would give.

    References
    ----------
    Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
    reliability. *Psychological Bulletin* 86(2), 420-428. Bliese, P. D. (2000). Within-group
    agreement, non-independence, and reliability. In Klein & Kozlowski (eds.), *Multilevel
    Theory, Research, and Methods in Organizations*, 349-381. Searle, Casella & McCulloch (1992),
    *Variance Components*, section 3.6 (k0).
    """
    count, t, q = _floats(n), _floats(total), _floats(total_sq)
    used = count > 0
    count, t, q = count[used], t[used], q[used]
    groups, big_n = int(count.size), float(count.sum())
    ssb = float(np.sum(t**2 / count) - t.sum() ** 2 / big_n) if groups else float("nan")
    ssw = float(np.sum(np.clip(q - t**2 / count, 0.0, None)))
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = np.float64(ssb) / (groups - 1)
        msw = np.float64(ssw) / (big_n - groups)
        k0 = (big_n - np.sum(count**2) / np.float64(big_n)) / (groups - 1)
        icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
        icc2 = (msb - msw) / msb
    return IccResult(float(icc1), float(icc2), float(msb), float(msw), float(k0), groups, int(big_n))


def _uniform_variance(scale_min: float, scale_max: float) -> float:
    options = scale_max - scale_min + 1
    return (options**2 - 1) / 12


def rwg(variance: npt.ArrayLike, scale_min: float, scale_max: float) -> FloatArray:
    r"""Single-item within-unit agreement r_wg.

    Parameters
    ----------
    variance : array_like
        Per unit: observed variance of the answers (ddof=1).
    scale_min, scale_max : float
        Lowest and highest answer option of an integer scale (A = max - min + 1 options).

    Returns
    -------
    numpy.ndarray
        r_wg in [0, 1]; NaN where the variance is NaN.

    Notes
    -----
    .. math:: r_{wg} = 1 - s^2 / \sigma^2_{EU}, \qquad \sigma^2_{EU} = (A^2 - 1)/12

    compares the observed variance with that of a uniform ("no agreement") answer
    distribution. Values outside [0, 1] (more variance than uniform) are truncated, following
    the common practice described by LeBreton & Senter (2008).

    References
    ----------
    James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group interrater reliability
    with and without response bias. *Journal of Applied Psychology* 69(1), 85-98.
    LeBreton, J. M. & Senter, J. L. (2008). Answers to 20 questions about interrater reliability
    and interrater agreement. *Organizational Research Methods* 11(4), 815-852.
    """
    ratio = _floats(variance) / _uniform_variance(scale_min, scale_max)
    return np.clip(1 - ratio, 0.0, 1.0)


def rwg_j(mean_item_variance: npt.ArrayLike, n_items: int, scale_min: float, scale_max: float) -> FloatArray:
    r"""Multi-item within-unit agreement r_wg(J).

    Parameters
    ----------
    mean_item_variance : array_like
        Per unit: mean over the J items of the observed item variances (ddof=1).
    n_items : int
        Number of items J (parallel items of one scale).
    scale_min, scale_max : float
        Lowest and highest answer option (A = max - min + 1 options).

    Returns
    -------
    numpy.ndarray
        r_wg(J) in [0, 1]; NaN where the variance is NaN.

    Notes
    -----
    With :math:`r = \bar s^2 / \sigma^2_{EU}` and :math:`\sigma^2_{EU} = (A^2 - 1)/12`:

    .. math:: r_{wg(J)} = \frac{J (1 - r)}{J (1 - r) + r}

    When :math:`\bar s^2 \ge \sigma^2_{EU}` the formula leaves [0, 1] (and can even exceed 1),
    so such units are set to 0, as recommended by LeBreton & Senter (2008).

    References
    ----------
    James, Demaree & Wolf (1984), see :func:`rwg`, equation 3. LeBreton & Senter (2008).
    """
    ratio = _floats(mean_item_variance) / _uniform_variance(scale_min, scale_max)
    j = float(n_items)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    value = np.where(ratio >= 1, 0.0, value)
    return np.clip(value, 0.0, 1.0)
