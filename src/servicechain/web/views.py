"""What each page shows, as JSON-ready dicts: the pages render them, ``/api/v1`` returns them.

Every number carries its n; suppressed rows carry no numbers, only the reason. Everything
is read from the precomputed snapshot (:mod:`servicechain.web.results`); tables over many
units are sliced with vectorised filters on one period, so a page costs milliseconds
whether the organisation has 24 locations or 5,000.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from servicechain.analysis.anonymity import REASONS
from servicechain.web.access import NotFound, Scope
from servicechain.web.i18n import N_, Formats, translator
from servicechain.web.results import Results, plain_records

KEY_MEASURES = ["engagement_index", "engaged_employees", "enps", "ce_index", "fully_engaged_customers",
                "nps", "touchpoint_satisfaction"]  # fmt: skip
"""The measures of overview tables and trends, employee side first."""
TOUCHPOINT_MEASURES = [
    "touchpoint_satisfaction",
    "touchpoint_ease",
    "touchpoint_valued",
    "touchpoint_top_box",
]
FLAGGED_MEASURES = ["engagement_index", "ce_index"]
HEADLINE = "ce_index"
LOCATION = "location"
_NUMBERS = ["n", "mean", "ci_low", "ci_high", "shrunk", "percentile", "flag"]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def reason_text(results: Results, reason: str | None, period: str, language: str) -> str | None:
    """Why a row is suppressed, in words (with the threshold of the period)."""
    if not reason:
        return None
    anonymity = results.documents.get("anonymity") or {"default": 5, "periods": {}}
    threshold = anonymity["periods"].get(period, anonymity["default"])
    return REASONS.get(reason, {}).get(language, reason).format(threshold=threshold)


def score_row(results: Results, row: dict[str, Any], language: str) -> dict[str, Any]:
    """One scorecard row for people: label, n, mean and interval, shrunk value, flag or the reason."""
    measure = row["measure"]
    out: dict[str, Any] = {
        "measure": measure,
        "label": results.label(measure, language),
        "kind": results.measures.get(measure, {}).get("kind"),
        "source": row["source"],
        "period": row["period"],
        "suppressed": bool(row["suppressed"]),
    }
    if out["suppressed"]:
        out |= dict.fromkeys(_NUMBERS)
        out["reason"] = reason_text(results, row["suppressed_reason"], row["period"], language)
    else:
        out |= {field: _plain(row[field]) for field in _NUMBERS}
        out["reason"] = None
    return out


def unit_card(results: Results, code: str) -> dict[str, Any]:
    """Who a unit is: code, name, level, manager, parent."""
    unit = results.units.loc[code]
    parent = unit["parent_id"]
    return {
        "code": code,
        "name": str(unit["unit_name"]),
        "level": str(unit["level"]),
        "manager": _plain(unit["manager"]),
        "parent": None if pd.isna(parent) else results.code_of(int(parent)),
    }


def find_unit(results: Results, scope: Scope, code: str) -> pd.Series:
    """The unit ``code`` if the caller may see it, else NotFound (also for unknown codes)."""
    if code not in results.units.index:
        raise NotFound(N_("There is no unit {code} among your units."), code=code)
    unit = results.units.loc[code]
    if not scope.allows(str(unit["path"])):
        raise NotFound(N_("There is no unit {code} among your units."), code=code)
    return unit  # type: ignore[return-value]


def groups_locations(results: Results, unit: pd.Series) -> bool:
    """True for a unit with locations below it (company, region, district): it gets a region page."""
    path = str(unit["path"])
    return bool(results.derived(("groups", path), lambda: bool(
        ((results.units["level"] == LOCATION) & results.units["path"].str.startswith(path)
         & (results.units["path"] != path)).any()
    )))  # fmt: skip


def root_of(results: Results) -> pd.Series:
    """The organisation's root unit."""
    return results.units[results.units["parent_id"].isna()].iloc[0]


def scores_of(results: Results, unit_id: int, period: str | None, language: str,
              measures: list[str] | None = None) -> dict[str, dict[str, Any]]:  # fmt: skip
    """``{measure: score_row}`` of one unit in one period."""
    return {
        row["measure"]: score_row(results, row, language)
        for row in results.records(unit_id)
        if row["period"] == period and (measures is None or row["measure"] in measures)
    }


