"""What people write (issue 8): the unit page's and the overview's section, and their ``/api/v1`` data.

Everything is read from the snapshot's ``text`` document
(:func:`servicechain.analysis.text_summary.text_document`), indexed per unit once per snapshot
(:meth:`servicechain.web.results.Results.derived`), so a page slices a few dozen rows whatever the
size of the organisation.

Per unit: customers (reviews, survey and touchpoint comments) over the ``recent`` window of the
newest four quarters; employees' survey comments of the newest quarter with rows for the unit,
and only where the document shows them (a group of at least the comment threshold: otherwise
only the reason, never a count, an aspect or a quote); employer reviews over the window, with
the barometer beside the unit's survey engagement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from servicechain.analysis import text_report
from servicechain.analysis.text_report import RECENT
from servicechain.report.html import text_bar
from servicechain.web.access import Scope
from servicechain.web.charts import TREND_COLOURS, _trend_chart
from servicechain.web.i18n import N_, translator
from servicechain.web.results import Results

GROUPS = ("customer", "employee", "employer")
SOURCES = {
    "review": N_("Online review"),
    "customer": N_("Customer survey"),
    "touchpoint": N_("Touchpoint survey"),
    "employee": N_("Employee survey"),
    "employer_pros": N_("Employer review, pros"),
    "employer_cons": N_("Employer review, cons"),
}
HIDDEN = {
    "too_few": N_("Fewer than {threshold} respondents: comments are not shown."),
    "subtraction": N_(
        "Comments are not shown: with the results of other groups they would reveal a group of fewer "
        "than {threshold} respondents."
    ),
    "no_responses": N_("No survey responses in this quarter."),
}
REGION_THEMES = 3
SUMMARY_FIELDS = ("texts", "positive", "negative", "n", "mean", "ci_low", "ci_high", "flag")
TREND_FIELDS = ("texts", "n", "mean", "ci_low", "ci_high")


def document_of(results: Results) -> dict[str, Any]:
    """The snapshot's ``text`` document (empty before the first refresh that computed it)."""
    return results.documents.get("text") or {}


