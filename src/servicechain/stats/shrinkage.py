"""Between-unit variance and empirical Bayes shrinkage of unit means toward the overall mean."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from servicechain.stats.summary import FloatArray, _floats, _index_of


def pooled_within_variance(n: npt.ArrayLike, total: npt.ArrayLike, total_sq: npt.ArrayLike) -> float:
    r"""Pooled within-unit variance of individual answers.

    Parameters
    ----------
    n, total, total_sq : array_like
        Per unit: answer count, sum and sum of squares.

    Returns
    -------
    float

    Notes
    -----
    .. math:: \hat\sigma^2 = \frac{\sum_i (n_i - 1) s_i^2}{\sum_i (n_i - 1)}, \qquad
              (n_i - 1) s_i^2 = Q_i - T_i^2 / n_i,

    over units with :math:`n_i \ge 2` (each term clipped at 0); NaN when there are none.
    This is the within-group mean square of one-way ANOVA.

    References
    ----------
    Searle, S. R., Casella, G. & McCulloch, C. E. (1992). *Variance Components*, Wiley, ch. 3.
    """
    count, t, q = _floats(n), _floats(total), _floats(total_sq)
    used = count >= 2
    ss = np.clip(q[used] - t[used] ** 2 / count[used], 0.0, None)
    df = float(np.sum(count[used] - 1))
    return float(np.sum(ss) / df) if df > 0 else float("nan")


@dataclass(frozen=True)
class RandomEffects:
    """Random-effects meta-analysis result: ``tau2`` between-unit variance, pooled ``mean``
    with ``se`` and interval, Cochran's ``q``, ``i2`` (0..1) and ``k`` units used."""

    tau2: float
    mean: float
    se: float
    ci_low: float
    ci_high: float
    q: float
    i2: float
    k: int


def dersimonian_laird(effects: npt.ArrayLike, variances: npt.ArrayLike, level: float = 0.95) -> RandomEffects:
    r"""DerSimonian-Laird random-effects pooling of unit estimates with known sampling variances.

    Parameters
    ----------
    effects, variances : array_like
        Per unit estimate :math:`y_i` and its sampling variance :math:`v_i`. Pairs that are not
        finite, or with :math:`v_i \le 0`, are left out. Fewer than 2 units give NaN results.
    level : float, default 0.95
        Confidence level of the normal interval for the pooled mean.

    Returns
    -------
    RandomEffects

    Notes
    -----
    With :math:`w_i = 1/v_i` and the fixed-effect mean :math:`\bar y_w`:

    .. math:: Q = \sum w_i (y_i - \bar y_w)^2, \quad
              \hat\tau^2 = \max\Big(0, \frac{Q - (k-1)}{\sum w_i - \sum w_i^2 / \sum w_i}\Big)

    then :math:`w_i^* = 1/(v_i + \hat\tau^2)`, :math:`\hat\mu = \sum w_i^* y_i / \sum w_i^*`,
    :math:`se = (\sum w_i^*)^{-1/2}`, interval :math:`\hat\mu \pm z\, se`, and
    :math:`I^2 = \max(0, (Q - (k-1))/Q)`.

    References
    ----------
    DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical
    Trials* 7(3), 177-188. Higgins, J. P. T. & Thompson, S. G. (2002). Quantifying heterogeneity
    in a meta-analysis. *Statistics in Medicine* 21(11), 1539-1558.
    """
    y, v = _floats(effects), _floats(variances)
    used = np.isfinite(y) & np.isfinite(v) & (v > 0)
    y, v = y[used], v[used]
    k = int(y.size)
    if k < 2:
        nan = float("nan")
        return RandomEffects(nan, nan, nan, nan, nan, nan, nan, k)
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - fixed) ** 2))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, float((q - (k - 1)) / c))
    w_re = 1 / (v + tau2)
    mean = float(np.sum(w_re * y) / np.sum(w_re))
    se = float(np.sqrt(1 / np.sum(w_re)))
    z = float(stats.norm.ppf((1 + level) / 2))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    return RandomEffects(tau2, mean, se, mean - z * se, mean + z * se, q, i2, k)


def shrink(
    means: npt.ArrayLike, n: npt.ArrayLike, sigma2: float, tau2: float, grand_mean: float
) -> tuple[FloatArray, FloatArray]:
    r"""Pull unit means toward the overall mean in proportion to their unreliability.

    Parameters
    ----------
    means, n : array_like
        Per unit: observed mean and number of answers behind it.
    sigma2, tau2 : float
        Within-unit variance of answers and between-unit variance of true unit means.
    grand_mean : float
        Overall mean to shrink toward.

    Returns
    -------
    (shrunk, weight) : tuple of numpy.ndarray
        The shrunken means and the weight each unit's own mean receives; NaN where n == 0.

    Notes
    -----
    .. math:: w_i = \frac{\tau^2}{\tau^2 + \sigma^2 / n_i}, \qquad
              \tilde y_i = \mu + w_i (\bar y_i - \mu)

    With :math:`\tau^2 = 0` every weight is 0 and all units sit at the grand mean. In the
    one-way random-intercept model these are the BLUPs given the variance components.

    References
    ----------
    Efron, B. & Morris, C. (1975). Data analysis using Stein's estimator and its generalizations.
    *JASA* 70(350), 311-319. Robinson, G. K. (1991). That BLUP is a good thing. *Statistical
    Science* 6(1), 15-32.
    """
    y, count = _floats(means), _floats(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(tau2 == 0, 0.0, tau2 / (tau2 + sigma2 / count))
    weight = np.where(count > 0, weight, np.nan)
    return grand_mean + weight * (y - grand_mean), weight


@dataclass(frozen=True)
class Shrinkage:
    """Empirical Bayes result: ``table`` (columns ``mean, shrunk, weight``) and the estimates used."""

    table: pd.DataFrame
    tau2: float
    sigma2: float
    grand_mean: float


def empirical_bayes(n: npt.ArrayLike, total: npt.ArrayLike, total_sq: npt.ArrayLike) -> Shrinkage:
    r"""Empirical Bayes (shrunken) unit means from sufficient statistics.

    Parameters
    ----------
    n, total, total_sq : array_like
        Per unit: answer count, sum and sum of squares. Units with n == 0 take no part in the
        estimation and get NaN.

    Returns
    -------
    Shrinkage
        ``table`` has columns ``mean, shrunk, weight`` (index of ``n`` when it is a Series);
        ``tau2``, ``sigma2`` and ``grand_mean`` are the estimates used. They are NaN when fewer
        than two units have answers and a positive within-unit variance.

    Notes
    -----
    :math:`\sigma^2` is the pooled within-unit variance, :math:`v_i = \sigma^2 / n_i`,
    :math:`\tau^2` and the grand mean :math:`\mu` come from ``dersimonian_laird(means, v)``,
    and then ``shrink(means, n, sigma2, tau2, mu)``.

    References
    ----------
    Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications. *JASA*
    78(381), 47-55. DerSimonian & Laird (1986), see :func:`dersimonian_laird`.
    """
    count, t = _floats(n), _floats(total)
    sigma2 = pooled_within_variance(count, t, total_sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(count > 0, t / count, np.nan)
        variances = np.where(count > 0, sigma2 / count, np.nan)
    pooled = dersimonian_laird(means, variances)
    shrunk, weight = shrink(means, count, sigma2, pooled.tau2, pooled.mean)
    table = pd.DataFrame({"mean": means, "shrunk": shrunk, "weight": weight}, index=_index_of(n))
    return Shrinkage(table, pooled.tau2, sigma2, pooled.mean)
