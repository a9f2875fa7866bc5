"""The ground truth of a generated demo: planted latents and the figures they produce."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from servicechain.demo.chain import CATEGORIES, ChainParameters, Latents, quadrants
from servicechain.demo.customers import Panel
from servicechain.demo.frames import Calendar
from servicechain.demo.organisation import Organisation
from servicechain.demo.surveys import expected_means

TARGETS = {
    "both_high_vs_both_low_growth": 3.4,
    "one_high_vs_both_low_growth": 1.7,
    "fully_engaged_wallet_share_premium": 0.23,
    "actively_disengaged_wallet_share_discount": 0.13,
    "completely_vs_somewhat_satisfied_revenue": 2.6,
}
"""Published reference figures the defaults are calibrated to (see domain.md)."""

LATENT_COLUMNS = (
    "manager_quality", "autonomy", "competence", "relatedness", "engagement",
    "service_climate", "hygiene", "attachment", "satisfaction", "attachment_effective",
    "performance", "revenue_growth", "turnover_rate", "absenteeism",
)  # fmt: skip


def truth_frame(
    org: Organisation,
    lat: Latents,
    financials: dict[str, np.ndarray],
    retention: np.ndarray,
    calendar: Calendar,
    params: ChainParameters,
) -> pd.DataFrame:
    """One row per location and quarter: z-scores, expected item means and financials."""
    n, periods = lat.engagement.shape
    columns: dict[str, Any] = {
        "unit_code": np.repeat(org.locations["unit_code"].to_numpy(), periods),
        "period": np.tile(np.asarray(calendar.quarters), n),
        "region_code": np.repeat(org.locations["region_code"].to_numpy(), periods),
    }
    columns.update({name: getattr(lat, name).reshape(-1) for name in LATENT_COLUMNS})
    columns.update({name: values.reshape(-1) for name, values in expected_means(lat, params).items()})
    columns["quadrant"] = quadrants(lat.engagement, lat.attachment).reshape(-1)
    columns["realised_growth"] = financials["realised_growth"].reshape(-1)
    columns["profit"] = financials["profit"].reshape(-1)
    columns["base_revenue"] = np.repeat(financials["base_revenue"], periods)
    columns["customer_retention"] = retention.reshape(-1)
    return pd.DataFrame(columns)


def _ratio(values: np.ndarray, mask: np.ndarray, reference: np.ndarray) -> float:
    return float(values[mask].mean() / values[reference].mean()) if mask.any() else float("nan")


def realised_figures(frame: pd.DataFrame, panel: Panel, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """What the generated data show, computed the simple way (analyses should agree)."""
    kpis = tables["customer-kpis"]
    revenue, wallet = kpis["revenue"].to_numpy(), kpis["share_of_wallet"].to_numpy()
    everyone = np.ones(len(revenue), bool)
    sat = panel.values[:, 0]
    quadrant_names = ("both_low", "customer_only", "employee_only", "both_high")
    growth = {
        name: float(frame.loc[frame["quadrant"] == name, "revenue_growth"].mean()) for name in quadrant_names
    }
    one_high = (growth["customer_only"] + growth["employee_only"]) / 2
    return {
        "customer_category_shares": {
            name: float(np.mean(panel.category == k)) for k, name in enumerate(CATEGORIES)
        },
        "retention_by_category": {
            name: float(panel.retained[panel.category == k].mean()) if (panel.category == k).any() else None
            for k, name in enumerate(CATEGORIES)
        },
        "wallet_share_vs_average": {
            name: _ratio(wallet, panel.category == k, everyone) for k, name in enumerate(CATEGORIES)
        },
        "revenue_vs_average": {
            name: _ratio(revenue, panel.category == k, everyone) for k, name in enumerate(CATEGORIES)
        },
        "revenue_satisfaction_5_vs_3": _ratio(revenue, sat == 5, sat == 3),
        "revenue_satisfaction_5_vs_4": _ratio(revenue, sat == 5, sat == 4),
        "planted_growth_by_quadrant": growth,
        "both_high_vs_both_low_growth": float(growth["both_high"] / growth["both_low"]),
        "one_high_vs_both_low_growth": float(one_high / growth["both_low"]),
        "engagement_icc1": engagement_icc(tables["employee-responses"], tables["units"]),
    }


def engagement_icc(responses: pd.DataFrame, units: pd.DataFrame) -> float:
    """ICC(1) of the engagement index over location x wave groups (one-way ANOVA)."""
    items = responses[["eng_enthusiasm", "eng_pride", "eng_extra_mile", "eng_commitment"]]
    index = items.astype("float64").mean(axis=1).to_numpy()
    parent = dict(zip(units["unit_code"], units["parent_code"], strict=True))
    kind = dict(zip(units["unit_code"], units["kind"], strict=True))
    unit = responses["unit_code"].astype(str)
    location = unit.map(lambda code: parent[code] if kind[code] == "team" else code)
    groups = pd.DataFrame({"g": location + "|" + responses["wave"].astype(str), "y": index})
    stats = groups.groupby("g")["y"].agg(["count", "mean", "var"])
    stats = stats[stats["count"] > 1]
    n, k = stats["count"].to_numpy(), len(stats)
    grand = np.average(stats["mean"], weights=n)
    msb = np.sum(n * (stats["mean"] - grand) ** 2) / (k - 1)
    msw = np.sum((n - 1) * stats["var"]) / np.sum(n - 1)
    n0 = (n.sum() - np.sum(n**2) / n.sum()) / (k - 1)
    return float((msb - msw) / (msb + (n0 - 1) * msw))


def build_truth(
    org: Organisation,
    lat: Latents,
    financials: dict[str, np.ndarray],
    retention: np.ndarray,
    panel: Panel,
    tables: dict[str, pd.DataFrame],
    calendar: Calendar,
    params: ChainParameters,
    config: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The per-unit truth table and the JSON-serialisable truth document."""
    frame = truth_frame(org, lat, financials, retention, calendar, params)
    truth = {
        "generator": "servicechain.demo",
        "config": {key: value for key, value in config.items() if key != "parameters"},
        "parameters": params.as_dict(),
        "quarters": list(calendar.quarters),
        "months": list(calendar.months),
        "categories": list(CATEGORIES),
        "targets": dict(TARGETS),
        "realised": realised_figures(frame, panel, tables),
        "team_offsets": dict(zip(org.teams["unit_code"], org.teams["offset"].round(4).tolist(), strict=True)),
        "units": frame.round(6).to_dict(orient="records"),
    }
    return frame, truth
