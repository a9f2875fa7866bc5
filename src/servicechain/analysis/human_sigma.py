"""Human Sigma per unit and period, and what the quadrants are worth in the unit's outcomes.

pEE and pCE are the scorecard's percentiles of the shrunk engagement index and CE index
among the shown units of the same level and period (so a unit whose employee results are
suppressed has no pEE and no Human Sigma). Composite, levels and quadrants:
:mod:`servicechain.stats.human_sigma`. Outcomes per unit and quarter:
:mod:`servicechain.metrics.kpis`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from servicechain.analysis.scorecard import UnitResults, per_unit
from servicechain.metrics.kpis import OUTCOMES
from servicechain.stats import describe
from servicechain.stats.human_sigma import QUADRANTS, composite, level, quadrant

PUBLISHED = {"both_high_vs_both_low": 3.4, "one_high_vs_both_low": 1.7}
"""Financial effectiveness of both-high and one-high units against both-low (Human Sigma book)."""


def human_sigma(results: UnitResults, outcomes: pd.DataFrame, unit_level: str,
                cutoffs: Sequence[float]) -> pd.DataFrame:  # fmt: skip
    """Per unit of ``unit_level`` and period: p_ee, p_ce, hs, level, quadrant and the outcomes."""
    wide = per_unit(results.table, unit_level, ["engagement_index", "ce_index"], "percentile")
    wide = wide.rename(columns={"engagement_index": "p_ee", "ce_index": "p_ce"}).dropna(
        subset=["p_ee", "p_ce"], how="all"
    )
    wide["hs"] = composite(wide["p_ee"], wide["p_ce"])
    wide["hs_level"] = level(wide["hs"], cutoffs)
    wide["quadrant"] = None
    for _, rows in wide.groupby("period"):
        wide.loc[rows.index, "quadrant"] = quadrant(rows["p_ee"], rows["p_ce"])
    merged = wide.merge(outcomes, on=["unit_id", "period"], how="left")
    for column in OUTCOMES:
        if column not in merged.columns:
            merged[column] = np.nan
    return merged.sort_values(["period", "unit_code"]).reset_index(drop=True)


def outcomes_by(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """Mean and 95% interval of each outcome per ``group`` (``quadrant`` or ``hs_level``).

    Each unit-period counts once.
    """
    rows = []
    for key, part in table.dropna(subset=[group]).groupby(group, sort=True):
        for outcome in OUTCOMES:
            values = part[outcome].dropna().to_numpy(dtype=float)
            summary = describe([len(values)], [values.sum()], [(values**2).sum()]).iloc[0]
            rows.append({group: key, "outcome": outcome, "n": len(values), "mean": summary["mean"],
                         "ci_low": summary["ci_low"], "ci_high": summary["ci_high"]})  # fmt: skip
    return pd.DataFrame(rows)


def quadrant_ratios(table: pd.DataFrame, outcome: str = "revenue_growth") -> dict[str, float]:
    """Mean ``outcome`` of both-high and of one-high unit-periods relative to both-low, beside
    the published 3.4x and 1.7x."""
    means = table.groupby("quadrant")[outcome].mean()
    low = means.get("both_low", np.nan)
    one_high = table[table["quadrant"].isin(QUADRANTS[1:3])][outcome].mean()
    return {
        "both_high_vs_both_low": float(means.get("both_high", np.nan) / low),
        "one_high_vs_both_low": float(one_high / low),
    }
