"""Importing financials: unit KPIs per period and metric, customer KPIs per period.

A stored value is never overwritten silently: a file that disagrees with what is stored
is refused, unless ``--replace`` is given, in which case the periods the file covers
(per metric, for unit KPIs) are replaced as a whole.
"""

from __future__ import annotations

import re
from functools import partial

import numpy as np
import pandas as pd

from servicechain.ingest.context import (
    CUSTOMER_HINT,
    UNIT_HINT,
    Counts,
    ImportContext,
    customer_lookup,
    unit_lookup,
)
from servicechain.ingest.kinds import FRACTION_METRICS, KNOWN_METRICS
from servicechain.ingest.problems import quoted
from servicechain.ingest.stored import Stored, stored_values
from servicechain.store import schema
from servicechain.store.bulk import append, read_frame, staged

_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def import_unit_kpis(ctx: ImportContext) -> Counts:
    """KPIs per unit, period and metric (revenue, gross_margin, ... or an own metric)."""
    typed, log, raw = ctx.typed, ctx.log, ctx.raw
    typed["metric"] = typed["metric"].str.lower()
    bad_name = ~typed["metric"].str.match(_METRIC_NAME).fillna(True).to_numpy()
    log.add_mask(
        bad_name,
        "metric",
        lambda p: f"{quoted(raw['metric'], p)} is not a metric name (lowercase letters, digits, _)",
    )
    fraction = typed["metric"].isin(FRACTION_METRICS).fillna(False).to_numpy(dtype=bool)
    low = np.where(typed["metric"].eq("gross_margin").fillna(False).to_numpy(dtype=bool), -1.0, 0.0)
    value = typed["value"].to_numpy(dtype=float, na_value=np.nan)
    outside = fraction & ((value < low) | (value > 1.0))
    log.add_mask(
        outside, "value",
        lambda p: f"{quoted(raw['value'], p)} is not a fraction for {typed['metric'].iloc[p]} "
        "(0..1 or 0%..100%)",
    )  # fmt: skip
    ctx.check_unique(["unit_code", "period", "metric"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    if log:
        return Counts()
    rows = pd.DataFrame(
        {
            "unit_id": unit_ids.astype("int64"),
            "period": typed["period"].astype(object),
            "metric": typed["metric"].astype(object),
            "value": typed["value"].astype(float),
            "import_id": ctx.import_id,
        }
    )
    unknown = sorted(set(rows["metric"]) - set(KNOWN_METRICS))
    if unknown:
        ctx.notes.append(f"own metrics (not among the standard ones): {', '.join(unknown)}")
    stored = stored_values(ctx.connection, "unit_kpi", rows[["unit_id", "period", "metric"]], ["value"])
    return _write_or_replace(ctx, rows, stored, ["value"], scope=["period", "metric"], table="unit_kpi")


def import_customer_kpis(ctx: ImportContext) -> Counts:
    """Revenue, share of wallet and retention per customer and period."""
    typed, log, raw = ctx.typed, ctx.log, ctx.raw
    share = typed["share_of_wallet"]
    outside = ((share < 0) | (share > 1)).fillna(False).to_numpy()
    log.add_mask(
        outside,
        "share_of_wallet",
        lambda p: f"{quoted(raw['share_of_wallet'], p)} is not a share (0..1 or 0%..100%)",
    )
    negative = (typed["revenue"] < 0).fillna(False).to_numpy()
    log.add_mask(negative, "revenue", lambda p: f"{quoted(raw['revenue'], p)} is negative")
    ctx.check_unique(["customer_code", "period"])
    customers = customer_lookup(ctx.connection, typed["customer_code"])
    customer_ids = ctx.resolve("customer_code", customers, "customer_code", CUSTOMER_HINT)
    if log:
        return Counts()
    rows = pd.DataFrame(
        {
            "customer_id": customer_ids.astype("int64"),
            "period": typed["period"].astype(object),
            "revenue": typed["revenue"].astype(float),
            "share_of_wallet": share.astype(float),
            "retained": typed["retained"],
            "import_id": ctx.import_id,
        }
    )
    values = ["revenue", "share_of_wallet", "retained"]
    stored = stored_values(ctx.connection, "customer_kpi", rows[["customer_id", "period"]], values)
    return _write_or_replace(ctx, rows, stored, values, scope=["period"], table="customer_kpi")


def _write_or_replace(
    ctx: ImportContext,
    rows: pd.DataFrame,
    stored: Stored,
    values: list[str],
    *,
    scope: list[str],
    table: str,
) -> Counts:
    """Append new rows; same values are skipped; different ones need ``--replace``."""
    is_stored = stored.mask
    conflict = stored.changed(rows, values)
    if ctx.replace:
        _replace_periods(ctx, rows, scope, table)
        return Counts(inserted=int((~is_stored).sum()), updated=int(conflict.sum()),
                      skipped=int((is_stored & ~conflict).sum()), notes=ctx.notes)  # fmt: skip
    if conflict.any():
        _refuse_changes(ctx, rows, stored, values, conflict)
        return Counts()
    fresh = rows[~is_stored]
    append(
        ctx.connection, schema.metadata.tables[table], fresh, partial(ctx.report, "writing", total=len(fresh))
    )
    return Counts(inserted=len(fresh), skipped=int(is_stored.sum()), notes=ctx.notes)


def _replace_periods(ctx: ImportContext, rows: pd.DataFrame, scope: list[str], table: str) -> None:
    """Delete what is stored for the file's ``scope`` combinations, then write the file."""
    key = rows.columns[0]  # unit_id or customer_id
    with staged(ctx.connection, rows[scope].drop_duplicates()) as stage:
        condition = " AND ".join(f"{table}.{c} = s.{c}" for c in scope)
        covered = f"FROM {table} WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {condition})"
        stored_keys = read_frame(ctx.connection, f"SELECT DISTINCT {key} {covered}")
        deleted = ctx.connection.exec_driver_sql(f"DELETE {covered}").rowcount
    append(ctx.connection, schema.metadata.tables[table], rows)
    periods = ", ".join(sorted(rows["period"].unique()))
    ctx.notes.append(f"replaced {deleted:,} stored values of period(s) {periods}")
    dropped = len(set(stored_keys[key].tolist()) - set(rows[key].tolist()))
    if dropped:
        what = "units" if key == "unit_id" else "customers"
        ctx.notes.append(
            f"{dropped:,} {what} had values in these periods but are not in this file: "
            "their values for these periods were removed"
        )


def _refuse_changes(
    ctx: ImportContext, rows: pd.DataFrame, stored: Stored, values: list[str], conflict: np.ndarray
) -> None:
    """A problem per row whose value differs from the stored one, pointing to ``--replace``."""
    periods = ", ".join(sorted(rows.loc[conflict, "period"].unique()))

    def describe(position: int) -> str:
        shown = ", ".join(f"{c} {stored.values.loc[position, c]!s}" for c in values)
        return (
            f"differs from what is stored for period {rows['period'].iloc[position]} ({shown}); "
            f"to correct period(s) {periods}, import again with --replace"
        )

    ctx.log.add_mask(conflict, "period", describe)
