"""Key drivers on the organisation's own data, and each unit's focus areas.

Per unit and period (units of one level, shown results only): relative weights (Johnson
2000, :func:`servicechain.stats.drivers.bootstrap_weights`, bootstrap over units) of

- the employee dimensions for the employee engagement index,
- the employee dimensions and engagement for the customer engagement (CE) index,
- the customer dimensions for customer retention (a unit KPI) and for share of wallet
  (the mean of the unit's responding customers);

and per unit, priority = importance x gap to the top quartile of its peers
(:func:`servicechain.stats.drivers.priorities`): the two or three things to work on.
"""

from __future__ import annotations

import pandas as pd

from servicechain.analysis.scorecard import UnitResults, per_unit
from servicechain.stats.drivers import bootstrap_weights, priorities

EMPLOYEE_DRIVERS = [
    "autonomy",
    "competence",
    "relatedness",
    "service_climate",
    "trust",
    "values",
    "hygiene",
    "wellbeing",
]
CUSTOMER_DRIVERS = ["confidence", "integrity", "pride", "passion", "satisfaction"]
TARGETS = {
    "engagement_index": EMPLOYEE_DRIVERS,
    "ce_index": [*EMPLOYEE_DRIVERS, "engagement_index"],
    "customer_retention": CUSTOMER_DRIVERS,
    "share_of_wallet": CUSTOMER_DRIVERS,
}


def unit_frame(results: UnitResults, level: str, outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit of ``level`` and period, one column per measure mean (suppressed: missing)."""
    measures = [key for key, m in results.catalogue.items() if m.kind in ("score", "share", "nps")]
    wide = per_unit(results.table, level, measures, "mean")
    if outcomes is not None:
        wide = wide.merge(outcomes, on=["unit_id", "period"], how="left")
    return wide


def driver_weights(frame: pd.DataFrame, *, n_boot: int = 500, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Relative weights with intervals for each target in :data:`TARGETS` that the data allow."""
    weights = {}
    for target, drivers in TARGETS.items():
        present = [d for d in drivers if d in frame.columns]
        if target not in frame.columns or len(present) < 2:
            continue
        data = frame.dropna(subset=[target, *present])
        if len(data) < len(present) + 10:
            continue
        weights[target] = bootstrap_weights(
            data[present], data[target], n_boot=n_boot, seed=seed, cluster=data["unit_id"]
        )
    return weights


def focus_areas(frame: pd.DataFrame, weights: pd.DataFrame, period: str, *, top: int = 3) -> pd.DataFrame:
    """Each unit's ``top`` drivers by importance x gap to the top quartile, in ``period``."""
    now = frame[frame["period"] == period].set_index("unit_code")
    importance = weights.set_index("driver")["weight"]
    drivers = [d for d in importance.index if d in now.columns]
    if now.empty or not drivers:
        return pd.DataFrame(
            columns=["unit", "driver", "importance", "score", "top_quartile", "gap", "priority", "rank"]
        )
    return priorities(importance[drivers], now[drivers], top=top)
