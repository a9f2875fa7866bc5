"""Customer-level linkage: what a fully engaged or actively disengaged customer is worth.

From :func:`servicechain.metrics.customer_value.customer_value` (sums per segment and per
satisfaction level): the mean revenue, share of wallet and retention of each segment
with its 95% interval, the premium against the average customer, and the revenue of
completely (5) against somewhat (3) satisfied customers, beside the published figures
(Gallup: fully engaged +23%, actively disengaged -13%; seed 002: 2.6x).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicechain.metrics.customer_value import VALUES
from servicechain.stats import describe

PUBLISHED_PREMIUM = {"fully_engaged": 0.23, "actively_disengaged": -0.13}
PUBLISHED_SATISFACTION_RATIO = 2.6


def segment_premiums(value: pd.DataFrame) -> pd.DataFrame:
    """Per segment and value: n, mean, interval, premium against all customers, published premium."""
    segments = value[value["by"] == "segment"].set_index("group")
    rows = []
    for name in VALUES:
        n, total, squares = segments[f"{name}_n"], segments[f"{name}_sum"], segments[f"{name}_sq"]
        if not n.sum():  # no customer with both answers and this value yet
            continue
        overall = total.sum() / n.sum()
        summary = describe(n, total, squares).assign(count=n.to_numpy())
        for group, row in summary.iterrows():
            rows.append({
                "segment": group, "value": name, "n": int(row["count"]), "mean": row["mean"],
                "ci_low": row["ci_low"], "ci_high": row["ci_high"], "premium": row["mean"] / overall - 1,
                "published_premium": PUBLISHED_PREMIUM.get(str(group)),
            })  # fmt: skip
    return pd.DataFrame(rows)


def satisfaction_revenue_ratio(value: pd.DataFrame, high: int = 5, low: int = 3) -> dict[str, float]:
    """Mean revenue of customers with satisfaction ``high`` divided by those with ``low``."""
    levels = value[value["by"] == "satisfaction"].set_index("group")
    with np.errstate(all="ignore"):  # none at a level yet: no ratio
        mean = levels["revenue_sum"].astype(float) / levels["revenue_n"].astype(float)
        ratio = np.float64(mean.get(high, np.nan)) / np.float64(mean.get(low, np.nan))
    return {"ratio": float(ratio) if np.isfinite(ratio) else float("nan"),
            "published": PUBLISHED_SATISFACTION_RATIO}  # fmt: skip
