"""Plotly chart specs of the pages (rendered in the browser by ``static/app.js``).

The Human Sigma matrix, funnel, distribution, linkage and driver charts are the report's
own (:class:`servicechain.report.html.ReportSections`), so the report and the pages show
the same pictures; trends, touchpoints and review aspects are drawn here.
"""

from __future__ import annotations

from typing import Any

from servicechain.report.html import QUADRANT_COLOURS, ReportSections, _axis, _layout, _plot_text
from servicechain.web.i18n import translator

TREND_COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#e08214", "#762a83", "#4d4d4d", "#35978f"]
SCORE_TRENDS = {"engagement": ["engagement_index", "ce_index"], "net": ["enps", "nps"]}


def _trend_chart(series: dict[str, list[dict[str, Any]]], measures: list[str], title: str, language: str
                 ) -> dict[str, Any] | None:  # fmt: skip
    """Lines of the means per period with their 95% interval as a band; suppressed periods are gaps."""
    traces: list[dict[str, Any]] = []
    for index, measure in enumerate(m for m in measures if m in series):
        rows = series[measure]
        colour = TREND_COLOURS[index % len(TREND_COLOURS)]
        periods = [r["period"] for r in rows]
        label = _plot_text(rows[0]["label"])
        traces.append({
            "type": "scatter", "mode": "lines", "x": periods + periods[::-1],
            "y": [r["ci_high"] for r in rows] + [r["ci_low"] for r in rows][::-1],
            "fill": "toself", "fillcolor": colour + "22", "line": {"width": 0}, "hoverinfo": "skip",
            "showlegend": False, "legendgroup": measure, "connectgaps": False,
        })  # fmt: skip
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": label, "x": periods,
            "y": [r["mean"] for r in rows], "legendgroup": measure,
            "customdata": [[r["n"] if r["n"] is not None else "–",
                            r["reason"] or ""] for r in rows],
            "hovertemplate": f"<b>{label}</b><br>%{{x}}: %{{y:.2f}}<br>"
                             "n %{customdata[0]} %{customdata[1]}<extra></extra>",
            "line": {"color": colour, "width": 2}, "marker": {"size": 7},
        })  # fmt: skip
    if not traces:
        return None
    layout = _layout(language, height=340, yaxis=_axis(title), xaxis={"type": "category"},
                     margin={"l": 60, "r": 20, "t": 20, "b": 60})  # fmt: skip
    return {"data": traces, "layout": layout}


ASPECTS = {
    "overall": {"nl": "Totaaloordeel", "en": "Overall rating"},
    "service": {"nl": "Bediening en vriendelijkheid", "en": "Service and friendliness"},
    "waiting_time": {"nl": "Wachttijd", "en": "Waiting time"},
    "cleanliness": {"nl": "Netheid", "en": "Cleanliness"},
    "product_quality": {"nl": "Productkwaliteit", "en": "Product quality"},
    "price_value": {"nl": "Prijs-kwaliteit", "en": "Price and value"},
    "food_drink": {"nl": "Eten en drinken", "en": "Food and drink"},
    "facilities": {"nl": "Voorzieningen", "en": "Facilities"},
}
"""Names of review aspects; an aspect not listed is shown by its key."""


def aspect_label(key: str, language: str) -> str:
    """The name of a review aspect in ``language``."""
    return ASPECTS.get(key, {}).get(language, key.replace("_", " "))


