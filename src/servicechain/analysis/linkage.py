"""The service-profit chain on the organisation's own data, unit level.

On one row per unit and period (:func:`servicechain.analysis.drivers.unit_frame` plus the
quarterly outcomes), with intervals from a bootstrap over units
(:mod:`servicechain.stats.linkage`):

- correlations EE-CE, CE-outcomes, EE-outcomes, same period and lagged (t -> t+1 -> t+2);
- the slope of CE on EE, with EE shrunk (empirical Bayes) so measurement noise in small
  units does not flatten it (regression calibration);
- mediation EE -> CE -> revenue growth; a mixed model of growth on EE and CE with a
  random intercept per region (statsmodels MixedLM);
- elasticities in plain words.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict

import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from servicechain.stats.linkage import correlation, elasticity, lagged, mediation, mixed_model, slope

PAIRS = [
    ("engagement_index", "ce_index", 0),
    ("ce_index", "revenue_growth", 0),
    ("engagement_index", "revenue_growth", 0),
    ("ce_index", "customer_retention", 0),
    ("engagement_index", "employee_turnover", 0),
    ("engagement_index", "ce_index", 1),
    ("ce_index", "revenue_growth", 1),
    ("engagement_index", "revenue_growth", 2),
]
LABELS = {
    "service_climate": ("service climate", "serviceklimaat"),
    "engagement_index": ("employee engagement", "medewerkersbetrokkenheid"),
    "ce_index": ("customer engagement", "klantbetrokkenheid"),
}


def correlations(frame: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Each pair of :data:`PAIRS` (x at t, y at t + lag) with r, its interval and n."""
    rows = []
    for x, y, lag in PAIRS:
        if x not in frame.columns or y not in frame.columns:
            continue
        pairs = frame if lag == 0 else lagged(frame, x, y, lag)
        later = f"{y}_lead{lag}" if x == y and lag else y
        data = pairs.dropna(subset=[x, later])
        if data["unit_id"].nunique() < 5:
            continue
        columns = (x, later)
        result = correlation(data, *columns, n_boot=n_boot, seed=seed)
        rows.append({"x": x, "y": y, "lag": lag, **asdict(result)})
    return pd.DataFrame(rows)


def chain_models(
    frame: pd.DataFrame, shrunk_ee: pd.Series, regions: pd.Series, *, n_boot: int = 1000, seed: int = 0
) -> dict[str, object]:
    """Slopes of CE and attachment on shrunk EE, mediation EE -> CE -> growth, mixed model by region."""
    data = frame.assign(ee_shrunk=shrunk_ee, region=regions).dropna(subset=["ee_shrunk", "ce_index"])
    models: dict[str, object] = {
        "ce_on_ee": asdict(slope(data, "ee_shrunk", "ce_index", n_boot=n_boot, seed=seed)),
        "attachment_on_ee": asdict(
            slope(data.dropna(subset=["attachment"]), "ee_shrunk", "attachment", n_boot=n_boot, seed=seed)
        ),
    }
    needed = ["revenue_growth", "engagement_index"]  # absent until financials are imported
    growth = data.dropna(subset=needed) if set(needed) <= set(data.columns) else data.iloc[:0]
    if growth["unit_id"].nunique() >= 5:
        models["mediation"] = asdict(
            mediation(growth, "engagement_index", "ce_index", "revenue_growth", n_boot=n_boot, seed=seed)
        )
        if growth["region"].nunique() >= 2:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                fitted = mixed_model(growth, "revenue_growth", ["engagement_index", "ce_index"], "region")
            models["mixed_model"] = fitted.to_dict(orient="records")
            # a region variance at zero is common with few regions: say so rather than warn on the console
            models["mixed_model_notes"] = sorted({str(w.message) for w in caught})
    return models


def plain_words(frame: pd.DataFrame, language: str, *, seed: int = 0) -> list[str]:
    """Elasticities: one point more of each driver goes with how much more revenue growth."""
    sentences = []
    for driver in ("service_climate", "engagement_index", "ce_index"):
        data = frame.dropna(subset=[driver, "revenue_growth"])
        if driver not in frame.columns or data["unit_id"].nunique() < 5:
            continue
        fitted = slope(
            data.assign(growth_pp=data["revenue_growth"] * 100), driver, "growth_pp", n_boot=200, seed=seed
        )
        en, nl = LABELS[driver]
        sentences.append(
            elasticity(
                fitted.slope,
                x_label=nl if language == "nl" else en,
                x_unit="punt" if language == "nl" else "point",
                y_label="omzetgroei per kwartaal" if language == "nl" else "revenue growth per quarter",
                y_unit="procentpunt" if language == "nl" else "percentage points",
                language="nl" if language == "nl" else "en",
            )
        )
    return sentences
