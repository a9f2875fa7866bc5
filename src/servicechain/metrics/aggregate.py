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
from servicechain.metrics.backend import Analytics
from servicechain.metrics.customer import customer_measures
from servicechain.metrics.employee import employee_measures
from servicechain.metrics.measures import Measure, Source
from servicechain.metrics.respondent import Scored
from servicechain.metrics.touchpoint import touchpoint_measures

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


Measures = list[Measure]
Sums = tuple[pd.DataFrame, Measures]


def sums_query(
    backend: SQLBackend, spec: SourceSpec, instrument: Instrument
) -> tuple[ir.Table, list[Measure]]:
    """The Ibis expression of one source's sums per (ancestor unit, wave or quarter)."""
    raw = backend.table(spec.table)
    if spec.table == "employee_response":  # an open wave shows nothing yet (see published_only)
        raw = published_only(backend, raw)
    if spec.by_wave:
        rows, measures, sums = spec.scorer(raw, instrument, ["unit_id", "wave_id", spec.moment])
        keys = {"wave_id": rows.wave_id}
        dated = {"last_moment": rows[spec.moment].max()}
    else:
        rows, measures, sums = spec.scorer(raw, instrument, ["unit_id", spec.moment])
        keys = {"year": rows[spec.moment].year(), "quarter": rows[spec.moment].quarter()}
        dated = {}
    leaf = rows.group_by("unit_id", **keys).aggregate(**sums, **dated)
    tree = ancestors(backend)
    joined = leaf.join(tree, "unit_id")
    rolled = {name: joined[name].sum() for name in sums}
    rolled.update({name: joined[name].max() for name in dated})
    query = joined.group_by(unit_id=joined.ancestor_id, **{k: joined[k] for k in keys}).aggregate(**rolled)
    return query, measures


def published_only(backend: SQLBackend, raw: ir.Table) -> ir.Table:
    """Employee responses of closed waves only.

    While a wave is open its answers arrive one by one; results refreshed in between would
    let anyone who saw who answered subtract two snapshots and read that person's answers.
    So a wave's results appear once, when it closes (imported waves are closed).
    """
    waves = backend.table("survey_wave")
    closed = waves.filter(waves.status != "open").select(wave_id=waves.id)
    return raw.semi_join(closed, "wave_id")


_COMPILED: dict[tuple[str, SourceSpec, str], tuple[str, list[Measure]]] = {}


def unit_sums(analytics: Analytics, spec: SourceSpec, instrument: Instrument) -> Sums:
    """One query: the wide table of sums per (ancestor unit, wave or quarter) for ``spec``.

    The SQL is compiled once per engine, source and instrument and then reused: compiling
    the scoring expressions takes a few tenths of a second, which would otherwise be paid
    on every scorecard.
    """
    backend = analytics.backend
    key = (backend.name, spec, instrument.model_dump_json())
    if key not in _COMPILED:
        query, measures = sums_query(backend, spec, instrument)
        _COMPILED[key] = (str(backend.compile(query)), measures)
    sql, measures = _COMPILED[key]
    return analytics.read(sql), measures


def to_long(wide: pd.DataFrame, measures: list[Measure], source: Source) -> pd.DataFrame:
    """Wide sums (one column per measure and statistic) as rows ``unit, period, measure, n, ...``.

    Waves of the same period are added together first (sums are additive).
    """
    if not measures or wide.empty:
        return pd.DataFrame(columns=LONG_COLUMNS)
    sums = [column for column in wide.columns if "__" in column]
    wide = wide.groupby(["unit_id", "period"], sort=True, as_index=False)[sums].sum(min_count=0)
    rows, columns = len(wide), {}
    for measure in measures:
        key, scale = measure.key, _SCALE[measure.kind]
        n = wide[f"{key}__n"].to_numpy(dtype="float64", na_value=0.0)
        total = (
            wide[f"{key}__total"].to_numpy(dtype="float64", na_value=0.0) * scale
            if measure.kind != "count"
            else n
        )
        if measure.kind == "share":
            total_sq = total * scale
        elif measure.kind == "count":
            total_sq = n
        else:
            total_sq = wide[f"{key}__sq"].to_numpy(dtype="float64", na_value=0.0) * scale * scale
        columns[key] = (n, total, total_sq)
    keys = list(columns)
    return pd.DataFrame({
        "source": np.full(rows * len(keys), source, dtype=object),
        "unit_id": np.tile(wide["unit_id"].to_numpy(dtype="int64"), len(keys)),
        "period": np.tile(wide["period"].to_numpy(dtype=object), len(keys)),
        "measure": np.repeat(np.array(keys, dtype=object), rows),
        "n": np.concatenate([columns[k][0] for k in keys]).astype("int64"),
        "total": np.concatenate([columns[k][1] for k in keys]),
        "total_sq": np.concatenate([columns[k][2] for k in keys]),
    })  # fmt: skip


def quarter_label(year: pd.Series, quarter: pd.Series) -> pd.Series:
    """``2026-Q3`` from year and quarter numbers."""
    return year.astype("int64").astype(str) + "-Q" + quarter.astype("int64").astype(str)


def wave_periods(waves: pd.DataFrame, wide: pd.DataFrame) -> pd.Series:
    """The reporting period of each wave id: its own, else the quarter of its last response."""
    named = waves.dropna(subset=["period"])
    own = dict(zip(named["id"], named["period"], strict=True))
    last = pd.to_datetime(wide.groupby("wave_id")["last_moment"].max())
    labels = quarter_label(last.dt.year, last.dt.quarter)
    periods = {wave: own.get(wave, labels.get(wave)) for wave in wide["wave_id"].unique()}
    return pd.Series(periods, dtype=object)


def period_sums(analytics: Analytics, spec: SourceSpec, instrument: Instrument) -> Sums:
    """The long table of sums per unit (rolled up), period and measure of one source."""
    wide, measures = unit_sums(analytics, spec, instrument)
    if wide.empty:
        return pd.DataFrame(columns=LONG_COLUMNS), measures
    if spec.by_wave:
        waves = analytics.read("SELECT id, period FROM survey_wave")
        period = wide["wave_id"].map(wave_periods(waves, wide))
    else:
        period = quarter_label(wide["year"], wide["quarter"])
    wide = pd.concat([wide, period.rename("period")], axis=1).copy()  # consolidated: one block per type
    return to_long(wide.dropna(subset=["period"]), measures, spec.source), measures