def _human_sigma(rows: list[dict[str, Any]], language: str, medians: tuple[float, float] | None = None
                 ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The report's matrix, with each unit's manager and customer-engagement trend in the hover text;
    ``customdata[2]`` is the unit code (a click opens the unit). The dashed lines sit at ``medians``
    (the company's) when given."""
    sections = ReportSections({"human_sigma": rows}, language)
    section = sections.human_sigma(medians)
    _ = translator(language)
    words = {"held": _("held"), "rose": _("rose"), "fell": _("fell")}
    by_code = {str(r.get("unit_code")): r for r in rows}
    for spec in sections.charts.values():
        for trace in spec["data"]:
            trace["customdata"] = [
                [*old, _plot_text(by_code.get(old[2], {}).get("manager") or "–"),
                 words.get(by_code.get(old[2], {}).get("ce_trend") or "held", "")]
                for old in trace.get("customdata", [])
            ]  # fmt: skip
            trace["hovertemplate"] = trace["hovertemplate"].replace(
                "<extra></extra>",
                "<br>" + _plot_text(_("Manager")) + " %{customdata[3]}<br>"
                + _plot_text(_("Customer engagement")) + " %{customdata[4]}<extra></extra>",
            )  # fmt: skip
    return section, sections.charts


def _trends(data: dict[str, Any], language: str) -> dict[str, Any]:
    _ = translator(language)
    specs = {}
    for key, measures in SCORE_TRENDS.items():
        chart = _trend_chart(data["trend"], measures, _("Score"), language)
        if chart:
            specs[f"chart-trend-{key}"] = chart
    return specs


def overview(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of the overview: matrix, funnel and distribution per measure, trends."""
    hs, specs = _human_sigma(data["human_sigma"], language)
    sections = ReportSections({"period": data.get("period"), "variability": data["variability"]}, language)
    variability = sections.variability()
    return {
        "human_sigma": hs,
        "variability": variability,
        "specs": specs | sections.charts | _trends(data, language),
    }


def region(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of a region page: its locations in the matrix, its trend."""
    hs, specs = _human_sigma(data["human_sigma"], language, data.get("company_medians"))
    return {"human_sigma": hs, "specs": specs | _trends(data, language)}


def unit(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of a unit page: trends, touchpoints, review aspects, focus areas."""
    _ = translator(language)
    specs = _trends(data, language)
    shown = ["touchpoint_satisfaction", "touchpoint_valued"]  # both 1..5 (ease is 1..7: in the scorecard)
    touch = _trend_chart(data["touchpoints"], shown, _("Score (1–5)"), language)
    if touch:
        specs["chart-touchpoints"] = touch
    aspects = data["review_aspects"]
    if aspects:
        latest = sorted({a["period"] for a in aspects})[-1]
        rows = sorted((a for a in aspects if a["period"] == latest), key=lambda a: a["mean"] or 0)
        specs["chart-aspects"] = {
            "data": [{
                "type": "bar", "orientation": "h",
                "y": [_plot_text(aspect_label(r["aspect"], language)) for r in rows],
                "x": [r["mean"] for r in rows],
                "error_x": {"type": "data", "symmetric": False,
                            "array": [(r["ci_high"] - r["mean"]) if r["ci_high"] is not None else 0
                                      for r in rows],
                            "arrayminus": [(r["mean"] - r["ci_low"]) if r["ci_low"] is not None else 0
                                           for r in rows]},
                "customdata": [r["n"] for r in rows], "marker": {"color": QUADRANT_COLOURS["employee_only"]},
                "hovertemplate": "%{y}: %{x:.2f} (n %{customdata})<extra></extra>",
            }],
            "layout": _layout(language, height=300, xaxis=_axis(_("Mean rating (1–5)"), range=[1, 5]),
                              yaxis={"automargin": True}, margin={"l": 20, "r": 20, "t": 20, "b": 50}),
        }  # fmt: skip
    return {"specs": specs}


def linkage(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts and formatted tables of the linkage page (the report's sections)."""
    report = {
        "period": data.get("period"),
        "linkage": {"correlations": data["correlations"], "sentences": data["sentences"],
                    "customer": data["customer"], "models": data["models"]},
        "quadrants": {"ratios": data["quadrant_ratios"], "published": data["published"],
                      "outcomes": data["quadrant_outcomes"], "levels": []},
        "drivers": data["drivers"],
    }  # fmt: skip
    sections = ReportSections(report, language)
    return {
        "linkage": sections.linkage(),
        "quadrants": sections.quadrants(),
        "drivers": sections.drivers(),
        "specs": sections.charts,
    }
