"""Key-driver analysis: relative importance of dimensions for an outcome, and per-unit focus areas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicechain.stats.summary import FloatArray, _floats


def _complete(X: pd.DataFrame, y: pd.Series, *extra: pd.Series) -> pd.DataFrame:
    data = pd.concat([X, y.rename("__y__"), *(e.rename(f"__e{i}__") for i, e in enumerate(extra))], axis=1)
    data = data.dropna()
    if len(data) < X.shape[1] + 2:
        raise ValueError(f"need at least {X.shape[1] + 2} complete rows, got {len(data)}")
    return data


def _weights(xy: FloatArray) -> FloatArray:
    """Raw relative weights of the first p columns of ``xy`` for its last column; NaN if degenerate."""
    p = xy.shape[1] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.atleast_2d(np.corrcoef(xy, rowvar=False))
    if not np.all(np.isfinite(r)):
        return np.full(p, np.nan)
    lam, vec = np.linalg.eigh(r[:p, :p])
    if lam[0] <= 1e-12 * lam[-1]:
        return np.full(p, np.nan)
    loadings = (vec * np.sqrt(lam)) @ vec.T  # Λ* = P Λ^{1/2} P'
    beta = (vec / np.sqrt(lam)) @ (vec.T @ r[:p, p])  # Λ*^{-1} r_xy
    return (loadings**2) @ beta**2


def _table(drivers: pd.Index, weight: FloatArray, **extra: FloatArray) -> pd.DataFrame:
    share = weight / np.sum(weight) * 100
    table = pd.DataFrame({"driver": drivers, "weight": weight, "share": share, **extra})
    return table.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)


def relative_weights(X: pd.DataFrame, y: pd.Series) -> pd.DataFrame:
    r"""Johnson's relative weights: each predictor's share of the model :math:`R^2`.

    Parameters
    ----------
    X : pandas.DataFrame
        Predictors (e.g. unit scores on employee dimensions), one column per driver.
    y : pandas.Series
        Outcome (e.g. unit customer engagement), aligned with ``X`` on the index.

    Returns
    -------
    pandas.DataFrame
        Columns ``driver, weight, share``, sorted by ``weight`` descending. The weights sum to the
        :math:`R^2` of the least-squares regression of ``y`` on ``X``; ``share`` is the weight in
        percent of that :math:`R^2`. Rows with any missing value are left out (complete cases);
        constant or perfectly collinear predictors give NaN; fewer than ``p + 2`` complete rows
        for ``p`` predictors raise ``ValueError``.

    Notes
    -----
    With :math:`R_{xx}` the predictor correlation matrix, :math:`R_{xx} = P \Lambda P'` and
    :math:`r_{xy}` the predictor-outcome correlations, the predictors are replaced by their closest
    orthogonal counterparts :math:`Z`, whose loadings on the predictors are

    .. math:: \Lambda_* = P \Lambda^{1/2} P', \qquad \beta = \Lambda_*^{-1} r_{xy}, \qquad
              \varepsilon_j = \sum_k \lambda_{*jk}^2 \beta_k^2 .

    Each column of :math:`\Lambda_*` has unit sum of squares (:math:`\Lambda_*'\Lambda_* = R_{xx}`), so
    :math:`\sum_j \varepsilon_j = \beta'\beta = r_{xy}' R_{xx}^{-1} r_{xy} = R^2`. With uncorrelated
    predictors :math:`\varepsilon_j = r_{jy}^2`. The weights closely approximate the Shapley value
    (general dominance) decomposition of :math:`R^2` at a fraction of its :math:`2^p` cost.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research* 35(1), 1-19.
    Tonidandel, S. & LeBreton, J. M. (2011). Relative importance analysis: a useful supplement to
    regression analysis. *Journal of Business and Psychology* 26(1), 1-9.
    """
    data = _complete(X, y)
    return _table(X.columns, _weights(_floats(data)))


def bootstrap_weights(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Relative weights with percentile bootstrap intervals.

    Parameters
    ----------
    X, y
        As in :func:`relative_weights`.
    n_boot : int, default 1000
        Number of bootstrap resamples.
    seed : int, default 0
        Seed of the random generator, so results are reproducible.
    level : float, default 0.95
        Confidence level of the percentile interval.
    cluster : pandas.Series, optional
        Cluster id per row (e.g. unit ids when rows are unit-periods); whole clusters are then
        resampled with replacement instead of rows. Rows with a missing id are left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``driver, weight, share, ci_low, ci_high``, sorted by ``weight`` descending; the
        point estimates are those of :func:`relative_weights` on the same complete cases.

    Notes
    -----
    The interval is the :math:`(1 \mp \text{level})/2` quantiles of the weight over resamples
    (degenerate resamples skipped). A raw weight is never negative, so its interval never contains
    0 and is skewed upward for a weak driver; to judge whether a driver matters at all, compare
    it with a strong driver or with an added random predictor (Tonidandel, LeBreton & Johnson 2009).

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, Chapman & Hall,
    ch. 13. Tonidandel, S., LeBreton, J. M. & Johnson, J. W. (2009). Determining the statistical
    significance of relative weights. *Psychological Methods* 14(4), 387-399.
    """
    data = _complete(X, y) if cluster is None else _complete(X, y, cluster)
    xy = _floats(data.iloc[:, : X.shape[1] + 1])
    rng = np.random.default_rng(seed)
    groups = [] if cluster is None else list(data.groupby(data.columns[-1], sort=False).indices.values())
    draws = np.empty((n_boot, X.shape[1]))
    for b in range(n_boot):
        if cluster is None:
            rows = rng.integers(0, len(xy), len(xy))
        else:
            rows = np.concatenate([groups[g] for g in rng.integers(0, len(groups), len(groups))])
        draws[b] = _weights(xy[rows])
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(draws, [tail, 100 - tail], axis=0)
    return _table(X.columns, _weights(xy), ci_low=low, ci_high=high)


