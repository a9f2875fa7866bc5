"""Render the report dictionary as one self-contained HTML file (Dutch or English).

Everything the page needs is in the file: the CSS, the data of every chart (as JSON in a
``<script type="application/json">``) and plotly.js itself, read from the installed ``plotly``
Python package (``plotly/package_data/plotly.min.js``). No CDN, no network, no front-end build.

All text goes through Jinja2 autoescaping; text that plotly draws (unit names in hover labels,
driver labels) is HTML-escaped as well, because plotly interprets a subset of HTML in its text.
Numbers are formatted per language (decimal comma and thousands dot in Dutch). Sections whose
data are missing or empty say so instead of failing.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from servicechain.formats import finite, format_number

LANGUAGES = ("nl", "en")
QUADRANTS = ("both_high", "employee_only", "customer_only", "both_low")
OUTCOMES = ("revenue_growth", "gross_margin", "customer_retention", "employee_turnover")
QUADRANT_COLOURS = {
    "both_high": "#1b7837",
    "employee_only": "#2166ac",
    "customer_only": "#e08214",
    "both_low": "#b2182b",
}
FLAG_COLOURS = {"above": "#1b7837", "below": "#b2182b", "within": "#8c8c8c"}

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Servicerapport",
        "period": "Periode",
        "level": "Niveau",
        "contents": "Inhoud",
        "summary": "Samenvatting",
        "no_data": "Geen gegevens beschikbaar.",
        "hs": "Human Sigma-matrix",
        "hs_intro": "Elke stip is een eenheid: percentiel van medewerkersbetrokkenheid (pEE, horizontaal) "
        "tegen percentiel van klantbetrokkenheid (pCE, verticaal). De lijnen zijn de medianen.",
        "p_ee": "Percentiel medewerkersbetrokkenheid (pEE)",
        "p_ce": "Percentiel klantbetrokkenheid (pCE)",
        "median": "mediaan",
        "hs_level": "HS-niveau",
        "quadrant": "Kwadrant",
        "units": "Eenheden",
        "unit": "Eenheid",
        "count": "Aantal",
        "both_high": "Beide hoog",
        "employee_only": "Alleen medewerkers hoog",
        "customer_only": "Alleen klanten hoog",
        "both_low": "Beide laag",
        "outcomes": "Resultaten per kwadrant",
        "outcomes_caption": "Gemiddelde per kwadrant met 95%-interval en aantal eenheden (n)",
        "levels_caption": "Gemiddelde per Human Sigma-niveau met 95%-interval en aantal eenheden (n)",
        "outcome": "Resultaat",
        "revenue_growth": "Omzetgroei",
        "gross_margin": "Brutomarge",
        "customer_retention": "Klantbehoud",
        "share_of_wallet": "Share of wallet",
        "employee_turnover": "Personeelsverloop",
        "revenue": "Omzet",
        "retained": "Behouden",
        "fully_engaged": "Volledig betrokken",
        "engaged": "Betrokken",
        "not_engaged": "Niet betrokken",
        "actively_disengaged": "Actief onbetrokken",
        "ratios": "Verhoudingen in omzetgroei",
        "ratios_caption": "Omzetgroei tegenover eenheden met beide laag, naast de gepubliceerde waarden",
        "comparison": "Vergelijking",
        "this_org": "Deze organisatie",
        "published": "Gepubliceerd",
        "both_high_vs_both_low": "Beide hoog t.o.v. beide laag",
        "one_high_vs_both_low": "Eén hoog t.o.v. beide laag",
        "variability": "Variatie tussen eenheden",
        "funnel": "Trechterdiagram",
        "distribution": "Verdeling van de gemiddelden",
        "mean": "Gemiddelde",
        "sd": "Standaardafwijking",
        "between_variance": "Variantie tussen eenheden",
        "within_variance": "Variantie binnen eenheden",
        "above": "Boven",
        "below": "Onder",
        "within": "Binnen",
        "alarms": "Alarmen",
        "target": "Doel",
        "alert_limits": "Waarschuwingsgrenzen (95%)",
        "alarm_limits": "Alarmgrenzen (99,8%)",
        "normal_fit": "Normale verdeling",
        "changes": "Veranderingen sinds vorige periode",
        "improved": "Verbeterd",
        "declined": "Verslechterd",
        "unchanged": "Onveranderd",
        "respondents": "Aantal respondenten (n)",
        "frequency": "Aantal eenheden",
        "linkage": "Verbanden",
        "correlations_caption": "Correlaties met 95%-interval",
        "x": "Van",
        "y": "Naar",
        "lag": "Vertraging (kwartalen)",
        "r": "r",
        "interval": "95%-interval",
        "n": "n",
        "customer": "Klantwaarde",
        "premiums_caption": "Klantsegmenten: gemiddelde en premie tegenover de gepubliceerde premie",
        "segment": "Segment",
        "value": "Waarde",
        "premium": "Premie",
        "published_premium": "Gepubliceerde premie",
        "satisfaction_ratio": "Verhouding tevredenheid",
        "drivers": "Drijfveren",
        "drivers_for": "Drijfveren van",
        "driver": "Drijfveer",
        "weight": "Gewicht",
        "share": "Aandeel",
        "focus_areas": "Aandachtspunten per eenheid",
        "focus_caption": "De belangrijkste drijfveren om per eenheid aan te werken",
        "focus": "Aandachtspunt",
        "gap": "achterstand",
        "priority": "prioriteit",
        "generated": "Gemaakt met servicechain",
        "level_location": "locatie",
        "level_region": "regio",
        "level_district": "district",
        "level_organisation": "organisatie",
        "engagement_index": "Medewerkersbetrokkenheid",
        "ce_index": "Klantbetrokkenheid",
        "texts": "Wat er geschreven wordt",
        "texts_intro": "Teksten van klanten uit de laatste vier kwartalen ({first} tot en met {last}): "
        "online reviews en opmerkingen uit klant- en contactmomentonderzoek. Per aspect het aandeel "
        "teksten dat het noemt, en het gemiddelde sentiment van die vermeldingen (−1 zeer negatief, "
        "+1 zeer positief) met het 95%-interval.",
        "customer_texts": "Klanten",
        "employee_texts": "Medewerkers, opmerkingen uit het onderzoek van {period}",
        "aspect": "Aspect",
        "mentioned": "Genoemd in",
        "sentiment": "Sentiment",
        "few_mentions": "slechts {n} vermeldingen",
        "more_often": "vaker genoemd dan in het hele bedrijf",
        "less_often": "minder vaak genoemd dan in het hele bedrijf",
        "employer": "Werkgeversreviews naast de betrokkenheid",
        "reviews": "Reviews",
        "rating": "Gemiddeld cijfer (1–5)",
        "recommend": "Zou de werkgever aanraden",
        "ceo_approval": "Steunt de directie",
        "survey_engagement": "Betrokkenheid in het medewerkersonderzoek",
        "link_together": "Over {units} locaties gaan het cijfer in werkgeversreviews en de betrokkenheid in "
        "het medewerkersonderzoek samen op: r = {r} (95%-interval {low} tot {high}).",
        "link_opposite": "Over {units} locaties bewegen het cijfer in werkgeversreviews en de betrokkenheid "
        "in het medewerkersonderzoek tegengesteld: r = {r} (95%-interval {low} tot {high}).",
        "link_unclear": "Over {units} locaties hangen het cijfer in werkgeversreviews en de betrokkenheid in "
        "het medewerkersonderzoek niet duidelijk samen: r = {r} (95%-interval {low} tot {high}).",
        "link_note": "Locaties met minstens {reviews} reviews in de laatste vier kwartalen; Spearmans "
        "rangcorrelatie {rho}.",
        "no_link": "Te weinig locaties met zowel werkgeversreviews als onderzoeksresultaten voor een "
        "verband.",
        "themes": "Opvallende thema's per eenheid",
        "themes_caption": "Woorden en woordparen die klanten van een eenheid vaker of minder vaak gebruiken "
        "dan in de rest van het bedrijf (laatste vier kwartalen)",
        "themes_over": "Vaker",
        "themes_under": "Minder vaak",
    },
    "en": {
        "title": "Service report",
        "period": "Period",
        "level": "Level",
        "contents": "Contents",
        "summary": "Summary",
        "no_data": "No data available.",
        "hs": "Human Sigma matrix",
        "hs_intro": "Each dot is a unit: percentile of employee engagement (pEE, horizontal) against "
        "percentile of customer engagement (pCE, vertical). The lines are the medians.",
        "p_ee": "Employee engagement percentile (pEE)",
        "p_ce": "Customer engagement percentile (pCE)",
        "median": "median",
        "hs_level": "HS level",
        "quadrant": "Quadrant",
        "units": "Units",
        "unit": "Unit",
        "count": "Count",
        "both_high": "Both high",
        "employee_only": "Employees only high",
        "customer_only": "Customers only high",
        "both_low": "Both low",
        "outcomes": "Outcomes by quadrant",
        "outcomes_caption": "Mean per quadrant with 95% interval and number of units (n)",
        "levels_caption": "Mean per Human Sigma level with 95% interval and number of units (n)",
        "outcome": "Outcome",
        "revenue_growth": "Revenue growth",
        "gross_margin": "Gross margin",
        "customer_retention": "Customer retention",
        "share_of_wallet": "Share of wallet",
        "employee_turnover": "Employee turnover",
        "revenue": "Revenue",
        "retained": "Retained",
        "fully_engaged": "Fully engaged",
        "engaged": "Engaged",
        "not_engaged": "Not engaged",
        "actively_disengaged": "Actively disengaged",
        "ratios": "Ratios in revenue growth",
        "ratios_caption": "Revenue growth against units with both low, beside the published values",
        "comparison": "Comparison",
        "this_org": "This organisation",
        "published": "Published",
        "both_high_vs_both_low": "Both high vs both low",
        "one_high_vs_both_low": "One high vs both low",
        "variability": "Variability between units",
        "funnel": "Funnel plot",
        "distribution": "Distribution of the means",
        "mean": "Mean",
        "sd": "Standard deviation",
        "between_variance": "Variance between units",
        "within_variance": "Variance within units",
        "above": "Above",
        "below": "Below",
        "within": "Within",
        "alarms": "Alarms",
        "target": "Target",
        "alert_limits": "Alert limits (95%)",
        "alarm_limits": "Alarm limits (99.8%)",
        "normal_fit": "Normal fit",
        "changes": "Changes since the previous period",
        "improved": "Improved",
        "declined": "Declined",
        "unchanged": "Unchanged",
        "respondents": "Number of respondents (n)",
        "frequency": "Number of units",
        "linkage": "Linkage",
        "correlations_caption": "Correlations with 95% interval",
        "x": "From",
        "y": "To",
        "lag": "Lag (quarters)",
        "r": "r",
        "interval": "95% interval",
        "n": "n",
        "customer": "Customer value",
        "premiums_caption": "Customer segments: mean and premium beside the published premium",
        "segment": "Segment",
        "value": "Value",
        "premium": "Premium",
        "published_premium": "Published premium",
        "satisfaction_ratio": "Satisfaction ratio",
        "drivers": "Key drivers",
        "drivers_for": "Drivers of",
        "driver": "Driver",
        "weight": "Weight",
        "share": "Share",
        "focus_areas": "Focus areas per unit",
        "focus_caption": "The most important drivers to work on, per unit",
        "focus": "Focus",
        "gap": "gap",
        "priority": "priority",
        "generated": "Made with servicechain",
        "level_location": "location",
        "level_region": "region",
        "level_district": "district",
        "level_organisation": "organisation",
        "engagement_index": "Employee engagement",
        "ce_index": "Customer engagement",
        "texts": "What people write",
        "texts_intro": "Customer texts of the newest four quarters ({first} to {last}): online reviews and "
        "comments from customer and touchpoint surveys. Per aspect the share of texts that mention it, and "
        "the mean sentiment of those mentions (−1 very negative, +1 very positive) with its 95% interval.",
        "customer_texts": "Customers",
        "employee_texts": "Employees, comments from the survey of {period}",
        "aspect": "Aspect",
        "mentioned": "Mentioned in",
        "sentiment": "Sentiment",
        "few_mentions": "only {n} mentions",
        "more_often": "mentioned more often than in the whole company",
        "less_often": "mentioned less often than in the whole company",
        "employer": "Employer reviews beside engagement",
        "reviews": "Reviews",
        "rating": "Mean rating (1–5)",
        "recommend": "Would recommend the employer",
        "ceo_approval": "Approves of the leadership",
        "survey_engagement": "Engagement in the employee survey",
        "link_together": "Across {units} locations, employer-review ratings and survey engagement go "
        "together: r = {r} (95% interval {low} to {high}).",
        "link_opposite": "Across {units} locations, employer-review ratings and survey engagement go in "
        "opposite directions: r = {r} (95% interval {low} to {high}).",
        "link_unclear": "Across {units} locations, employer-review ratings and survey engagement show no "
        "clear link: r = {r} (95% interval {low} to {high}).",
        "link_note": "Locations with at least {reviews} reviews in the newest four quarters; Spearman's rank "
        "correlation {rho}.",
        "no_link": "Too few locations with both employer reviews and survey results for a link.",
        "themes": "Standout themes per unit",
        "themes_caption": "Words and word pairs the customers of a unit use more or less often than the rest "
        "of the company (newest four quarters)",
        "themes_over": "More often",
        "themes_under": "Less often",
    },
}


# --------------------------------------------------------------------------- numbers


_number = finite


def fmt_number(value: Any, language: str, decimals: int = 1, signed: bool = False) -> str:
    """``1234.5`` -> ``1,234.5`` (en) or ``1.234,5`` (nl); missing -> an en dash
    (:func:`servicechain.formats.format_number`, the same as the web pages)."""
    return format_number(value, language, decimals, signed)


def fmt_int(value: Any, language: str) -> str:
    return fmt_number(value, language, 0)


def fmt_pct(value: Any, language: str, decimals: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.234`` -> ``23.4%`` / ``23,4%``."""
    number = _number(value)
    return "–" if number is None else fmt_number(number * 100, language, decimals, signed) + "%"


