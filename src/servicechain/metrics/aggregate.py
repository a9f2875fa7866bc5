"""Unit x period sums of every measure: one pushed-down pass per source, rolled up the tree.

For each source one SQL query (built with Ibis, so it runs unchanged on DuckDB and
PostgreSQL) scores every response row, groups by the responding unit and the wave (or
quarter), and then re-groups those small partial sums by every *ancestor* of the unit,
so a region's figures come from all responses below it, never from a mean of child
means. Per unit, period and measure it returns ``n``, ``total`` and ``total_sq``, from
which :mod:`servicechain.stats` derives means, intervals and everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.backends.sql import SQLBackend

from servicechain.instruments.model import Instrument
from servicechain.metrics.measures import Measure, Source
from servicechain.metrics.respondent import Scored, customer_measures, employee_measures, touchpoint_measures

LONG_COLUMNS = ["source", "unit_id", "period", "measure", "n", "total", "total_sq"]
_SCALE = {"score": 1.0, "share": 100.0, "nps": 100.0, "count": 1.0}


@dataclass(frozen=True)
class SourceSpec:
    """Where a source's rows live and how they are scored and dated."""

    source: Source
    table: str
    instrument: str
    scorer: Callable[[ir.Table, Instrument, list[str]], Scored]
    moment: str  # wave sources: for waves without a period; touchpoints: the quarter
    by_wave: bool


SOURCES: dict[Source, SourceSpec] = {
    "employee": SourceSpec(
        "employee", "employee_response", "employee", employee_measures, "submitted_on", by_wave=True
    ),
    "customer": SourceSpec(
        "customer", "customer_response", "customer", customer_measures, "submitted_at", by_wave=True
    ),
    "touchpoint": SourceSpec(
        "touchpoint", "touchpoint_response", "touchpoint", touchpoint_measures, "occurred_at", by_wave=False
    ),
}


def ancestors(backend: SQLBackend) -> ir.Table:
    """``(unit_id, ancestor_id)`` for every unit and each unit above it, itself included.

    Read from the materialised path (``/1/4/17/``) of ``org_unit``, inside the database.
    """
    units = backend.table("org_unit")
    pairs = units.select(unit_id=units.id, step=units.path.split("/").unnest())
    pairs = pairs.filter(pairs.step != "")
    return pairs.select("unit_id", ancestor_id=pairs.step.cast("int64"))


def _aggregates(rows: ir.Table, measures: list[Measure]) -> dict[str, ir.Scalar]:
    """The sums each measure needs: n and total always, sum of squares for scores and NPS."""
    sums: dict[str, ir.Scalar] = {}
    for measure in measures:
        key = measure.key
        if measure.kind == "count":
            sums[f"{key}__n"] = rows.count()
            continue
        value = rows[key]
        sums[f"{key}__n"] = value.count()
        if measure.kind == "score":
            number = value.cast("float64")
            sums[f"{key}__total"] = number.sum()
            sums[f"{key}__sq"] = (number * number).sum()
        else:
            sums[f"{key}__total"] = value.cast("int64").sum()
            if measure.kind == "nps":
                sums[f"{key}__sq"] = value.abs().cast("int64").sum()
    return sums


Sums = tuple[pd.DataFrame, list[Measure]]


def unit_sums(backend: SQLBackend, spec: SourceSpec, instrument: Instrument) -> Sums:
    """One query: the wide table of sums per (ancestor unit, wave or quarter) for ``spec``."""
    raw = backend.table(spec.table)
    if spec.by_wave:
        rows, measures = spec.scorer(raw, instrument, ["unit_id", "wave_id", spec.moment])
        keys = {"wave_id": rows.wave_id}
        dated = {"last_moment": rows[spec.moment].max()}
    else:
        rows, measures = spec.scorer(raw, instrument, ["unit_id", spec.moment])
        keys = {"year": rows[spec.moment].year(), "quarter": rows[spec.moment].quarter()}
        dated = {}
    sums = _aggregates(rows, measures)
    leaf = rows.group_by("unit_id", **keys).aggregate(**sums, **dated)
    tree = ancestors(backend)
    joined = leaf.join(tree, "unit_id")
    rolled = {name: joined[name].sum() for name in sums}
    rolled.update({name: joined[name].max() for name in dated})
    query = joined.group_by(unit_id=joined.ancestor_id, **{k: joined[k] for k in keys}).aggregate(**rolled)
    return query.to_pandas(), measures


def to_long(wide: pd.DataFrame, measures: list[Measure], source: Source) -> pd.DataFrame:
    """Wide sums (one column per measure and statistic) as rows ``unit, period, measure, n, ...``."""
    parts = []
    for measure in measures:
        key, scale = measure.key, _SCALE[measure.kind]
        n = wide[f"{key}__n"].fillna(0).astype("int64")
        total = wide.get(f"{key}__total", n).fillna(0).astype("float64") * scale
        if measure.kind == "share":
            total_sq = total * scale
        elif measure.kind == "count":
            total_sq = n.astype("float64")
        else:
            total_sq = wide[f"{key}__sq"].fillna(0).astype("float64") * scale * scale
        parts.append(
            pd.DataFrame({
                "source": source, "unit_id": wide["unit_id"].astype("int64"), "period": wide["period"],
                "measure": key, "n": n, "total": total.to_numpy(), "total_sq": total_sq.to_numpy(),
            })
        )  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=LONG_COLUMNS)
    long = pd.concat(parts, ignore_index=True)
    return long.groupby(["source", "unit_id", "period", "measure"], as_index=False, sort=True)[
        ["n", "total", "total_sq"]
    ].sum()


def quarter_label(year: pd.Series, quarter: pd.Series) -> pd.Series:
    """``2026-Q3`` from year and quarter numbers."""
    return year.astype("int64").astype(str) + "-Q" + quarter.astype("int64").astype(str)


def wave_periods(waves: pd.DataFrame, wide: pd.DataFrame) -> pd.Series:
    """The reporting period of each wave id: its own, else the quarter of its last response."""
    own = dict(zip(waves["id"], waves["period"], strict=True))
    last = wide.groupby("wave_id")["last_moment"].max()
    fallback = pd.to_datetime(last)
    labels = quarter_label(fallback.dt.year, fallback.dt.quarter)
    return pd.Series(
        {wave: own.get(wave) or labels.get(wave) for wave in wide["wave_id"].unique()}, dtype=object
    ).replace({np.nan: None})


def period_sums(backend: SQLBackend, spec: SourceSpec, instrument: Instrument) -> Sums:
    """The long table of sums per unit (rolled up), period and measure of one source."""
    wide, measures = unit_sums(backend, spec, instrument)
    if wide.empty:
        return pd.DataFrame(columns=LONG_COLUMNS), measures
    if spec.by_wave:
        waves = backend.table("survey_wave").select("id", "period").to_pandas()
        wide["period"] = wide["wave_id"].map(wave_periods(waves, wide))
    else:
        wide["period"] = quarter_label(wide["year"], wide["quarter"])
    return to_long(wide.dropna(subset=["period"]), measures, spec.source), measures
