"""What engaged customers are worth: customer KPIs by engagement segment and by satisfaction.

One pushed-down query joins each scored customer response (segment, overall satisfaction)
with the same customer's KPIs of the wave's period (revenue, share of wallet, retained)
and sums them per segment and per satisfaction level. Only these sums leave the database.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from servicechain.instruments import load_default_instruments
from servicechain.metrics.backend import analytics_backend
from servicechain.metrics.customer import customer_measures
from servicechain.store.engine import Store

SEGMENTS = ("fully_engaged", "engaged", "not_engaged", "actively_disengaged")
VALUES = ("revenue", "share_of_wallet", "retained")


def _value_sums(rows: ir.Table) -> dict[str, ir.Scalar]:
    numbers = {"revenue": rows.revenue, "share_of_wallet": rows.share_of_wallet,
               "retained": rows.retained.cast("int32").cast("float64")}  # fmt: skip
    sums: dict[str, ir.Scalar] = {"customers": rows.count()}
    for name, value in numbers.items():
        sums |= {f"{name}_n": value.count(), f"{name}_sum": value.sum(), f"{name}_sq": (value * value).sum()}
    return sums


def customer_value(store: Store) -> pd.DataFrame:
    """Rows ``by, group, customers, {value}_n, {value}_sum, {value}_sq`` for ``by`` in
    ``segment`` (groups as :data:`SEGMENTS`) and ``satisfaction`` (groups 1..5)."""
    with analytics_backend(store) as analytics:
        backend = analytics.backend
        responses = backend.table("customer_response")
        scored, _, _ = customer_measures(responses, load_default_instruments()["customer"],
                                         ["customer_id", "wave_id"])  # fmt: skip
        waves = backend.table("survey_wave").select(wave_id="id", period="period")
        kpis = backend.table("customer_kpi")
        joined = scored.join(waves, "wave_id").join(kpis, ["customer_id", "period"])
        frames = []
        for by in ("segment", "satisfaction"):
            rows = joined.filter(joined[by].notnull())
            query = rows.group_by(group=rows[by]).aggregate(**_value_sums(rows))
            frames.append(analytics.read(str(backend.compile(query))).assign(by=by))
    table = pd.concat(frames, ignore_index=True)
    segment = table["by"] == "segment"
    table["group"] = table["group"].astype(int).astype(object)
    table.loc[segment, "group"] = [SEGMENTS[int(code)] for code in table.loc[segment, "group"]]
    return table[["by", "group", *[c for c in table.columns if c not in ("by", "group")]]]


def unit_wallet(store: Store) -> pd.DataFrame:
    """Mean share of wallet of each unit's responding customers per period (``unit_id, period,
    share_of_wallet``): the customer-side outcome for key drivers."""
    with analytics_backend(store) as analytics:
        backend = analytics.backend
        responses = backend.table("customer_response").select("unit_id", "customer_id", "wave_id")
        waves = backend.table("survey_wave").select(wave_id="id", period="period")
        kpis = backend.table("customer_kpi").select("customer_id", "period", "share_of_wallet")
        joined = responses.join(waves, "wave_id").join(kpis, ["customer_id", "period"])
        query = joined.group_by("unit_id", "period").aggregate(share_of_wallet=joined.share_of_wallet.mean())
        return analytics.read(str(backend.compile(query)))