def fmt_ratio(value: Any, language: str) -> str:
    number = _number(value)
    return "–" if number is None else fmt_number(number, language, 1) + "×"


def fmt_interval(low: Any, high: Any, language: str, pct: bool = False, decimals: int = 1) -> str:
    if _number(low) is None or _number(high) is None:
        return "–"
    fmt = fmt_pct if pct else fmt_number
    separator = "; " if language == "nl" else ", "
    return f"[{fmt(low, language, decimals)}{separator}{fmt(high, language, decimals)}]"


# --------------------------------------------------------------------------- helpers


@cache
def plotly_js() -> str:
    """plotly.min.js as shipped inside the installed ``plotly`` Python package."""
    path = resources.files("plotly") / "package_data" / "plotly.min.js"
    text = path.read_text(encoding="utf-8")
    # Defensive: the script is inlined, so it must not close its own <script> element.
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _records(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [row for row in value if isinstance(row, Mapping)]  # type: ignore[misc]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


def _plot_text(value: Any) -> str:
    """Text for plotly, which renders a subset of HTML: escape it so that it shows literally."""
    return html.escape("" if value is None else str(value), quote=False)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null (JSON.parse refuses NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def script_json(value: Any) -> Markup:
    """JSON that can sit inside a <script> element: <, > and & as unicode escapes."""
    text = json.dumps(_clean(value), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def _flag(value: Any) -> str:
    """Funnel flag as above / below / within (accepts words or +1 / -1 / 0)."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("above", "high", "boven", "+1", "1"):
            return "above"
        if word in ("below", "low", "onder", "-1"):
            return "below"
        return "within"
    number = _number(value)
    if number is None or number == 0:
        return "within"
    return "above" if number > 0 else "below"


SEGMENTS = ("fully_engaged", "engaged", "not_engaged", "actively_disengaged")


def _segment_order(row: Mapping[str, Any]) -> tuple[int, str]:
    """Premium rows by outcome, then from fully engaged to actively disengaged."""
    segment = str(row.get("segment"))
    return (SEGMENTS.index(segment) if segment in SEGMENTS else len(SEGMENTS), str(row.get("value")))


def _median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _layout(language: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "separators": ",." if language == "nl" else ".,",
        "margin": {"l": 60, "r": 20, "t": 30, "b": 60},
        "height": 420,
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.28},
        "hoverlabel": {"namelength": -1},
    }
    layout.update(extra)
    return layout


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": _plot_text(title)}, "gridcolor": "#e5e5e5", "zeroline": False, **extra}


def text_bar(row: Mapping[str, Any]) -> dict[str, Any]:
    """Where an aspect row's bars go, in percent of their track: ``share`` (of the texts, 0..100),
    the sentiment bar from 0 to the mean (``left``, ``width``) and its interval (``low``,
    ``span``) on a track from −1 (0 %) to +1 (100 %), and its ``tone``: positive, negative, or
    ``few`` (too few mentions to judge: drawn grey)."""

    def at(value: float) -> float:
        return round((max(-1.0, min(1.0, value)) + 1.0) * 50.0, 2)

    share = _number(row.get("share"))
    out: dict[str, Any] = {"share": round(min(max(share or 0.0, 0.0), 1.0) * 100.0, 2), "tone": "none",
                           "left": 50.0, "width": 0.0, "low": None, "span": None}  # fmt: skip
    mean = _number(row.get("mean"))
    if mean is not None:
        start, stop = sorted((at(0.0), at(mean)))
        out |= {"left": start, "width": round(stop - start, 2),
                "tone": "positive" if mean > 0 else "negative" if mean < 0 else "none"}  # fmt: skip
    low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
    if low is not None and high is not None:
        out |= {"low": at(low), "span": round(at(high) - at(low), 2)}
    if row.get("few"):
        out["tone"] = "few"
    return out


# --------------------------------------------------------------------------- sections


class ReportSections:
    """The report's sections ready for a template: formatted rows and plotly chart specs (``charts``)."""

    def __init__(self, report: Mapping[str, Any], language: str) -> None:
        self.report = report
        self.lang = language
        self.t = TEXTS[language]
        self.charts: dict[str, dict[str, Any]] = {}

    def label(self, key: Any) -> str:
        """UI label for a known code (outcome, quadrant, measure), else the code itself."""
        text = str(key) if key is not None else "–"
        variability = _mapping(self.report.get("variability"))
        measure = _mapping(variability.get(text))
        if measure.get("label"):
            return str(measure["label"])
        return self.t.get(text, text)

    def chart(self, chart_id: str, kind: str, data: list[dict[str, Any]], layout: dict[str, Any]) -> dict:
        self.charts[chart_id] = {"data": data, "layout": layout}
        return {"id": chart_id, "kind": kind}

    # -- Human Sigma
    def human_sigma(self, medians: tuple[float, float] | None = None) -> dict[str, Any]:
        """The matrix; the dashed lines at ``medians`` (pEE, pCE) when given (a region's page draws
        the company's), else at the medians of the units shown."""
        rows = _records(self.report.get("human_sigma"))
        counts = {q: sum(1 for r in rows if r.get("quadrant") == q) for q in QUADRANTS}
        plotted = [
            r for r in rows if _number(r.get("p_ee")) is not None and _number(r.get("p_ce")) is not None
        ]
        section: dict[str, Any] = {
            "counts": [
                {"label": self.t[q], "count": fmt_int(counts[q], self.lang), "key": q} for q in QUADRANTS
            ],
            "total": fmt_int(len(rows), self.lang),
            "chart": None,
            "has_data": bool(rows),
        }
        if not plotted:
            return section
        data = []
        groups = [*QUADRANTS, None]
        for q in groups:
            members = [
                r for r in plotted if (r.get("quadrant") if r.get("quadrant") in QUADRANTS else None) == q
            ]
            if not members:
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": _plot_text(self.t[q] if q else "–"),
                    "x": [_number(r.get("p_ee")) for r in members],
                    "y": [_number(r.get("p_ce")) for r in members],
                    "text": [_plot_text(r.get("unit_name") or r.get("unit_code")) for r in members],
                    "customdata": [
                        [
                            fmt_int(r.get("hs_level"), self.lang),
                            fmt_number(r.get("hs"), self.lang),
                            str(r.get("unit_code") or ""),
                        ]
                        for r in members
                    ],
                    "hovertemplate": "<b>%{text}</b><br>pEE %{x:.0f} · pCE %{y:.0f}<br>"
                    + f"HS %{{customdata[1]}} · {_plot_text(self.t['hs_level'])} %{{customdata[0]}}"
                    + "<extra></extra>",
                    "marker": {
                        "size": 11,
                        "color": QUADRANT_COLOURS.get(q or "", "#8c8c8c"),
                        "line": {"width": 1, "color": "white"},
                    },
                }
            )
        shapes = []
        x_median = _median(v for r in plotted if (v := _number(r.get("p_ee"))) is not None)
        y_median = _median(v for r in plotted if (v := _number(r.get("p_ce"))) is not None)
        if medians is not None:
            x_median, y_median = medians
        line = {"color": "#555", "width": 1, "dash": "dash"}
        if x_median is not None:
            shapes.append({"type": "line", "x0": x_median, "x1": x_median, "y0": 0, "y1": 100, "line": line})
        if y_median is not None:
            shapes.append({"type": "line", "x0": 0, "x1": 100, "y0": y_median, "y1": y_median, "line": line})
        layout = _layout(
            self.lang,
            xaxis=_axis(self.t["p_ee"], range=[-2, 102]),
            yaxis=_axis(self.t["p_ce"], range=[-2, 102]),
            shapes=shapes,
            height=500,
        )
        section["chart"] = self.chart("chart-human-sigma", "human-sigma", data, layout)
        return section

    # -- outcomes by quadrant and level
    def _outcome_table(
        self, rows: list[dict[str, Any]], group: str, keys: list[Any]
    ) -> dict[str, Any] | None:
        if not rows or not keys:
            return None
        outcomes = [o for o in OUTCOMES if any(r.get("outcome") == o for r in rows)]
        outcomes += sorted({str(r.get("outcome")) for r in rows} - set(outcomes))
        cells = {(str(r.get(group)), str(r.get("outcome"))): r for r in rows}
        body = []
        for outcome in outcomes:
            row_cells = []
            for key in keys:
                r = cells.get((str(key), outcome))
                if r is None:
                    row_cells.append({"mean": "–", "interval": "", "n": ""})
                    continue
                row_cells.append(
                    {
                        "mean": fmt_pct(r.get("mean"), self.lang),
                        "interval": fmt_interval(r.get("ci_low"), r.get("ci_high"), self.lang, pct=True),
                        "n": fmt_int(r.get("n"), self.lang),
                    }
                )
            body.append({"label": self.label(outcome), "cells": row_cells})
        return {"body": body}

    def quadrants(self) -> dict[str, Any]:
        q = _mapping(self.report.get("quadrants"))
        outcomes = _records(q.get("outcomes"))
        levels = _records(q.get("levels"))
        level_keys = sorted(
            {r.get("hs_level") for r in levels if _number(r.get("hs_level")) is not None},
            key=lambda v: _number(v) or 0.0,
        )
        ratios, published = _mapping(q.get("ratios")), _mapping(q.get("published"))
        ratio_rows = [
            {
                "label": self.t[key],
                "value": fmt_ratio(ratios.get(key), self.lang),
                "published": fmt_ratio(published.get(key), self.lang),
            }
            for key in ("both_high_vs_both_low", "one_high_vs_both_low")
            if key in ratios or key in published
        ]
        return {
            "outcomes": self._outcome_table(outcomes, "quadrant", list(QUADRANTS)),
            "quadrant_heads": [self.t[k] for k in QUADRANTS],
            "levels": self._outcome_table(levels, "hs_level", level_keys),
            "level_heads": [f"{self.t['hs_level']} {fmt_int(k, self.lang)}" for k in level_keys],
            "ratios": ratio_rows,
        }

    # -- variability
    def variability(self) -> list[dict[str, Any]]:
        sections = []
        for key, raw in _mapping(self.report.get("variability")).items():
            m = _mapping(raw)
            slug = _slug(key)
            funnel = [r for r in _records(m.get("funnel")) if _number(r.get("mean")) is not None]
            units = m.get("units")
            decimals = 2
            stats = [
                (self.t["mean"], fmt_number(m.get("mean"), self.lang, decimals)),
                (self.t["sd"], fmt_number(m.get("sd"), self.lang, decimals)),
                (self.t["between_variance"], fmt_number(m.get("between_variance"), self.lang, 3)),
                (self.t["within_variance"], fmt_number(m.get("within_variance"), self.lang, 3)),
                (self.t["above"], fmt_int(m.get("above"), self.lang)),
                (self.t["below"], fmt_int(m.get("below"), self.lang)),
                (self.t["alarms"], fmt_int(m.get("alarms"), self.lang)),
            ]
            changes = _mapping(m.get("changes"))
            section: dict[str, Any] = {
                "key": key,
                "slug": slug,
                "title": str(m.get("label") or self.label(key)),
                "units": str(units) if units else "",
                "stats": stats,
                "sentence": str(m.get("sentence") or ""),
                "changes": [
                    (self.t[c], fmt_int(changes.get(c), self.lang))
                    for c in ("improved", "declined", "unchanged")
                    if c in changes
                ],
                "funnel": None,
                "histogram": None,
            }
            if funnel:
                section["funnel"] = self.chart(f"chart-funnel-{slug}", "funnel", *self._funnel(funnel, units))
                section["histogram"] = self.chart(
                    f"chart-distribution-{slug}", "distribution", *self._histogram(funnel, units)
                )
            sections.append(section)
        return sections

    def _funnel(self, rows: list[dict[str, Any]], units: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        t = self.t
        limits = sorted((r for r in rows if _number(r.get("n")) is not None), key=lambda r: float(r["n"]))
        data: list[dict[str, Any]] = []
        for name, low, high, dash, colour in (
            (t["alarm_limits"], "alarm_low", "alarm_high", "dot", "#b2182b"),
            (t["alert_limits"], "alert_low", "alert_high", "dash", "#e08214"),
        ):
            for i, column in enumerate((low, high)):
                ys = [_number(r.get(column)) for r in limits]
                if not any(y is not None for y in ys):
                    continue
                data.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": _plot_text(name),
                        "legendgroup": column[:5],
                        "showlegend": i == 0,
                        "x": [_number(r.get("n")) for r in limits],
                        "y": ys,
                        "line": {"color": colour, "dash": dash, "width": 1.5, "shape": "spline"},
                        "hoverinfo": "skip",
                    }
                )
        targets = [v for r in limits if (v := _number(r.get("target"))) is not None]
        if targets and limits:
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": _plot_text(t["target"]),
                    "x": [_number(limits[0].get("n")), _number(limits[-1].get("n"))],
                    "y": [targets[0], targets[-1]],
                    "line": {"color": "#333", "width": 1.5},
                    "hoverinfo": "skip",
                }
            )
        for flag in ("within", "above", "below"):
            members = [r for r in rows if _flag(r.get("flag")) == flag]
            if not members:
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": _plot_text(t[flag]),
                    "x": [_number(r.get("n")) for r in members],
                    "y": [_number(r.get("mean")) for r in members],
                    "text": [_plot_text(r.get("unit_name") or r.get("unit_code")) for r in members],
                    "hovertemplate": "<b>%{text}</b><br>n %{x:,.0f}<br>"
                    + _plot_text(t["mean"])
                    + " %{y:,.2f}"
                    "<extra></extra>",
                    "marker": {
                        "size": 7 if flag == "within" else 10,
                        "color": FLAG_COLOURS[flag],
                        "symbol": {"within": "circle", "above": "triangle-up", "below": "triangle-down"}[
                            flag
                        ],
                        "line": {"width": 1, "color": "white"},
                    },
                }
            )
        y_title = t["mean"] + (f" ({units})" if units else "")
        layout = _layout(self.lang, xaxis=_axis(t["respondents"]), yaxis=_axis(y_title))
        return data, layout

    def _histogram(
        self, rows: list[dict[str, Any]], units: Any
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        values = [v for r in rows if (v := _number(r.get("mean"))) is not None]
        count = len(values)
        mean = sum(values) / count
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (count - 1)) if count > 1 else 0.0
        low, high = min(values), max(values)
        bins = max(5, min(30, round(math.sqrt(count)) + 2))
        size = (high - low) / bins if high > low else max(abs(mean) * 0.05, 0.1)
        start = low - size / 2 if high == low else low
        data: list[dict[str, Any]] = [
            {
                "type": "histogram",
                "name": _plot_text(self.t["frequency"]),
                "x": values,
                "xbins": {"start": start, "end": start + size * (bins + 1), "size": size},
                "marker": {"color": "#9ecae1", "line": {"color": "white", "width": 1}},
                "hovertemplate": "%{x}<br>%{y}<extra></extra>",
            }
        ]
        if sd > 0:
            xs = [mean - 4 * sd + i * 8 * sd / 120 for i in range(121)]
            scale = count * size / (sd * math.sqrt(2 * math.pi))
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": _plot_text(self.t["normal_fit"]),
                    "x": xs,
                    "y": [scale * math.exp(-0.5 * ((x - mean) / sd) ** 2) for x in xs],
                    "line": {"color": "#08519c", "width": 2},
                    "hoverinfo": "skip",
                }
            )
        x_title = self.t["mean"] + (f" ({units})" if units else "")
        layout = _layout(
            self.lang, xaxis=_axis(x_title), yaxis=_axis(self.t["frequency"]), bargap=0.02, height=380
        )
        return data, layout

    # -- linkage
    def linkage(self) -> dict[str, Any]:
        link = _mapping(self.report.get("linkage"))
        correlations = [
            {
                "x": self.label(r.get("x")),
                "y": self.label(r.get("y")),
                "lag": fmt_int(r.get("lag"), self.lang),
                "r": fmt_number(r.get("r"), self.lang, 2),
                "interval": fmt_interval(r.get("ci_low"), r.get("ci_high"), self.lang, decimals=2),
                "n": fmt_int(r.get("n"), self.lang),
            }
            for r in _records(link.get("correlations"))
        ]
        customer = _mapping(link.get("customer"))
        premiums = [
            {
                "segment": self.label(r.get("segment")),
                "value": self.label(r.get("value")) if r.get("value") is not None else "–",
                "n": fmt_int(r.get("n"), self.lang),
                "mean": fmt_number(r.get("mean"), self.lang, 2),
                "interval": fmt_interval(r.get("ci_low"), r.get("ci_high"), self.lang, decimals=2),
                "premium": fmt_pct(r.get("premium"), self.lang, 0, signed=True),
                "published": fmt_pct(r.get("published_premium"), self.lang, 0, signed=True),
            }
            for r in sorted(_records(customer.get("premiums")), key=_segment_order)
        ]
        ratio = _mapping(customer.get("satisfaction_ratio"))
        sentences = [str(s) for s in (link.get("sentences") or []) if s]
        return {
            "correlations": correlations,
            "sentences": sentences,
            "premiums": premiums,
            "satisfaction": (
                {
                    "value": fmt_ratio(ratio.get("ratio"), self.lang),
                    "published": fmt_ratio(ratio.get("published"), self.lang),
                }
                if ratio
                else None
            ),
            "has_data": bool(correlations or sentences or premiums or ratio),
        }

    # -- what people write
    def aspect_table(self, rows: Any) -> list[dict[str, Any]]:
        """Aspect rows of the ``texts`` section, formatted, with their bars (:func:`text_bar`)."""
        return [
            {
                "label": str(r.get("label") or r.get("aspect") or "–"),
                "share": fmt_pct(r.get("share"), self.lang, 0),
                "share_interval": fmt_interval(r.get("share_low"), r.get("share_high"), self.lang, pct=True,
                                               decimals=0),
                "mentions": fmt_int(r.get("mentions"), self.lang),
                "mean": fmt_number(r.get("mean"), self.lang, 2, signed=True),
                "interval": fmt_interval(r.get("ci_low"), r.get("ci_high"), self.lang, decimals=2),
                "n": fmt_int(r.get("n"), self.lang),
                "few": self.t["few_mentions"].format(n=fmt_int(r.get("n"), self.lang)) if r.get("few") else
                "",
                "flag": r.get("mean_flag") if r.get("mean_flag") in ("above", "below") else None,
                "share_flag": {"above": self.t["more_often"], "below": self.t["less_often"]}.get(
                    str(r.get("share_flag")), ""),
                "bar": text_bar(r),
            }
            for r in _records(rows)
        ]  # fmt: skip

    def link_sentence(self, correlation: Mapping[str, Any], link: Any) -> str:
        """The correlation of employer-review ratings with survey engagement in words."""
        if not correlation or link not in ("together", "opposite", "unclear"):
            return ""
        return str(self.t[f"link_{link}"]).format(
            units=fmt_int(correlation.get("units"), self.lang),
            r=fmt_number(correlation.get("pearson"), self.lang, 2),
            low=fmt_number(correlation.get("low"), self.lang, 2),
            high=fmt_number(correlation.get("high"), self.lang, 2),
        )

    def texts(self) -> dict[str, Any]:
        """The section on what people write: the company's aspects, the employer barometer with its
        link to survey engagement, and each unit's standout themes."""
        raw = _mapping(self.report.get("texts"))
        recent = [str(p) for p in raw.get("recent") or []]
        employer = _mapping(raw.get("employer"))
        correlation = _mapping(raw.get("correlation"))
        barometer = None
        if employer:
            get, lang = employer.get, self.lang
            rating = fmt_interval(get("ci_low"), get("ci_high"), lang, decimals=2)
            recommend = fmt_interval(get("recommend_low"), get("recommend_high"), lang, pct=True, decimals=0)
            barometer = [
                (self.t["reviews"], fmt_int(get("n"), lang)),
                (self.t["rating"], f"{fmt_number(get('rating'), lang, 2)} {rating}"),
                (self.t["recommend"], f"{fmt_pct(get('recommend_share'), lang, 0)} {recommend}"),
                (self.t["ceo_approval"], fmt_pct(get("ceo_approval_share"), lang, 0)),
                (self.t["survey_engagement"], fmt_number(get("engagement"), lang, 2)),
            ]
        themes = [
            {"name": str(r.get("unit_name") or r.get("unit_code")),
             "over": ", ".join(str(t.get("term")) for t in _records(r.get("over"))),
             "under": ", ".join(str(t.get("term")) for t in _records(r.get("under")))}
            for r in _records(raw.get("themes"))
        ]  # fmt: skip
        customer = self.aspect_table(raw.get("customer"))
        employee = self.aspect_table(raw.get("employee"))
        return {
            "intro": self.t["texts_intro"].format(first=recent[0], last=recent[-1]) if recent else "",
            "customer": customer,
            "employee": employee,
            "employee_title": self.t["employee_texts"].format(period=raw.get("employee_period") or "–"),
            "barometer": barometer,
            "link": self.link_sentence(correlation, raw.get("link")),
            "link_note": self.t["link_note"].format(
                reviews=fmt_int(correlation.get("min_reviews"), self.lang),
                rho=fmt_number(correlation.get("spearman"), self.lang, 2),
            ) if correlation else "",
            "themes": themes,
            "has_data": bool(customer or employee or barometer or themes),
        }  # fmt: skip

    # -- drivers
    def drivers(self) -> dict[str, Any]:
        raw = _mapping(self.report.get("drivers"))
        targets = []
        for target, value in raw.items():
            if target == "focus_areas":
                continue
            rows = _records(value)
            section: dict[str, Any] = {
                "title": f"{self.t['drivers_for']} {self.label(target)}",
                "chart": None,
            }
            if rows:
                slug = _slug(target)
                section["chart"] = self.chart(f"chart-drivers-{slug}", "drivers", *self._drivers(rows))
            targets.append(section)
        focus_rows = _records(raw.get("focus_areas"))
        by_unit: dict[str, dict[str, Any]] = {}
        for r in focus_rows:
            code = str(r.get("unit_code") or r.get("unit_name") or "–")
            unit = by_unit.setdefault(code, {"name": str(r.get("unit_name") or code), "items": []})
            unit["items"].append(r)
        width = 0
        focus = []
        for unit in by_unit.values():
            items = sorted(unit["items"], key=lambda r: _number(r.get("rank")) or math.inf)[:3]
            width = max(width, len(items))
            focus.append(
                {
                    "name": unit["name"],
                    "cells": [
                        {
                            "label": str(r.get("label") or r.get("driver") or "–"),
                            "detail": self._focus_detail(r),
                        }
                        for r in items
                    ],
                }
            )
        for unit in focus:
            unit["cells"] += [None] * (width - len(unit["cells"]))
        return {"targets": targets, "focus": focus, "focus_width": width}

    def _focus_detail(self, row: Mapping[str, Any]) -> str:
        parts = []
        if _number(row.get("gap")) is not None:
            parts.append(f"{self.t['gap']} {fmt_number(row.get('gap'), self.lang, 2)}")
        priority = row.get("priority")
        if priority is not None and priority != "":
            text = fmt_number(priority, self.lang, 2) if _number(priority) is not None else str(priority)
            parts.append(f"{self.t['priority']} {text}")
        return " · ".join(parts)

    def _drivers(self, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        # The interval belongs to the weight or to the share: use whichever contains its points.
        def inside(column: str) -> bool:
            checks = [
                lo <= v <= hi
                for r in rows
                if (v := _number(r.get(column))) is not None
                and (lo := _number(r.get("ci_low"))) is not None
                and (hi := _number(r.get("ci_high"))) is not None
            ]
            return bool(checks) and all(checks)

        has_share = all(_number(r.get("share")) is not None for r in rows)
        use_share = has_share and (inside("share") or not inside("weight"))
        column = "share" if use_share else "weight"
        ordered = sorted(rows, key=lambda r: _number(r.get(column)) or 0.0)
        factor = 100.0 if use_share else 1.0
        values = [(_number(r.get(column)) or 0.0) * factor for r in ordered]
        plus, minus = [], []
        for r, v in zip(ordered, values, strict=True):
            lo, hi = _number(r.get("ci_low")), _number(r.get("ci_high"))
            plus.append(max(hi * factor - v, 0.0) if hi is not None else 0.0)
            minus.append(max(v - lo * factor, 0.0) if lo is not None else 0.0)
        labels = [_plot_text(r.get("label") or r.get("driver")) for r in ordered]
        shares = [fmt_pct(r.get("share"), self.lang, 0) if has_share else "" for r in ordered]
        weights = [fmt_number(r.get("weight"), self.lang, 3) for r in ordered]
        data = [
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": labels,
                "text": shares if has_share else weights,
                "textposition": "outside" if not any(plus) else "none",
                "customdata": [[w, s] for w, s in zip(weights, shares, strict=True)],
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": plus,
                    "arrayminus": minus,
                    "color": "#333",
                    "thickness": 1.2,
                    "width": 4,
                },
                "marker": {"color": "#4292c6"},
                "hovertemplate": "<b>%{y}</b><br>"
                + _plot_text(self.t["weight"])
                + " %{customdata[0]}"
                + (f"<br>{_plot_text(self.t['share'])} %{{customdata[1]}}" if has_share else "")
                + "<extra></extra>",
            }
        ]
        x_title = self.t["share"] + " (%)" if use_share else self.t["weight"]
        layout = _layout(
            self.lang,
            xaxis=_axis(x_title, rangemode="tozero"),
            yaxis={"automargin": True},
            height=max(260, 48 + 34 * len(rows)),
            margin={"l": 20, "r": 30, "t": 20, "b": 50},
            showlegend=False,
        )
        return data, layout


