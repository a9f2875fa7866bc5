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


def _report_like(data: dict[str, Any], **sections: Any) -> dict[str, Any]:
    return {"period": data.get("period"), **sections}


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


def _human_sigma(rows: list[dict[str, Any]], language: str, chart_id: str) -> tuple[dict[str, Any], dict]:
    """The report's matrix, with the manager and the CE trend in the hover text."""
    sections = ReportSections({"human_sigma": rows}, language)
    section = sections.human_sigma()
    _ = translator(language)
    words = {"held": _("held"), "rose": _("rose"), "fell": _("fell")}
    specs = {}
    for spec_id, spec in sections.charts.items():
        for trace in spec["data"]:
            names = trace.get("text", [])
            extra = [
                next((r for r in rows if (r.get("unit_name") or r.get("unit_code")) == _unescape(name)), {})
                for name in names
            ]
            trace["customdata"] = [
                [*old, _plot_text(r.get("manager") or "–"), words.get(r.get("ce_trend") or "held", ""),
                 r.get("unit_code", "")]
                for old, r in zip(trace.get("customdata", []), extra, strict=False)
            ]  # fmt: skip
            trace["hovertemplate"] = trace["hovertemplate"].replace(
                "<extra></extra>",
                "<br>"
                + _plot_text(_("Manager"))
                + " %{customdata[2]}<br>"
                + _plot_text(_("Customer engagement"))
                + " %{customdata[3]}<extra></extra>",
            )
        specs[chart_id if spec_id == "chart-human-sigma" else spec_id] = spec
    if section.get("chart"):
        section["chart"] = {**section["chart"], "id": chart_id}
    return section, specs


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def overview(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of the overview: matrix, funnel and distribution per measure, trends."""
    _ = translator(language)
    hs, specs = _human_sigma(data["human_sigma"], language, "chart-human-sigma")
    sections = ReportSections(_report_like(data, variability=data["variability"]), language)
    variability = sections.variability()
    specs |= sections.charts
    for key, measures in SCORE_TRENDS.items():
        chart = _trend_chart(data["trend"], measures, _("Score"), language)
        if chart:
            specs[f"chart-trend-{key}"] = chart
    return {"human_sigma": hs, "variability": variability, "specs": specs}


def region(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of a region page: its locations in the matrix, its trend."""
    _ = translator(language)
    hs, specs = _human_sigma(data["human_sigma"], language, "chart-human-sigma")
    for key, measures in SCORE_TRENDS.items():
        chart = _trend_chart(data["trend"], measures, _("Score"), language)
        if chart:
            specs[f"chart-trend-{key}"] = chart
    return {"human_sigma": hs, "specs": specs}


def unit(data: dict[str, Any], language: str) -> dict[str, Any]:
    """Charts of a unit page: trends, touchpoints, review aspects, focus areas."""
    _ = translator(language)
    specs: dict[str, Any] = {}
    for key, measures in SCORE_TRENDS.items():
        chart = _trend_chart(data["trend"], measures, _("Score"), language)
        if chart:
            specs[f"chart-trend-{key}"] = chart
    touch = _trend_chart(data["touchpoints"], ["touchpoint_satisfaction", "touchpoint_ease",
                                               "touchpoint_valued"], _("Score"), language)  # fmt: skip
    if touch:
        specs["chart-touchpoints"] = touch
    aspects = data["review_aspects"]
    if aspects:
        latest = sorted({a["period"] for a in aspects})[-1]
        rows = sorted((a for a in aspects if a["period"] == latest), key=lambda a: a["mean"] or 0)
        names = {a: _(a.replace("_", " ").capitalize()) for a in {r["aspect"] for r in rows}}
        specs["chart-aspects"] = {
            "data": [{
                "type": "bar", "orientation": "h", "y": [_plot_text(names[r["aspect"]]) for r in rows],
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
                              margin={"l": 140, "r": 20, "t": 20, "b": 50}),
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