def trend(results: Results, unit_id: int, language: str, measures: list[str] = KEY_MEASURES
          ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Per measure, every period's row of one unit (oldest first)."""
    series: dict[str, list[dict[str, Any]]] = {}
    for row in results.records(unit_id):
        if row["measure"] in measures:
            series.setdefault(row["measure"], []).append(score_row(results, row, language))
    return {measure: series[measure] for measure in measures if measure in series}


def _previous(results: Results, period: str) -> str | None:
    index = results.periods.index(period) if period in results.periods else 0
    return results.periods[index - 1] if index > 0 else None


def changes(results: Results, measure: str, period: str) -> pd.DataFrame:
    """Per unit: change of ``measure`` since the previous period and a word for it.

    ``rose``/``fell`` when the difference of the two means is beyond chance (two-sided z-test
    on independent samples, 5%: |d| / sqrt(se1^2 + se2^2) >= 1.96), else ``held``.
    """
    return results.derived(("changes", measure, period), lambda: _changes(results, measure, period))  # type: ignore[no-any-return]


def _changes(results: Results, measure: str, period: str) -> pd.DataFrame:
    before = _previous(results, period)
    now = results.period_rows(period)
    now = now.loc[(now["measure"] == measure) & ~now["suppressed"], ["unit_id", "mean", "se"]]
    if before is None:
        return now.assign(change=np.nan, word="held").set_index("unit_id")
    then = results.period_rows(before)
    then = then.loc[(then["measure"] == measure) & ~then["suppressed"], ["unit_id", "mean", "se"]]
    both = now.merge(then, on="unit_id", how="left", suffixes=("", "_before")).set_index("unit_id")
    change = both["mean"] - both["mean_before"]
    z: pd.Series = change / np.hypot(both["se"], both["se_before"])
    both["change"] = change
    both["word"] = np.where(z >= 1.96, "rose", np.where(z <= -1.96, "fell", "held"))
    return both[["change", "word"]]


def visible_units(results: Results, scope: Scope, *, level: str | None = None,
                  below: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """The caller's units, optionally of one level and below one unit."""
    units = results.units[scope.mask(results.units)]
    if level is not None:
        units = units[units["level"] == level]
    if below is not None:
        units = units[units["path"].str.startswith(str(below["path"]))]
    return units


def unit_table(results: Results, units: pd.DataFrame, period: str | None, language: str,
               measures: list[str] = KEY_MEASURES) -> list[dict[str, Any]]:  # fmt: skip
    """One row per unit with ``measures`` in ``period`` (one vectorised slice of the period)."""
    if period is None or units.empty:
        return []
    rows = results.period_rows(period)
    rows = rows[rows["unit_id"].isin(units["unit_id"]) & rows["measure"].isin(measures)]
    scores: dict[int, dict[str, Any]] = {}
    for row in plain_records(rows):
        scores.setdefault(int(row["unit_id"]), {})[row["measure"]] = score_row(results, row, language)
    return [
        {"code": str(code), "name": str(name), "level": str(level), "manager": _plain(manager),
         "scores": scores.get(int(unit_id), {})}
        for code, name, level, manager, unit_id in zip(
            units["unit_code"], units["unit_name"], units["level"], units["manager"], units["unit_id"],
            strict=True)
    ]  # fmt: skip


def human_sigma_rows(results: Results, language: str, codes: set[str] | None = None) -> list[dict[str, Any]]:
    """The report's Human Sigma rows (newest period) with the manager and the CE trend word."""
    report = results.reports.get(language, {})
    rows = report.get("human_sigma", [])
    if not rows:
        return []
    moved = changes(results, HEADLINE, rows[0]["period"])
    words, steps = moved["word"].to_dict(), moved["change"].to_dict()
    ids = dict(zip(results.units["unit_code"], results.units["unit_id"].astype(int), strict=True))
    managers = dict(zip(results.units["unit_code"], results.units["manager"], strict=True))
    out = []
    for row in rows:
        code = row["unit_code"]
        if codes is not None and code not in codes:
            continue
        unit_id = ids[code]
        out.append(row | {"manager": _plain(managers[code]), "ce_trend": words.get(unit_id, "held"),
                          "ce_change": _plain(steps.get(unit_id))})  # fmt: skip
    return out


def company_medians(results: Results, language: str) -> tuple[float, float] | None:
    """Medians of pEE and pCE over all locations: where a region's matrix draws its quadrant lines."""
    rows = results.reports.get(language, {}).get("human_sigma", [])
    frame = pd.DataFrame(rows, columns=["p_ee", "p_ce"]).dropna()
    return None if frame.empty else (float(frame["p_ee"].median()), float(frame["p_ce"].median()))


def flagged(results: Results, units: pd.DataFrame, period: str | None, language: str) -> list[dict[str, Any]]:
    """Units significantly above or below the company on the key measures; ``new`` when they were
    not flagged so the period before. Below first, lowest shrunk value first."""
    if period is None:
        return []
    rows = results.period_rows(period)
    rows = rows[rows["unit_id"].isin(units["unit_id"]) & rows["measure"].isin(FLAGGED_MEASURES)
                & rows["flag"].isin(["above", "below"])]  # fmt: skip
    before = _previous(results, period)
    previous = results.period_rows(before) if before else rows.iloc[0:0]
    earlier = previous[previous["measure"].isin(FLAGGED_MEASURES)].set_index(["unit_id", "measure"])["flag"]
    before_flags = earlier.to_dict()
    codes = dict(zip(units["unit_id"].astype(int), units["unit_code"], strict=True))
    names = dict(zip(units["unit_id"].astype(int), units["unit_name"], strict=True))
    out = []
    for row in plain_records(rows):
        new = before_flags.get((row["unit_id"], row["measure"])) != row["flag"]
        out.append({"code": str(codes[row["unit_id"]]), "name": str(names[row["unit_id"]]), "new": new}
                   | score_row(results, row, language))  # fmt: skip
    return sorted(out, key=lambda r: (r["flag"] != "below", r["measure"], r["shrunk"] or 0.0))


def headline(results: Results, language: str, flags: list[dict[str, Any]], root_id: int,
             period: str, locations: int) -> str:  # fmt: skip
    """The one line at the top: how customer engagement moved and how many locations are below."""
    now = scores_of(results, root_id, period, language, [HEADLINE]).get(HEADLINE)
    if now is None or now["suppressed"] or now["mean"] is None:
        return ""
    moved = changes(results, HEADLINE, period)
    word = str(moved.at[root_id, "word"]) if root_id in moved.index else "held"
    below = [r for r in flags if r["measure"] == HEADLINE and r["flag"] == "below"]
    new = sum(r["new"] for r in below)
    _ = translator(language)
    value = Formats(language).number(now["mean"])
    moved_text = {
        "held": _("Customer engagement held at {value}.", value=value),
        "rose": _("Customer engagement rose to {value}.", value=value),
        "fell": _("Customer engagement fell to {value}.", value=value),
    }[word]
    if not below:
        spread = _("None of the {total} locations is significantly below the company.", total=locations)
    elif len(below) == 1:
        spread = _("1 of {total} locations is significantly below the company", total=locations)
        spread += (", " + _("new this period") if new else "") + "."
    else:
        spread = _("{below} of {total} locations are significantly below the company", below=len(below),
                   total=locations)  # fmt: skip
        spread += (", " + _("{new} of them new this period", new=new) if new else "") + "."
    return f"{moved_text} {spread}"


def current_period(results: Results, language: str) -> str | None:
    """The period the pages show: the report's (the newest with location results), else the newest."""
    return results.reports.get(language, {}).get("period") or results.period


def overview(results: Results, scope: Scope, language: str) -> dict[str, Any]:
    """The executive overview: headline, Human Sigma, quadrants, distribution, funnel, trend, flags."""
    report = results.reports.get(language, {})
    period = current_period(results, language)
    root = root_of(results)
    locations = visible_units(results, scope, level=LOCATION)
    flags = flagged(results, locations, period, language)
    return {
        "period": period,
        "organisation": unit_card(results, str(root["unit_code"])),
        "headline": headline(results, language, flags, int(root["unit_id"]), period, len(locations))
        if period else "",
        "summary": report.get("summary", []),
        "human_sigma": human_sigma_rows(results, language),
        "quadrant_counts": report.get("quadrants", {}).get("counts", {}),
        "variability": {
            key: {k: v for k, v in section.items() if k != "changes"}
            for key, section in report.get("variability", {}).items()
        },
        "trend": trend(results, int(root["unit_id"]), language),
        "flagged": flags,
        "regions": unit_table(results, visible_units(results, scope, level="region"), period, language),
        "snapshot": snapshot_card(results),
    }  # fmt: skip


def region(results: Results, scope: Scope, code: str, language: str) -> dict[str, Any]:
    """A region (or any unit with locations below it): its locations, Human Sigma and trend."""
    unit = find_unit(results, scope, code)
    period = current_period(results, language)
    locations = visible_units(results, scope, level=LOCATION, below=unit)
    root = root_of(results)
    return {
        "period": period,
        "unit": unit_card(results, code),
        "scores": scores_of(results, int(unit["unit_id"]), period, language, KEY_MEASURES),
        "company": scores_of(results, int(root["unit_id"]), period, language, KEY_MEASURES),
        "locations": unit_table(results, locations, period, language),
        "human_sigma": human_sigma_rows(results, language, set(locations["unit_code"])),
        "company_medians": company_medians(results, language),
        "trend": trend(results, int(unit["unit_id"]), language),
        "flagged": flagged(results, locations, period, language),
        "snapshot": snapshot_card(results),
    }


def _region_of(results: Results, unit: pd.Series) -> pd.Series | None:
    ids = {int(part) for part in str(unit["path"]).strip("/").split("/")}
    ancestors = results.units[results.units["unit_id"].isin(ids) & (results.units["level"] == "region")]
    return None if ancestors.empty else ancestors.iloc[0]


def unit_page(results: Results, scope: Scope, code: str, language: str) -> dict[str, Any]:
    """A location or team: scorecard beside company and region, focus areas, trend, touchpoints,
    review aspects and the units below it."""
    unit = find_unit(results, scope, code)
    unit_id = int(unit["unit_id"])
    report = results.reports.get(language, {})
    period = current_period(results, language)
    root = root_of(results)
    region_unit = _region_of(results, unit)
    company = scores_of(results, int(root["unit_id"]), period, language)
    regional = (
        scores_of(results, int(region_unit["unit_id"]), period, language) if region_unit is not None else {}
    )
    scorecard = []
    for measure, entry in scores_of(results, unit_id, period, language).items():
        if entry["kind"] == "count":
            continue
        for name, source in (("company", company), ("region", regional)):
            other = source.get(measure)
            entry[name] = None if other is None or other["suppressed"] else other["mean"]
        scorecard.append(entry)
    order = {key: index for index, key in enumerate(results.measures)}
    sources = {"employee": 0, "customer": 1, "touchpoint": 2}
    scorecard.sort(key=lambda e: (sources.get(e["source"], 9), order.get(e["measure"], 999)))
    children = results.units[results.units["parent_id"] == unit_id]
    focus = [r for r in report.get("drivers", {}).get("focus_areas", []) if r.get("unit_code") == code]
    aspects = results.review_aspects
    if not aspects.empty:
        aspects = aspects[aspects["unit_id"] == unit_id]
        aspects = aspects[aspects["period"].isin(sorted(aspects["period"].unique())[-4:])]
        aspects = aspects.sort_values(["period", "aspect"]).drop(columns="unit_id")
    return {
        "period": period,
        "unit": unit_card(results, code),
        "region": None
        if region_unit is None
        else {  # for comparison: its name, not its people
            "code": str(region_unit["unit_code"]),
            "name": str(region_unit["unit_name"]),
        },
        "scorecard": scorecard,
        "focus_areas": focus,
        "human_sigma": next(iter(human_sigma_rows(results, language, {code})), None),
        "trend": trend(results, unit_id, language),
        "touchpoints": trend(results, unit_id, language, TOUCHPOINT_MEASURES),
        "review_aspects": plain_records(aspects) if not aspects.empty else [],
        "units_below": unit_table(results, children, period, language),
        "snapshot": snapshot_card(results),
    }


def linkage(results: Results, language: str) -> dict[str, Any]:
    """The chain in the organisation's own numbers beside the published ones."""
    report = results.reports.get(language, {})
    quadrants = report.get("quadrants", {})
    chain = report.get("linkage", {})
    return {
        "period": report.get("period"),
        "correlations": chain.get("correlations", []),
        "models": chain.get("models", {}),
        "sentences": chain.get("sentences", []),
        "customer": chain.get("customer", {}),
        "quadrant_ratios": quadrants.get("ratios", {}),
        "published": quadrants.get("published", {}),
        "quadrant_outcomes": quadrants.get("outcomes", []),
        "drivers": {k: v for k, v in report.get("drivers", {}).items() if k != "focus_areas"},
        "labels": {key: results.label(key, language) for key in results.measures},
        "snapshot": snapshot_card(results),
    }


def page(results: Results, name: str, scope: Scope, language: str, code: str | None = None) -> dict[str, Any]:
    """The data of page ``name`` (overview, region, unit, linkage), memoised per snapshot, language,
    scope and unit: the page and its ``/api/v1`` route share it. Checks ``code`` against the
    scope first, so a memoised page never reaches a caller outside it."""
    if code is not None:
        find_unit(results, scope, code)
    builders = {
        "overview": lambda: overview(results, scope, language),
        "region": lambda: region(results, scope, str(code), language),
        "unit": lambda: unit_page(results, scope, str(code), language),
        "linkage": lambda: linkage(results, language),
    }
    return results.memo((name, language, scope.path, code), builders[name])  # type: ignore[no-any-return]


def snapshot_card(results: Results) -> dict[str, Any]:
    """When the results were computed and from which import."""
    info = results.snapshot
    return {"id": info.id, "built_at": info.built_at.isoformat(), "import_id": info.import_id,
            "seconds": round(info.seconds, 2)}  # fmt: skip
