"""The executive report: Human Sigma, quadrants, variability, linkage and drivers in one dict.

:func:`build_report` returns a JSON-serialisable dict with stable top-level fields
(``human_sigma``, ``quadrants``, ``variability``, ``linkage``, ``drivers``, ``texts`` (what
people write: :mod:`servicechain.analysis.text_report`), plus ``period``, ``level``,
``language``, ``organisation``, ``summary``); ``servicechain
report`` prints it as JSON or renders it as one HTML file (:mod:`servicechain.report`).
Every employee number in it comes from the scorecard, after the anonymity rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from servicechain.analysis.customer_value import satisfaction_revenue_ratio, segment_premiums
from servicechain.analysis.drivers import driver_weights, focus_areas, unit_frame
from servicechain.analysis.human_sigma import PUBLISHED, human_sigma, outcomes_by, quadrant_ratios
from servicechain.analysis.linkage import chain_models, correlations, plain_words
from servicechain.analysis.scorecard import UnitResults, unit_results
from servicechain.analysis.text_report import report_texts
from servicechain.analysis.text_summary import text_document
from servicechain.analysis.units import check_level
from servicechain.analysis.variability import variability
from servicechain.errors import UserError
from servicechain.metrics.customer_value import customer_value, unit_wallet
from servicechain.metrics.kpis import unit_outcomes
from servicechain.settings import Settings, get_settings
from servicechain.store.engine import Store

MEASURES = ("engagement_index", "ce_index")
REPORT_STEPS = 11
"""How many times :func:`build_report` calls ``on_step`` (for a progress bar)."""


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts with None for missing values (valid JSON)."""
    return [
        {str(key): _plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")
    ]


def _plain(value: Any) -> Any:
    """A JSON-ready copy: numpy scalars as Python numbers, NaN and infinity as None, recursively."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return None if value is pd.NA else value


def _label(results: UnitResults, key: str, language: str) -> str:
    measure = results.catalogue.get(key)
    return key if measure is None else measure.label(language)


def _variability(results: UnitResults, level: str, period: str, language: str) -> dict[str, Any]:
    section: dict[str, Any] = {}
    table = results.table
    for measure in MEASURES:
        spread = variability(results, measure, level, period)
        rows = table[
            (table["measure"] == measure)
            & (table["level"] == level)
            & (table["period"] == period)
            & ~table["suppressed"]
        ]
        funnel = rows[
            [
                "unit_code",
                "unit_name",
                "n",
                "mean",
                "target",
                "alert_low",
                "alert_high",
                "alarm_low",
                "alarm_high",
                "flag",
            ]
        ].astype({"unit_code": str, "unit_name": str})
        section[measure] = {
            "label": _label(results, measure, language),
            "units": spread.units,
            "mean": spread.mean,
            "sd": spread.sd,
            "between_variance": spread.between_variance,
            "within_variance": spread.within_variance,
            "above": spread.above,
            "below": spread.below,
            "alarms": spread.alarms,
            "sentence": spread.sentence(language),
            "funnel": _records(funnel),
            "changes": spread.changes["verdict"].value_counts().to_dict(),
        }
    return section


def _drivers(results: UnitResults, frame: pd.DataFrame, period: str, language: str) -> dict[str, Any]:
    weights = driver_weights(frame)
    section: dict[str, Any] = {
        target: _records(table.assign(label=[_label(results, d, language) for d in table["driver"]]))
        for target, table in weights.items()
    }
    if "ce_index" in weights:
        areas = focus_areas(frame, weights["ce_index"], period)
        names = frame.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
        areas = areas.rename(columns={"unit": "unit_code"}).assign(
            unit_name=lambda a: a["unit_code"].map(names),
            label=lambda a: [_label(results, d, language) for d in a["driver"]],
        )
        section["focus_areas"] = _records(areas)
    return section


@dataclass(frozen=True)
class ReportInputs:
    """What every report reads from the store: unit results, unit outcomes, customer value."""

    results: UnitResults
    outcomes: pd.DataFrame
    value: pd.DataFrame
    computed: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What reports built on these inputs share once computed (the ``text`` document)."""


def report_inputs(store: Store, *, settings: Settings | None = None,
                  on_step: Callable[[str], None] | None = None) -> ReportInputs:  # fmt: skip
    """Read and compute the inputs of :func:`build_report` once (the scans of the store)."""
    step = on_step or (lambda _: None)
    results = unit_results(store, settings=settings or get_settings(), on_step=step)
    step("unit outcomes and customer value")
    outcomes = unit_outcomes(store).merge(unit_wallet(store), on=["unit_id", "period"], how="outer")
    return ReportInputs(results, outcomes, customer_value(store))


def text_of(store: Store, settings: Settings, inputs: ReportInputs) -> dict[str, Any]:
    """The ``text`` document (:func:`servicechain.analysis.text_summary.text_document`, with the
    inputs' scorecard beside the employer reviews), computed once per ``inputs``: the reports of
    both languages and the snapshot share it."""
    if "text" not in inputs.computed:
        inputs.computed["text"] = text_document(store, settings, scorecard=inputs.results.table)
    return inputs.computed["text"]  # type: ignore[no-any-return]


def latest_complete_period(rows: pd.DataFrame) -> str | None:
    """The newest period with both employee and customer results (``period``, ``source`` rows).

    Responses collected in a new quarter arrive one by one: the report, and the pages, stay
    on the last quarter that has both sides of the chain until the new one has them too.
    """
    sources = rows.groupby("period")["source"].agg(set)
    complete = sorted(str(period) for period, found in sources.items() if {"employee", "customer"} <= found)
    return str(complete[-1]) if complete else None


def build_report(
    store: Store,
    *,
    period: str | None = None,
    level: str = "location",
    language: str | None = None,
    settings: Settings | None = None,
    on_step: Callable[[str], None] | None = None,
    inputs: ReportInputs | None = None,
) -> dict[str, Any]:
    """The report of ``period`` (default: the latest with results) for units of ``level``;
    pass ``inputs`` of :func:`report_inputs` to build several reports (languages) on one
    computation."""
    settings = settings or get_settings()
    language = language or settings.language
    step = on_step or (lambda _: None)
    inputs = inputs or report_inputs(store, settings=settings, on_step=step)
    results = inputs.results
    check_level(results.units, level)
    rows = results.table.loc[results.table["level"] == level, ["period", "source"]].astype(str)
    periods = sorted(set(rows["period"]))
    if not periods:
        raise UserError(f"no results for units of level {level!r} yet")
    period = period or latest_complete_period(rows) or periods[-1]
    if period not in periods:
        raise UserError(f"no results for period {period!r}; periods with results: {', '.join(periods[-6:])}")
    step("outcomes and Human Sigma")
    outcomes = inputs.outcomes
    sigma = human_sigma(results, outcomes, level, settings.human_sigma_cutoffs)
    frame = unit_frame(results, level, outcomes)
    step("linkage")
    units = results.units.set_index("unit_id")
    shrunk = results.table[
        (results.table["measure"] == "engagement_index") & (results.table["level"] == level)
    ]
    shrunk_ee = frame.merge(
        shrunk[["unit_id", "period", "shrunk"]].astype({"period": str}), on=["unit_id", "period"], how="left"
    )["shrunk"]
    regions = frame["unit_id"].map(units["parent_id"]).astype("Int64").astype(str)
    value = inputs.value
    step("drivers")
    now = sigma[sigma["period"].astype(str) == period].astype(
        {"unit_code": str, "unit_name": str, "period": str}
    )
    ratios = quadrant_ratios(sigma)
    variability_section = _variability(results, level, period, language)
    step("texts")
    texts = report_texts(text_of(store, settings, inputs), results.units, language, level)
    summary = [f"{section['label']}: {section['sentence']}" for section in variability_section.values()]
    return _plain(
        {
            "period": period,
            "level": level,
            "language": language,
            "organisation": str(results.units.loc[results.units["parent_id"].isna(), "unit_name"].iloc[0]),
            "summary": summary,
            "human_sigma": _records(now.drop(columns=["unit_id"])),
            "quadrants": {
                "outcomes": _records(outcomes_by(sigma, "quadrant")),
                "levels": _records(outcomes_by(sigma, "hs_level")),
                "ratios": {key: _plain(v) for key, v in ratios.items()},
                "published": PUBLISHED,
                "counts": now["quadrant"].value_counts().to_dict(),
            },
            "variability": variability_section,
            "linkage": {
                "correlations": _records(correlations(frame)),
                "models": chain_models(frame, shrunk_ee, regions),
                "sentences": plain_words(frame, language),
                "customer": {
                    "premiums": _records(segment_premiums(value)),
                    "satisfaction_ratio": satisfaction_revenue_ratio(value),
                },
            },
            "drivers": _drivers(results, frame, period, language),
            "texts": texts,
        }
    )