def _index(document: dict[str, Any]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    parts = {"summary": document.get("summary") or [], "aspect_rows": document.get("aspect_rows") or [],
             "themes": document.get("themes") or [], "quotes": document.get("quotes") or [],
             "employer": (document.get("employer") or {}).get("rows") or []}  # fmt: skip
    index: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for key, rows in parts.items():
        for row in rows:
            index.setdefault(int(row["unit_id"]), {}).setdefault(key, []).append(row)
    return index


def unit_document(results: Results, unit_id: int) -> dict[str, Any]:
    """The document cut down to one unit's rows (the shape of the whole one, employer included)."""
    document = document_of(results)
    index: dict[int, dict[str, list[dict[str, Any]]]] = results.derived(
        ("text index",), lambda: _index(document)
    )
    mine = index.get(unit_id, {})
    correlation = (document.get("employer") or {}).get("correlation")
    return {
        "aspects": document.get("aspects") or {}, "periods": document.get("periods") or [],
        "recent": document.get("recent") or [], "texts": document.get("texts") or 0,
        "comment_threshold": document.get("comment_threshold") or 10,
        "summary": mine.get("summary", []), "aspect_rows": mine.get("aspect_rows", []),
        "themes": mine.get("themes", []), "quotes": mine.get("quotes", []),
        "employer": {"rows": mine.get("employer", []), "correlation": correlation},
    }  # fmt: skip


def comment_threshold(results: Results, period: str | None) -> int:
    """The respondents a group needs before its comments are shown in ``period``: the document's
    comment threshold, never below the period's anonymity threshold."""
    anonymity = results.documents.get("anonymity") or {"default": 5, "periods": {}}
    threshold = (anonymity.get("periods") or {}).get(period, anonymity.get("default", 5))
    return max(int(document_of(results).get("comment_threshold") or 10), int(threshold))


def hidden_text(results: Results, reason: str, period: str | None, language: str) -> str:
    """Why a unit's employee comments are not shown, in words."""
    _ = translator(language)
    message = HIDDEN.get(reason, HIDDEN["too_few"])
    return _(message, threshold=comment_threshold(results, period))


def _summary(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {key: row.get(key) for key in SUMMARY_FIELDS}


def _quotes(document: dict[str, Any], unit_id: int, group: str, period: str, language: str
            ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    _ = translator(language)
    sources = {key: _(message) for key, message in SOURCES.items()}
    out: dict[str, list[dict[str, Any]]] = {"positive": [], "negative": []}
    for row in document["quotes"]:
        if row["unit_id"] == unit_id and row["group"] == group and row["period"] == period:
            out[row["tone"]].append({
                "text": row["text"], "source": row["source"],
                "source_label": sources.get(row["source"], row["source"]),
                "date": row["date"], "language": row["language"], "score": row["score"],
                "aspects": [text_report.aspect_label(document, key, language) for key in row["aspects"]],
            })  # fmt: skip
    return out


def _block(document: dict[str, Any], unit_id: int, group: str, period: str, language: str
           ) -> dict[str, Any]:  # fmt: skip
    """One group's texts of a unit in ``period``: summary, aspects, themes, quotes."""
    return {
        "period": period,
        "summary": _summary(text_report.summary_row(document, unit_id, group, period)),
        "aspects": text_report.aspect_rows(document, unit_id, group, period, language),
        "themes": text_report.theme_terms(document["themes"], unit_id, group, period, over=8, under=8),
        "quotes": _quotes(document, unit_id, group, period, language),
    }


def _employee(results: Results, document: dict[str, Any], unit_id: int, window: str, language: str,
              *, details: bool = True) -> dict[str, Any]:  # fmt: skip
    """Employee comments of the unit: the requested quarter, or the newest with rows for the unit
    (``recent``). ``hidden``: the reason they are not shown (then nothing else is given)."""
    period = text_report.newest_employee_period(document, unit_id) if window == RECENT else window
    row = text_report.summary_row(document, unit_id, "employee", period) if period else None
    out: dict[str, Any] = {
        "period": period,
        "hidden": None,
        "hidden_text": None,
        "summary": None,
        "aspects": [],
    }
    if row is not None and row.get("suppressed_reason"):
        reason = str(row["suppressed_reason"])
        out |= {"hidden": reason, "hidden_text": hidden_text(results, reason, period, language)}
    elif row is not None and period is not None:
        out |= _block(document, unit_id, "employee", period, language)
    if details:
        out = {"themes": {"over": [], "under": []}, "quotes": {"positive": [], "negative": []}} | out
    else:
        out = {k: out[k] for k in ("period", "hidden", "hidden_text", "summary", "aspects")}
    return out


def _trend(results: Results, document: dict[str, Any], unit_id: int, language: str
           ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Per quarter, the mean sentiment of customers' texts and of employees' comments (hidden
    quarters carry their reason, no number)."""
    out: dict[str, list[dict[str, Any]]] = {"customer": [], "employee": []}
    rows = {(r["group"], r["period"]): r for r in document["summary"]}
    for period in document["periods"]:
        for group in out:
            row = rows.get((group, period))
            if row is None:
                continue
            entry: dict[str, Any] = {"period": period, "hidden": None} | dict.fromkeys(TREND_FIELDS)
            if row.get("suppressed_reason"):
                entry["hidden"] = hidden_text(results, str(row["suppressed_reason"]), period, language)
            else:
                entry |= {k: row.get(k) for k in TREND_FIELDS}
            out[group].append(entry)
    return out


def unit_texts(results: Results, unit: pd.Series, language: str, period: str | None = None,
               *, details: bool = True) -> dict[str, Any]:  # fmt: skip
    """What people write about one unit (its whole subtree): customers, employees and employer
    reviews in ``period`` (``recent``, the default: the newest four quarters, and for employees
    the newest quarter with rows for the unit; or a quarter such as ``2026-Q3``), the sentiment
    trend per quarter and, with ``details``, themes and quotes (they exist for the window
    ``recent`` and the newest employee quarter only)."""
    unit_id = int(unit["unit_id"])
    window = period or RECENT
    document = unit_document(results, unit_id)
    customer = _block(document, unit_id, "customer", window, language)
    employer = _block(document, unit_id, "employer", window, language)
    employer["barometer"] = text_report.employer_row(document, unit_id, window)
    employee = _employee(results, document, unit_id, window, language, details=details)
    if not details:
        customer = {k: customer[k] for k in ("period", "summary", "aspects")}
        employer = {k: employer[k] for k in ("period", "summary", "aspects", "barometer")}
    out: dict[str, Any] = {
        "unit": {"code": str(unit["unit_code"]), "name": str(unit["unit_name"]), "level": str(unit["level"])},
        "period": window, "recent": document["recent"], "texts": document["texts"],
        "comment_threshold": comment_threshold(results, employee["period"]),
        "customer": customer, "employee": employee, "employer": employer,
    }  # fmt: skip
    if details:
        out["trend"] = _trend(results, document, unit_id, language)
    return out


def unit_section(results: Results, scope: Scope, code: str, language: str, period: str | None = None
                 ) -> dict[str, Any]:  # fmt: skip
    """The unit's texts (memoised per snapshot): the unit page's section and its API route. The
    caller's scope is checked first."""
    from servicechain.web.views import find_unit

    unit = find_unit(results, scope, code)
    return results.memo(  # type: ignore[no-any-return]
        ("texts", language, code, period or RECENT), lambda: unit_texts(results, unit, language, period)
    )


def company_section(results: Results, language: str) -> dict[str, Any]:
    """The overview's section: the company's texts, the employer barometer with its link to survey
    engagement, and each region's top standout themes (memoised per snapshot)."""
    return results.memo(("texts overview", language), lambda: _company(results, language))  # type: ignore[no-any-return]


def _company(results: Results, language: str) -> dict[str, Any]:
    from servicechain.web.views import root_of

    root = root_of(results)
    data = unit_texts(results, root, language)
    document = document_of(results)
    correlation = (document.get("employer") or {}).get("correlation")
    themes = []
    regions = results.units[results.units["level"] == "region"].sort_index()
    for unit_id, code, name in regions[["unit_id", "unit_code", "unit_name"]].itertuples(index=False):
        mine = unit_document(results, int(unit_id))
        terms = text_report.theme_terms(mine["themes"], int(unit_id), over=REGION_THEMES, under=0)
        if terms["over"]:
            themes.append({"code": str(code), "name": str(name), "terms": terms["over"]})
    return data | {"correlation": correlation, "link": text_report.link_word(correlation),
                   "region_themes": themes}  # fmt: skip


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row | {"bar": text_bar(row)} for row in rows]


def page_context(data: dict[str, Any]) -> dict[str, Any]:
    """The section as a page draws it: every aspect row with its bars (:func:`text_bar`)."""
    out = dict(data)
    for group in GROUPS:
        out[group] = dict(data[group]) | {"aspects": _bars(data[group]["aspects"])}
    return out


def trend_chart(data: dict[str, Any], language: str) -> dict[str, Any] | None:
    """The sentiment per quarter of customers and employees (a plotly spec, hidden quarters as gaps)."""
    _ = translator(language)
    labels = {"customer": _("Customers"), "employee": _("Employees")}
    series: dict[str, list[dict[str, Any]]] = {}
    for group, rows in data.get("trend", {}).items():
        if any(r["mean"] is not None for r in rows):
            series[group] = [r | {"label": labels[group], "reason": r.get("hidden") or ""} for r in rows]
    chart = _trend_chart(series, list(series), _("Sentiment (−1 to 1)"), language)
    if chart is not None:
        for trace in chart["data"]:  # red and green mean negative and positive in the bars: not here
            colour = TREND_COLOURS[0] if trace.get("legendgroup") == "customer" else "#e08214"
            if "fillcolor" in trace:
                trace["fillcolor"] = colour + "22"
            else:
                trace["line"]["color"] = colour
        chart["layout"]["yaxis"]["range"] = [-1, 1]
        chart["layout"]["height"] = 280
    return chart


def charts(data: dict[str, Any], language: str) -> dict[str, Any]:
    """The section's plotly specs by element id."""
    chart = trend_chart(data, language)
    return {"chart-text-trend": chart} if chart else {}


def link_sentence(correlation: dict[str, Any] | None, language: str,
                  number: Callable[[Any, int], str]) -> str:  # fmt: skip
    """The correlation of employer-review ratings with survey engagement in plain words."""
    word = text_report.link_word(correlation)
    if word is None or correlation is None:
        return ""
    _ = translator(language)
    templates = {
        "together": N_(
            "Across {units} locations, employer-review ratings and survey engagement go together: "
            "r = {r} (95% interval {low} to {high})."
        ),
        "opposite": N_(
            "Across {units} locations, employer-review ratings and survey engagement go in opposite "
            "directions: r = {r} (95% interval {low} to {high})."
        ),
        "unclear": N_(
            "Across {units} locations, employer-review ratings and survey engagement show no clear "
            "link: r = {r} (95% interval {low} to {high})."
        ),
    }
    get = correlation.get
    return _(templates[word], units=number(get("units"), 0), r=number(get("pearson"), 2),
             low=number(get("low"), 2), high=number(get("high"), 2))  # fmt: skip


def list_item(results: Results, unit: pd.Series, language: str, period: str | None = None) -> dict[str, Any]:
    """One unit of ``/api/v1/texts``: its summaries and aspects, no themes or quotes (not memoised:
    a walk over thousands of units would push the pages out of the memo; it costs well under a
    millisecond a unit on the per-unit index)."""
    return unit_texts(results, unit, language, period, details=False)