# --------------------------------------------------------------------------- rendering


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("servicechain.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _language(report: Mapping[str, Any], language: str | None) -> str:
    chosen = (language or report.get("language") or "nl").lower()
    if chosen not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {chosen!r}")
    return chosen


def render_html(report: Mapping[str, Any], language: str | None = None) -> str:
    """The whole report as one self-contained HTML document (plotly.js inlined).

    ``language`` ("nl" or "en") overrides ``report["language"]`` for the headings, labels and
    number formats; sentences in the report (summary, variability, linkage) are shown as given.
    """
    lang = _language(report, language)
    builder = ReportSections(report, lang)
    t = builder.t
    level = report.get("level")
    context = {
        "lang": lang,
        "t": t,
        "organisation": str(report.get("organisation") or ""),
        "period": str(report.get("period") or "–"),
        "level": t.get(f"level_{level}", str(level)) if level else "–",
        "summary": [str(s) for s in (report.get("summary") or []) if s],
        "hs": builder.human_sigma(),
        "quadrants": builder.quadrants(),
        "variability": builder.variability(),
        "linkage": builder.linkage(),
        "drivers": builder.drivers(),
        "texts": builder.texts(),
    }
    return (
        _environment()
        .get_template("report.html")
        .render(
            **context,
            chart_specs=script_json(builder.charts),
            plotly_js=Markup(plotly_js()),
        )
    )


def write_html(report: Mapping[str, Any], path: str | Path, language: str | None = None) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8, parent folders created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report, language), encoding="utf-8")
    return target