def priorities(importance: pd.Series, scores: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    r"""Per unit, the drivers most worth working on: importance times gap to the top quartile.

    Parameters
    ----------
    importance : pandas.Series
        Importance per driver (e.g. ``weight`` of :func:`relative_weights` indexed by ``driver``);
        must cover every column of ``scores``.
    scores : pandas.DataFrame
        One row per unit (index = unit), one column per driver, values = the unit's score.
    top : int, default 3
        Largest number of focus areas kept per unit.

    Returns
    -------
    pandas.DataFrame
        Long rows ``unit, driver, importance, score, top_quartile, gap, priority, rank`` with, per
        unit, up to ``top`` drivers with positive priority, ``rank`` 1 = highest priority. Units at or
        above the top quartile on every driver (or with missing scores) get no rows.

    Notes
    -----
    .. math:: q_j = Q_{0.75}(s_{\cdot j}), \qquad g_{ij} = \max(0, q_j - s_{ij}), \qquad
              \text{priority}_{ij} = I_j\, g_{ij}

    with :math:`Q_{0.75}` the linear-interpolation quartile across units (missing skipped). Ties
    in priority keep the column order of ``scores``.
    """
    missing = scores.columns.difference(importance.index)
    if len(missing):
        raise ValueError(f"no importance for drivers: {list(missing)}")
    n, p = scores.shape
    values = scores.to_numpy(dtype=float)
    quartile = scores.quantile(0.75).to_numpy(dtype=float)
    weight = importance.reindex(scores.columns).to_numpy(dtype=float)
    gap = np.clip(quartile - values, 0.0, None)
    long = pd.DataFrame({"unit": np.repeat(scores.index.to_numpy(), p), "driver": np.tile(scores.columns, n)})
    for name, value in {"importance": weight, "score": values, "top_quartile": quartile, "gap": gap}.items():
        long[name] = np.broadcast_to(value, (n, p)).ravel()
    long["priority"] = long["importance"] * long["gap"]
    long = long[long["priority"] > 0].sort_values("priority", ascending=False, kind="stable")
    position = long.index // p  # row of the unit in ``scores`` (unit labels need not be unique)
    long["rank"] = long.groupby(position).cumcount() + 1
    long = long.iloc[np.lexsort((long["rank"], position))]
    columns = ["unit", "driver", "importance", "score", "top_quartile", "gap", "priority", "rank"]
    return long.loc[long["rank"] <= top, columns].reset_index(drop=True)
