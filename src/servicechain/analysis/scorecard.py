"""The scorecard: every unit, period and measure with its interval, shrunk value and flag.

Flow: :func:`servicechain.metrics.measure_sums` (one pushed-down pass per source, rolled
up the tree) -> the anonymity decisions for employee results (on counts only) ->
statistics per row (:mod:`servicechain.stats`) -> comparison with the unit's shown peers
(same level, period and measure) -> percentiles -> engagement ratios -> every number
removed from suppressed rows -> the requested slice.

Employee results are suppressed on the whole organisation before any filter applies,
so no choice of ``unit``, ``level`` or ``period`` can reveal a small group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.analysis.anonymity import OrgTree, apply_privacy
from servicechain.analysis.units import check_level, parents, read_units, subtree
from servicechain.errors import UserError
from servicechain.metrics import measure_sums
from servicechain.metrics.measures import Measure, Source
from servicechain.settings import Settings, get_settings
from servicechain.stats import describe, ratio_interval, wilson_interval
from servicechain.stats.peers import compare_with_peers, group_codes, peer_percentiles
from servicechain.store import schema
from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store

SOURCES: tuple[Source, ...] = ("employee", "customer", "touchpoint")
FIELDS = ["unit_code", "period", "measure", "n", "mean", "ci_low", "ci_high", "shrunk", "percentile", "flag",
          "suppressed"]  # fmt: skip
"""The scorecard's contract fields (``--json`` / ``--csv``), in this order; more follow them."""
EXTRA = [
    "unit_name",
    "level",
    "depth",
    "source",
    "kind",
    "label_nl",
    "label_en",
    "sd",
    "se",
    "alarm",
    "suppressed_reason",
]


def step_count(sources: tuple[Source, ...]) -> int:
    """How many times :func:`build_scorecard` calls ``on_step``."""
    return len(sources) + 3


_NUMBERS = ["mean", "sd", "se", "ci_low", "ci_high", "shrunk", "weight", "flag", "alarm", "percentile"]
_LIMITS = ["alert_low", "alert_high", "alarm_low", "alarm_high", "sigma2", "tau2", "grand_mean", "target"]
_PEERS = ["source", "measure", "period", "level"]


def unit_statistics(sums: pd.DataFrame, units: pd.DataFrame, catalogue: dict[str, Measure]) -> pd.DataFrame:
    """Mean, SD, SE, 95% interval, shrunk value and funnel flag for every row of ``sums``.

    Rows marked ``suppressed`` take no part in the peer comparison (they count as n = 0),
    so nothing shown for a unit depends on a group that may not be shown.
    """
    described = units[["unit_id", "unit_code", "unit_name", "level", "depth"]].astype(
        {"unit_code": "category", "unit_name": "category", "level": "category"}
    )
    table = sums.merge(described, on="unit_id", how="left")
    kinds = table["measure"].map({key: m.kind for key, m in catalogue.items()})
    summary = describe(table["n"], table["total"], table["total_sq"])
    table = pd.concat([table, summary.set_axis(table.index)], axis=1)
    shares = (kinds == "share").to_numpy()
    low, high = wilson_interval(table.loc[shares, "total"] / 100.0, table.loc[shares, "n"])
    table.loc[shares, "ci_low"], table.loc[shares, "ci_high"] = 100.0 * low, 100.0 * high
    # an interval never leaves the measure's scale (small n: a t-interval of a 1..5 score can)
    lowest = table["measure"].map({key: m.scale_min for key, m in catalogue.items()}).astype("float64")
    highest = table["measure"].map({key: m.scale_max for key, m in catalogue.items()}).astype("float64")
    table["ci_low"] = table["ci_low"].clip(lower=lowest)
    table["ci_high"] = table["ci_high"].clip(upper=highest)
    counted = (kinds == "count").to_numpy()
    table.loc[counted, ["mean", "sd", "se", "ci_low", "ci_high"]] = np.nan
    shown = table.assign(n=table["n"].where(~table["suppressed"], 0))
    table["peer"] = group_codes(table, _PEERS)  # one integer per peer group, for fast grouping
    peers = compare_with_peers(shown.assign(peer=table["peer"]), ["peer"]).drop(columns="k")
    table = pd.concat([table, peers], axis=1)
    table.loc[counted, ["shrunk", "weight"]] = np.nan
    table.loc[counted, "flag"] = None
    table["alarm"] = table["alarm"].astype(bool)
    table["kind"] = kinds
    table["label_nl"] = table["measure"].map({key: m.nl for key, m in catalogue.items()})
    table["label_en"] = table["measure"].map({key: m.en for key, m in catalogue.items()})
    return table


