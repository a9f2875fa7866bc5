"""Per-unit summaries from sufficient statistics: means, proportions, NPS, engagement ratio."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

FloatArray = npt.NDArray[np.float64]


def _floats(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _index_of(values: object) -> pd.Index | None:
    """The index of a pandas Series input, so results line up with it; None for arrays and lists."""
    return values.index if isinstance(values, pd.Series) else None


def describe(
    n: npt.ArrayLike, total: npt.ArrayLike, total_sq: npt.ArrayLike, level: float = 0.95
) -> pd.DataFrame:
    r"""Mean, standard deviation, standard error and t-interval per unit.

    Parameters
    ----------
    n, total, total_sq : array_like
        Per unit: number of non-missing answers, their sum and their sum of squares.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``mean, sd, se, ci_low, ci_high``, one row per unit (index of ``n`` if it is a Series).
        ``mean`` is NaN when n == 0; the other columns are NaN when n < 2.

    Notes
    -----
    .. math:: \bar x = T/n, \quad s^2 = \frac{Q - T^2/n}{n - 1}, \quad se = s/\sqrt{n},
              \quad \bar x \pm t_{(1+\text{level})/2,\, n-1}\, se

    with :math:`T` the sum and :math:`Q` the sum of squares. Floating point can make
    :math:`Q - T^2/n` a tiny negative number when all answers are equal; it is clipped at 0.

    References
    ----------
    Casella, G. & Berger, R. L. (2002). *Statistical Inference*, 2nd ed., sections 5.2-5.3 and 9.2.
    """
    count, t, q = _floats(n), _floats(total), _floats(total_sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 0, t / count, np.nan)
        variance = np.where(count >= 2, np.clip(q - t * mean, 0.0, None) / (count - 1), np.nan)
        sd = np.sqrt(variance)
        se = sd / np.sqrt(count)
        df = np.where(count >= 2, count - 1, np.nan)
        distinct, position = np.unique(df, return_inverse=True)  # few distinct n: ppf once each
        crit = stats.t.ppf((1 + level) / 2, distinct)[position.reshape(df.shape)]
    return pd.DataFrame(
        {"mean": mean, "sd": sd, "se": se, "ci_low": mean - crit * se, "ci_high": mean + crit * se},
        index=_index_of(n),
    )


def wilson_interval(
    count: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval for a proportion (e.g. share of top-box answers).

    Parameters
    ----------
    count : array_like
        Number of "successes" per unit.
    n : array_like
        Number of answers per unit; n == 0 gives NaN.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        Interval limits on the 0..1 scale.

    Notes
    -----
    With :math:`\hat p = x/n` and :math:`z = \Phi^{-1}((1+\text{level})/2)`:

    .. math:: \frac{\hat p + z^2/(2n)}{1 + z^2/n} \pm
              \frac{z}{1 + z^2/n}\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}

    Limits are clipped to [0, 1] (only a floating point effect), as statsmodels'
    ``proportion_confint(method="wilson")`` does.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    *JASA* 22(158), 209-212. Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation
    for a binomial proportion. *Statistical Science* 16(2), 101-133.
    """
    x, size = _floats(count), _floats(n)
    z = stats.norm.ppf((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(size > 0, size, np.nan)
        p = x / size
        denom = 1 + z**2 / size
        centre = (p + z**2 / (2 * size)) / denom
        half = z * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def net_promoter(
    promoters: npt.ArrayLike, detractors: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> pd.DataFrame:
    r"""Net Promoter Score with standard error and normal (Wald) interval, on the -100..100 scale.

    Parameters
    ----------
    promoters, detractors : array_like
        Per unit: number of promoters (9-10) and detractors (0-6).
    n : array_like
        Per unit: number of answers (promoters + passives + detractors); n == 0 gives NaN.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``nps, se, ci_low, ci_high``.

    Notes
    -----
    Scoring each respondent +100 (promoter), 0 (passive) or -100 (detractor), the NPS is the
    mean score. With shares :math:`p` (promoters) and :math:`d` (detractors), the per-respondent
    variance (multinomial, population form) and the standard error are

    .. math:: \sigma^2 = 100^2\,(p + d - (p - d)^2), \qquad se = \sqrt{\sigma^2 / n},

    and the interval is :math:`\text{NPS} \pm z\, se`. It is not clipped, so for small n or
    extreme shares it can reach beyond ±100; Rocks (2016) recommends an adjusted Wald interval
    in that regime.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score".
    *The American Statistician* 70(4), 365-372.
    """
    size = _floats(n)
    z = stats.norm.ppf((1 + level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.where(size > 0, size, np.nan)
        p, d = _floats(promoters) / size, _floats(detractors) / size
        nps = 100 * (p - d)
        se = 100 * np.sqrt(np.clip(p + d - (p - d) ** 2, 0.0, None) / size)
    return pd.DataFrame(
        {"nps": nps, "se": se, "ci_low": nps - z * se, "ci_high": nps + z * se},
        index=_index_of(n),
    )


def engagement_ratio(engaged: npt.ArrayLike, disengaged: npt.ArrayLike) -> FloatArray:
    r"""Engaged per actively disengaged employee (Gallup-style engagement ratio).

    Parameters
    ----------
    engaged, disengaged : array_like
        Per unit: counts of engaged and of actively disengaged respondents.

    Returns
    -------
    numpy.ndarray
        ``engaged / disengaged``; ``inf`` when disengaged == 0 < engaged, NaN when both are 0.

    Notes
    -----
    .. math:: \text{ratio} = E / D

    References
    ----------
    Gallup Consulting (2010). *Employee engagement: what's your engagement ratio?* Gallup, Inc.
    (the ratio of engaged to actively disengaged employees as an organisation-level indicator).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _floats(engaged) / _floats(disengaged)


def ratio_interval(
    numerator: npt.ArrayLike, denominator: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    r"""Interval for the ratio of two category counts of one multinomial sample (log method).

    Parameters
    ----------
    numerator, denominator : array_like
        Per unit: the two counts (e.g. engaged and actively disengaged respondents).

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        NaN where either count is 0.

    Notes
    -----
    With counts :math:`a, b` of one sample of size :math:`n`, :math:`\hat p_1 = a/n`,
    :math:`\hat p_2 = b/n` and :math:`\mathrm{Cov}(\hat p_1, \hat p_2) = -p_1 p_2 / n`, the
    delta method gives :math:`\mathrm{Var}(\log \hat p_1/\hat p_2) = 1/(n p_1) + 1/(n p_2)`,
    estimated by :math:`1/a + 1/b`; the interval is :math:`(a/b)\, e^{\pm z \sqrt{1/a + 1/b}}`.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., section 16.1 (delta method for
    functions of multinomial proportions).
    """
    a, b = _floats(numerator), _floats(denominator)
    z = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        usable = (a > 0) & (b > 0)
        ratio = np.where(usable, a / b, np.nan)
        spread = np.where(usable, z * np.sqrt(1 / a + 1 / b), np.nan)
    return ratio * np.exp(-spread), ratio * np.exp(spread)
