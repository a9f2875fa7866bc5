"""What people write, as the executive report shows it: the company's aspects, the employer
barometer beside survey engagement, and each unit's standout themes.

:func:`report_texts` reads the snapshot's ``text`` document
(:func:`servicechain.analysis.text_summary.text_document`) and returns the report's ``texts``
section: plain rows with labels in the report's language, nothing the document does not show
(employee results only where the comment threshold let them through).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

RECENT = "recent"
"""The document's window of the newest four quarters (customer texts and employer reviews)."""
THEMES_OVER = 3
THEMES_UNDER = 2
ASPECT_FIELDS = ("aspect", "mentions", "share", "share_low", "share_high", "share_flag", "n", "mean",
                 "ci_low", "ci_high", "mean_flag", "few")  # fmt: skip
EMPLOYER_FIELDS = ("n", "rating", "ci_low", "ci_high", "recommend_share", "recommend_low", "recommend_high",
                   "ceo_approval_share", "engagement")  # fmt: skip


def aspect_label(document: Mapping[str, Any], key: str, language: str) -> str:
    """The name of an aspect in ``language`` (its key when the taxonomy does not know it)."""
    entry = (document.get("aspects") or {}).get(key) or {}
    return str(entry.get(language) or key.replace("_", " "))


def link_word(correlation: Mapping[str, Any] | None) -> str | None:
    """How two measures go: ``together`` (the 95% interval of r above 0), ``opposite`` (below 0)
    or ``unclear`` (it holds 0); None without a correlation."""
    if not correlation or correlation.get("pearson") is None:
        return None
    low, high = correlation.get("low"), correlation.get("high")
    if low is not None and low > 0:
        return "together"
    if high is not None and high < 0:
        return "opposite"
    return "unclear"


def aspect_rows(document: Mapping[str, Any], unit_id: int, group: str, period: str, language: str
                ) -> list[dict[str, Any]]:  # fmt: skip
    """The aspect rows of one unit, group and period in the taxonomy's order, with their label."""
    order = {key: index for index, key in enumerate(document.get("aspects") or {})}
    rows = [
        r for r in document.get("aspect_rows") or []
        if r["unit_id"] == unit_id and r["group"] == group and r["period"] == period
    ]  # fmt: skip
    rows.sort(key=lambda r: (order.get(r["aspect"], len(order)), r["aspect"]))
    return [{"label": aspect_label(document, r["aspect"], language)} | {k: r.get(k) for k in ASPECT_FIELDS}
            for r in rows]  # fmt: skip


def summary_row(document: Mapping[str, Any], unit_id: int, group: str, period: str) -> dict[str, Any] | None:
    """The summary row of one unit, group and period (a hidden employee row carries only its reason)."""
    for row in document.get("summary") or []:
        if row["unit_id"] == unit_id and row["group"] == group and row["period"] == period:
            return dict(row)
    return None


def newest_employee_period(document: Mapping[str, Any], unit_id: int) -> str | None:
    """The newest quarter with an employee summary row (shown or hidden) of the unit."""
    periods = [r["period"] for r in document.get("summary") or []
               if r["unit_id"] == unit_id and r["group"] == "employee"]  # fmt: skip
    return max(periods) if periods else None


def employer_row(document: Mapping[str, Any], unit_id: int, period: str = RECENT) -> dict[str, Any] | None:
    """The employer-review barometer of one unit and period (None without reviews)."""
    employer = document.get("employer") or {}
    for row in employer.get("rows") or []:
        if row["unit_id"] == unit_id and row["period"] == period:
            return {k: row.get(k) for k in EMPLOYER_FIELDS}
    return None


def theme_terms(
    themes: list[dict[str, Any]],
    unit_id: int,
    group: str = "customer",
    period: str = RECENT,
    over: int = THEMES_OVER,
    under: int = THEMES_UNDER,
) -> dict[str, list[dict[str, Any]]]:
    """The unit's standout themes among ``themes`` (rows of the document), strongest first:
    ``over`` (said more often than in the rest of the company) and ``under`` (less often)."""
    found: dict[str, list[dict[str, Any]]] = {"over": [], "under": []}
    for row in themes:
        if row["unit_id"] == unit_id and row["group"] == group and row["period"] == period:
            found[row["direction"]].append({k: row[k] for k in ("term", "count", "rest_count", "delta", "z")})
    return {"over": found["over"][:over], "under": found["under"][:under]}


def themes_by_unit(document: Mapping[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """The document's theme rows per unit id."""
    out: dict[int, list[dict[str, Any]]] = {}
    for row in document.get("themes") or []:
        out.setdefault(int(row["unit_id"]), []).append(row)
    return out


def report_texts(document: Mapping[str, Any] | None, units: pd.DataFrame, language: str,
                 level: str = "location") -> dict[str, Any]:  # fmt: skip
    """The report's ``texts`` section (see the module docstring); ``units`` as
    :func:`servicechain.analysis.units.read_units` reads them."""
    document = document or {}
    section: dict[str, Any] = {
        "texts": int(document.get("texts") or 0), "recent": document.get("recent") or [], "customer": [],
        "employee": [], "employee_period": None, "employer": None, "correlation": None, "link": None,
        "themes": [],
    }  # fmt: skip
    roots = units.loc[units["parent_id"].isna()]
    if not section["texts"] or roots.empty:
        return section
    root = int(roots["unit_id"].iloc[0])
    section["customer"] = aspect_rows(document, root, "customer", RECENT, language)
    newest = newest_employee_period(document, root)
    summary = summary_row(document, root, "employee", newest) if newest else None
    if newest and summary is not None and not summary.get("suppressed_reason"):
        section["employee"] = aspect_rows(document, root, "employee", newest, language)
        section["employee_period"] = newest
    section["employer"] = employer_row(document, root)
    correlation = (document.get("employer") or {}).get("correlation")
    section["correlation"] = dict(correlation) if correlation else None
    section["link"] = link_word(correlation)
    chosen = units.loc[units["level"] == level].sort_values("unit_code")
    themes = themes_by_unit(document)
    for unit_id, code, name in zip(chosen["unit_id"], chosen["unit_code"], chosen["unit_name"], strict=True):
        terms = theme_terms(themes.get(int(unit_id), []), int(unit_id))
        if terms["over"] or terms["under"]:
            section["themes"].append({"unit_code": str(code), "unit_name": str(name)} | terms)
    return section