RATIOS: dict[Source, tuple[str, str, Measure]] = {
    "employee": ("engaged_employees", "actively_disengaged_employees",
                 Measure("employee_engagement_ratio", "employee", "ratio",
                         "Betrokkenheidsratio (medewerkers)", "Engagement ratio (employees)")),
    "customer": ("fully_engaged_customers", "actively_disengaged_customers",
                 Measure("customer_engagement_ratio", "customer", "ratio", "Betrokkenheidsratio (klanten)",
                         "Engagement ratio (customers)")),
}  # fmt: skip
"""Engaged (customers: fully engaged) per actively disengaged respondent, from the shares' counts."""


def engagement_ratios(table: pd.DataFrame, catalogue: dict[str, Measure]) -> pd.DataFrame:
    """Rows of the engagement ratios, with the log-method interval; they share the shares' suppression."""
    frames = []
    for numerator, denominator, measure in RATIOS.values():
        top = table[table["measure"] == numerator].set_index(["unit_id", "period"])
        bottom = table[table["measure"] == denominator].set_index(["unit_id", "period"])
        bottom = bottom.reindex(top.index)
        if top.empty:
            continue
        a, b = top["total"].astype(float) / 100.0, bottom["total"].astype(float) / 100.0  # floats: b may be 0
        low, high = ratio_interval(a, b)
        ratio = (a / b).where(b > 0)  # nobody actively disengaged: no ratio
        rows = top.reset_index().assign(
            measure=measure.key, kind="ratio", mean=ratio.to_numpy(), ci_low=low, ci_high=high,
            sd=np.nan, se=np.nan, shrunk=np.nan, weight=np.nan, flag=None, alarm=False,
            label_nl=measure.nl, label_en=measure.en, percentile=np.nan,
            suppressed=(top["suppressed"].to_numpy() | bottom["suppressed"].fillna(True).to_numpy()),
        )  # fmt: skip
        frames.append(rows)
        catalogue[measure.key] = measure
    return pd.concat([table, *frames], ignore_index=True)


def employee_thresholds(store: Store, settings: Settings) -> dict[str, int]:
    """Minimum group size per period: the strictest employee wave of that period."""
    wave = schema.survey_wave
    query = sa.select(wave.c.period, wave.c.anonymity_threshold).where(wave.c.instrument_key == "employee")
    with store.engine.connect() as connection:
        waves = read_frame(connection, query)
    waves["anonymity_threshold"] = waves["anonymity_threshold"].fillna(settings.anonymity_threshold)
    return {
        str(period): int(limit)
        for period, limit in waves.dropna(subset=["period"])
        .groupby("period")["anonymity_threshold"]
        .max()
        .items()
    }


def decide_suppression(sums: pd.DataFrame, units: pd.DataFrame, thresholds: dict[str, int],
                       default: int) -> pd.DataFrame:  # fmt: skip
    """``sums`` with ``suppressed`` and ``suppressed_reason``: the anonymity rules for employee rows.

    Decided on the whole organisation, per period and measure, before any filtering.
    """
    employee = sums["source"] == "employee"
    others = sums.loc[~employee].assign(suppressed=False, suppressed_reason=None)
    if not employee.any():
        return others
    rows = sums.loc[employee]
    strictest = max([default, *thresholds.values()])
    limits = {period: thresholds.get(period, strictest) for period in rows["period"].unique()}
    decided = apply_privacy(rows, OrgTree(parents(units)), limits, blank=[])
    decided["n"] = rows["n"]  # kept for now: blank_suppressed() removes every number at the end
    return pd.concat([decided, others], ignore_index=True)


def blank_suppressed(table: pd.DataFrame) -> pd.DataFrame:
    """No numbers at all on suppressed rows: n, mean, interval, shrunk value, limits, flag."""
    hidden = table["suppressed"].to_numpy()
    table = table.copy()
    table["n"] = table["n"].astype("Int64").mask(hidden)
    for column in (*_NUMBERS, "total", "total_sq", *_LIMITS):
        if column in table.columns:
            table[column] = table[column].mask(hidden)
    table["alarm"] = table["alarm"].fillna(False).astype(bool)
    return table


