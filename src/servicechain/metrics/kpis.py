"""Unit outcomes per quarter from the unit KPIs: revenue and its growth, margin, retention, turnover.

KPIs arrive per month (``2026-07``) or per quarter (``2026-Q3``); analyses compare units
per quarter, the period of the surveys. Per unit and quarter:

- ``revenue``, ``profit``: sums over the quarter's months;
- ``revenue_growth``: revenue / revenue of the previous quarter - 1, only where both
  quarters are complete (three months each, or one quarterly figure);
- ``gross_margin``, ``customer_retention``, ``absenteeism``: means of the months;
- ``employee_turnover``: the sum of the monthly rates (leavers per head in the quarter).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store

SUMMED = ("revenue", "profit", "employee_turnover")
AVERAGED = ("gross_margin", "customer_retention", "absenteeism")
OUTCOMES = ("revenue_growth", "gross_margin", "customer_retention", "employee_turnover")


def quarter_of(period: pd.Series) -> pd.Series:
    """``2026-Q3`` for ``2026-07`` .. ``2026-09`` and for ``2026-Q3``; missing for a year."""
    text = period.astype(str)
    months = text.str.fullmatch(r"\d{4}-\d{2}")
    quarter = text.str[:4] + "-Q" + ((text.str[5:7].where(months, "0").astype(int) - 1) // 3 + 1).astype(str)
    return quarter.where(months, text.where(text.str.fullmatch(r"\d{4}-Q[1-4]")))


def unit_outcomes(store: Store) -> pd.DataFrame:
    """One row per unit and quarter with the outcome columns (see the module docstring)."""
    with store.engine.connect() as connection:
        kpis = read_frame(connection, "SELECT unit_id, period, metric, value FROM unit_kpi")
    if kpis.empty:  # no financials imported yet: the outcome columns, empty
        empty = {name: pd.Series(dtype="float64") for name in (*SUMMED, *AVERAGED, *OUTCOMES)}
        return pd.DataFrame({"unit_id": pd.Series(dtype="int64"), "period": pd.Series(dtype=object), **empty})
    kpis = kpis.assign(quarter=quarter_of(kpis["period"]), monthly=kpis["period"].str.len() == 7)
    kpis = kpis.dropna(subset=["quarter"])
    grouped = kpis.groupby(["unit_id", "quarter", "metric"])
    summary = grouped["value"].agg(["sum", "mean", "count"]).reset_index()
    summary["value"] = np.where(summary["metric"].isin(SUMMED), summary["sum"], summary["mean"])
    table = summary.pivot_table(index=["unit_id", "quarter"], columns="metric", values="value").reset_index()
    table.columns.name = None
    if "revenue" in table.columns:
        months = (
            kpis[kpis["metric"] == "revenue"].groupby(["unit_id", "quarter"])["monthly"].agg(["sum", "size"])
        )
        complete = ((months["sum"] == 3) | ((months["sum"] == 0) & (months["size"] == 1))).rename("complete")
        table = table.merge(complete.reset_index(), on=["unit_id", "quarter"], how="left")
        table = table.sort_values(["unit_id", "quarter"])
        previous = table.groupby("unit_id")["revenue"].shift(1)
        previous_complete = table.groupby("unit_id")["complete"].shift(1).astype("boolean").fillna(False)
        growth = table["revenue"] / previous - 1
        table["revenue_growth"] = growth.where(table["complete"] & previous_complete & _consecutive(table))
        table = table.drop(columns="complete")
    for name in (*SUMMED, *AVERAGED, *OUTCOMES):  # a metric never imported: its column, empty
        if name not in table.columns:
            table[name] = np.nan
    return table.rename(columns={"quarter": "period"}).reset_index(drop=True)


def _consecutive(table: pd.DataFrame) -> pd.Series:
    """True where the row's quarter directly follows the unit's previous row's quarter."""
    index = table["quarter"].str[:4].astype(int) * 4 + table["quarter"].str[-1].astype(int)
    return index.groupby(table["unit_id"]).diff().eq(1)
