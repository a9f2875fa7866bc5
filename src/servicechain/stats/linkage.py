"""Unit-level linkage (service-profit chain): correlations, slopes, lags, mediation, mixed models.

Units appear in several periods, so every bootstrap interval resamples whole clusters (units) with
replacement and keeps all their rows. A replicate only changes how often each cluster counts, so it
is computed from per-cluster cross-product matrices weighted by the cluster counts (exactly the
statistic of the resampled data, without building it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from servicechain.stats.summary import FloatArray


@dataclass(frozen=True)
class Correlation:
    """Pearson ``r`` of ``n`` complete pairs from ``clusters`` clusters, percentile bootstrap interval."""

    r: float
    ci_low: float
    ci_high: float
    n: int
    clusters: int


@dataclass(frozen=True)
class Slope:
    """OLS ``slope`` and ``intercept`` of y on x with bootstrap interval for the slope, and ``r2``."""

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    r2: float
    n: int
    clusters: int


@dataclass(frozen=True)
class Mediation:
    """Paths ``a`` (m~x), ``b`` and ``c_prime`` (y~x+m), ``c`` (y~x); ``indirect`` = a*b with interval."""

    a: float
    b: float
    c: float
    c_prime: float
    indirect: float
    ci_low: float
    ci_high: float
    proportion_mediated: float
    n: int
    clusters: int


def _moments(
    frame: pd.DataFrame, columns: list[str], cluster: str | None, n_boot: int, seed: int
) -> tuple[FloatArray, FloatArray, int, int]:
    """Scatter matrices of ``columns``: full sample (k, k) and per bootstrap replicate (n_boot, k, k)."""
    used = frame.dropna(subset=columns + ([cluster] if cluster else []))
    z = used[columns].to_numpy(dtype=np.float64)
    z = np.column_stack([np.ones(len(z)), z - z.mean(axis=0)])  # centred: cross products stay accurate
    codes = pd.factorize(used[cluster])[0] if cluster else np.arange(len(z))
    k, g = z.shape[1], int(codes.max()) + 1 if len(z) else 0
    per_cluster = np.zeros((g, k * k))
    np.add.at(per_cluster, codes, np.einsum("ni,nj->nij", z, z).reshape(len(z), k * k))
    rng = np.random.default_rng(seed)  # clusters drawn; none at all: every replicate empty too
    counts = rng.multinomial(g, np.full(g, 1 / g), n_boot) if g else np.zeros((n_boot, 0))
    m = np.concatenate([per_cluster.sum(axis=0)[None], counts @ per_cluster]).reshape(-1, k, k)
    with np.errstate(all="ignore"):  # remove the (weighted) means: S = sum z z' - n zbar zbar'
        scatter = m[:, 1:, 1:] - m[:, 1:, :1] * m[:, :1, 1:] / m[:, :1, :1]
    return scatter[0], scatter[1:], len(z), g


def _ols(s: FloatArray, y: int, xs: list[int]) -> FloatArray:
    """OLS slopes of variable ``y`` on variables ``xs`` (with intercept) from scatter matrices ``s``."""
    a, b = s[..., xs, :][..., xs], s[..., xs, y][..., None]
    try:
        return np.asarray(np.linalg.solve(a, b)[..., 0], dtype=np.float64)
    except np.linalg.LinAlgError:  # degenerate replicates (e.g. x constant in every drawn cluster): NaN
        bad = np.linalg.matrix_rank(a) < len(xs)
        out = np.linalg.solve(np.where(bad[..., None, None], np.eye(len(xs)), a), b)[..., 0]
        return np.asarray(np.where(bad[..., None], np.nan, out), dtype=np.float64)


def _pearson(s: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        return np.asarray(s[..., 0, 1] / np.sqrt(s[..., 0, 0] * s[..., 1, 1]), dtype=np.float64)


def _interval(replicates: FloatArray, level: float) -> tuple[float, float]:
    low, high = np.nanquantile(replicates, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def correlation(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    cluster: str | None = "unit_id",
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Correlation:
    r"""Pearson correlation of complete pairs with a percentile cluster-bootstrap interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit and period.
    x, y : str
        Column names; rows missing either (or the cluster) are dropped.
    cluster : str or None, default "unit_id"
        Column whose values are resampled as a whole; None makes each row its own cluster.
    n_boot, seed, level : int, int, float
        Bootstrap replicates, seed of ``numpy.random.default_rng`` and confidence level.

    Returns
    -------
    Correlation

    Notes
    -----
    .. math:: r = \frac{S_{xy}}{\sqrt{S_{xx} S_{yy}}}

    The interval is the :math:`(1\pm\text{level})/2` quantiles of :math:`r^*` over replicates that
    draw :math:`G` clusters with replacement from the :math:`G` clusters (degenerate replicates skipped).

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13. Field, C. A. &
    Welsh, A. H. (2007). Bootstrapping clustered data. *JRSS B* 69(3), 369-390.
    """
    full, boot, n, g = _moments(frame, [x, y], cluster, n_boot, seed)
    return Correlation(float(_pearson(full)), *_interval(_pearson(boot), level), n, g)


def slope(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    cluster: str | None = "unit_id",
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Slope:
    r"""OLS slope of ``y`` on ``x`` with a percentile cluster-bootstrap interval (parameters as
    :func:`correlation`).

    Notes
    -----
    .. math:: \hat\beta = S_{xy}/S_{xx}, \quad \hat\alpha = \bar y - \hat\beta \bar x, \quad R^2 = r^2

    References
    ----------
    Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based improvements for inference
    with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
    """
    full, boot, n, g = _moments(frame, [x, y], cluster, n_boot, seed)
    beta = float(_ols(full, 1, [0])[0])
    used = frame.dropna(subset=[x, y] + ([cluster] if cluster else []))
    intercept = float(used[y].mean() - beta * used[x].mean())
    return Slope(
        beta, intercept, *_interval(_ols(boot, 1, [0])[..., 0], level), float(_pearson(full)) ** 2, n, g
    )


def lagged(
    frame: pd.DataFrame, x: str, y: str, lag: int, *, unit: str = "unit_id", period: str = "period"
) -> pd.DataFrame:
    """Pair ``x`` at period t with ``y`` at period t + ``lag`` of the same unit.

    Periods are placed in the sorted order of the distinct periods present in ``frame`` (strings such
    as ``2026-Q3`` sort correctly); a quarter absent from the whole frame is therefore not counted.
    Returns columns ``unit, period`` (of x), ``x`` and ``y`` (inner join: units without the later
    period drop out). When ``x == y`` the later column is named ``f"{y}_lead{lag}"``.
    """
    order = {p: i for i, p in enumerate(sorted(frame[period].dropna().unique()))}
    position = frame[period].map(order)
    left = frame[[unit, period, x]].assign(_pos=position)
    target = f"{y}_lead{lag}" if y == x else y
    right = frame[[unit, y]].rename(columns={y: target}).assign(_pos=position - lag)
    return left.merge(right, on=[unit, "_pos"]).drop(columns="_pos").reset_index(drop=True)


def mediation(
    frame: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    *,
    cluster: str | None = "unit_id",
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Mediation:
    r"""Product-of-coefficients mediation x -> m -> y with a percentile cluster-bootstrap interval.

    Parameters as :func:`correlation`; rows missing x, m or y are dropped.

    Notes
    -----
    OLS paths: :math:`m = i_1 + a x`, :math:`y = i_2 + c' x + b m`, :math:`y = i_3 + c x`; then
    :math:`ab = c - c'` (exact for OLS), indirect effect :math:`ab`, proportion mediated :math:`ab/c`.
    pingouin's ``mediation_analysis`` gives the same paths (its ``Y ~ m`` row is y on m alone, not b)
    but a bias-corrected interval; the percentile interval is used here (Hayes & Scharkow 2013).

    References
    ----------
    Baron, R. M. & Kenny, D. A. (1986). *J. Pers. Soc. Psychol.* 51(6), 1173-1182. Preacher, K. J. &
    Hayes, A. F. (2008). *Behavior Research Methods* 40(3), 879-891. Hayes, A. F. & Scharkow, M. (2013).
    *Psychological Science* 24(10), 1918-1927.
    """
    full, boot, n, g = _moments(frame, [x, m, y], cluster, n_boot, seed)
    a, (c_prime, b), c = _ols(full, 1, [0])[0], _ols(full, 2, [0, 1]), _ols(full, 2, [0])[0]
    ab_boot = _ols(boot, 1, [0])[..., 0] * _ols(boot, 2, [0, 1])[..., 1]
    indirect = float(a * b)
    proportion = float(indirect / c) if c != 0 else float("nan")
    return Mediation(
        float(a), float(b), float(c), float(c_prime), indirect,
        *_interval(ab_boot, level), proportion, n, g,
    )  # fmt: skip


def mixed_model(
    frame: pd.DataFrame, outcome: str, predictors: Sequence[str], group: str, *, level: float = 0.95
) -> pd.DataFrame:
    """Linear mixed model with a random intercept per ``group`` (e.g. region), fitted by REML.

    A thin wrapper of ``statsmodels.formula.api.mixedlm(f"{outcome} ~ {' + '.join(predictors)}",
    frame, groups=frame[group]).fit(reml=True)``; column names must be valid in a formula. Rows with
    missing values are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, estimate, ci_low, ci_high, p_value``: the fixed effects (Wald intervals and
        z-tests, as statsmodels reports them) and a last row ``group_var``, the random-intercept
        variance (interval and p-value NaN).

    References
    ----------
    Seabold, S. & Perktold, J. (2010). statsmodels. *Proc. 9th Python in Science Conference*.
    Pinheiro, J. C. & Bates, D. M. (2000). *Mixed-Effects Models in S and S-PLUS*, Springer.
    """
    data = frame[[outcome, *predictors, group]].dropna()
    formula = f"{outcome} ~ {' + '.join(predictors) or '1'}"
    fit = smf.mixedlm(formula, data, groups=data[group]).fit(reml=True)
    ci = fit.conf_int(alpha=1 - level).loc[fit.fe_params.index]
    fixed = pd.DataFrame(
        {"term": fit.fe_params.index, "estimate": fit.fe_params.to_numpy(), "ci_low": ci[0].to_numpy(),
         "ci_high": ci[1].to_numpy(), "p_value": fit.pvalues.loc[fit.fe_params.index].to_numpy()}
    )  # fmt: skip
    group_var = {"term": "group_var", "estimate": float(fit.cov_re.iloc[0, 0])}
    return pd.concat([fixed, pd.DataFrame([group_var])], ignore_index=True)


_WORDS = {
    "en": ("one", "goes with", "more", "less"),
    "nl": ("één", "gaat samen met", "meer", "minder"),
}


def elasticity(
    value: float,
    *,
    x_label: str,
    x_unit: str,
    y_label: str,
    y_unit: str,
    language: Literal["en", "nl"] = "en",
    digits: int = 2,
) -> str:
    """A slope in plain words, e.g. "one point more service climate goes with 0.52 percentage points
    more revenue growth per quarter" / "één punt meer serviceklimaat gaat samen met 0,52 procentpunt
    meer omzetgroei per kwartaal". Labels and units are passed in the chosen language, units as they
    should read (no pluralisation); a negative slope reads "less" / "minder"; Dutch uses a decimal comma.
    """
    one, goes, more, less = _WORDS[language]
    number = f"{abs(value):,.{digits}f}"
    if language == "nl":
        number = number.translate(str.maketrans(",.", ".,"))
    direction = less if round(value, digits) < 0 else more
    return f"{one} {x_unit} {more} {x_label} {goes} {number} {y_unit} {direction} {y_label}"