def rank_among_peers(table: pd.DataFrame, catalogue: dict[str, Measure]) -> pd.Series:
    """Percentile of each unit's shrunk value among the shown units of its level (higher = better)."""
    direction = {key: 1.0 if m.higher_is_better else -1.0 for key, m in catalogue.items()}
    better = table["measure"].map(direction).astype("float64")
    # equal scores are ties on every engine: sums of doubles may differ in their last bits
    return peer_percentiles((table["shrunk"] * better).round(9), table[["peer"]])


@dataclass(frozen=True)
class UnitResults:
    """Every unit, period and measure with all statistics (suppressed rows already blanked)."""

    table: pd.DataFrame
    units: pd.DataFrame
    catalogue: dict[str, Measure]


def unit_results(
    store: Store, *, sources: tuple[Source, ...] = SOURCES, settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
) -> UnitResults:  # fmt: skip
    """The whole organisation's results: sums, anonymity decisions, statistics, percentiles."""
    settings = settings or get_settings()
    step = on_step or (lambda _: None)
    step("organisation")
    units = read_units(store)
    sums, catalogue = measure_sums(store, sources, step)
    step("anonymity rules")
    thresholds = employee_thresholds(store, settings)
    sums = decide_suppression(sums, units, thresholds, settings.anonymity_threshold)
    step("statistics")
    table = unit_statistics(sums, units, catalogue)
    table["percentile"] = rank_among_peers(
        table.assign(shrunk=table["shrunk"].mask(table["suppressed"])), catalogue
    )
    table = engagement_ratios(table, catalogue)
    return UnitResults(blank_suppressed(table), units, catalogue)


def per_unit(table: pd.DataFrame, level: str, measures: list[str], value: str) -> pd.DataFrame:
    """One row per unit of ``level`` and period, one column per measure holding ``value``
    (``mean``, ``percentile``, ...); missing where the row is suppressed or absent."""
    rows = table[(table["level"] == level) & table["measure"].isin(measures)]
    rows = rows[["unit_id", "unit_code", "unit_name", "period", "measure", value]].astype(
        {"unit_code": str, "unit_name": str, "period": str, "measure": str}
    )
    wide = rows.pivot_table(
        index=["unit_id", "unit_code", "unit_name", "period"], columns="measure", values=value
    ).reset_index()
    wide.columns.name = None
    return wide.reindex(columns=[*wide.columns, *[m for m in measures if m not in wide.columns]])


def build_scorecard(
    store: Store,
    *,
    sources: tuple[Source, ...] = SOURCES,
    period: str | None = None,
    unit: str | None = None,
    level: str | None = None,
    settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The scorecard rows for ``unit`` (and everything below it), ``level`` and ``period``.

    Without ``period`` every period is returned; ``unit`` selects that unit's subtree;
    ``level`` one kind of unit (``location``, ``region``, ...). Columns: :data:`FIELDS`
    then :data:`EXTRA`. Employee rows below the anonymity threshold have no numbers
    (``suppressed`` True, with the reason code in ``suppressed_reason``). ``on_step`` is
    told each stage, for progress bars (:func:`step_count` of them).
    """
    units = read_units(store)
    if level is not None:
        check_level(units, level)
    wanted = subtree(units, unit) if unit is not None else pd.Series(True, index=units.index)
    results = unit_results(store, sources=sources, settings=settings, on_step=on_step)
    table = results.table
    if period is not None and period not in set(table["period"]):
        known = ", ".join(sorted(set(table["period"]))[-6:]) or "none yet"
        raise UserError(f"no results for period {period!r}; periods with results: {known}")
    keep = table["unit_id"].isin(units.loc[wanted, "unit_id"])
    if level is not None:
        keep &= table["level"] == level
    if period is not None:
        keep &= table["period"] == period
    return in_reading_order(table.loc[keep], units, results.catalogue)[FIELDS + EXTRA]


def in_reading_order(table: pd.DataFrame, units: pd.DataFrame, catalogue: dict[str, Measure]) -> pd.DataFrame:
    """Sorted by period, then the organisation tree (parents before children), then measure."""
    tree_rank = pd.Series(np.arange(len(units)), index=units.sort_values("path")["unit_id"].to_numpy())
    unit = tree_rank.reindex(table["unit_id"].to_numpy()).to_numpy()
    measure = pd.Categorical(table["measure"].to_numpy(dtype=object), categories=list(catalogue)).codes
    periods = table["period"].to_numpy(dtype=object)
    period = pd.Categorical(periods, categories=sorted(set(periods))).codes
    order = np.lexsort((measure, unit, period))  # the last key sorts first
    return table.take(order).reset_index(drop=True)
