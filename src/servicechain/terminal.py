"""Rich renderings of analysis results for the terminal, in Dutch or English."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table
from rich.text import Text

WORDS = {
    "unit": {"en": "unit", "nl": "eenheid"},
    "scorecard": {"en": "Scorecard", "nl": "Scorekaart"},
    "strongest": {"en": "Strongest", "nl": "Sterkste"},
    "weakest": {"en": "Weakest", "nl": "Zwakste"},
    "shrunk": {"en": "shrunk", "nl": "gekrompen"},
    "interval": {"en": "mean (95% interval)", "nl": "gemiddelde (95%-interval)"},
    "flag": {"en": "flag", "nl": "signaal"},
    "percentile": {"en": "percentile", "nl": "percentiel"},
    "above": {"en": "above", "nl": "boven"},
    "within": {"en": "within", "nl": "binnen"},
    "below": {"en": "below", "nl": "onder"},
    "too_few": {"en": "fewer than the minimum group", "nl": "te weinig respondenten"},
    "no_ratio": {"en": "nobody actively disengaged", "nl": "niemand actief niet betrokken"},
    "legend": {
        "en": "mean (95% interval); ▲/▼ above/below the company beyond chance (funnel 95%), ▲▲/▼▼ at 99.8%; "
        "— hidden to protect anonymity",
        "nl": "gemiddelde (95%-interval); ▲/▼ boven/onder het bedrijf, meer dan toeval (trechter 95%), "
        "▲▲/▼▼ bij 99,8%; — verborgen voor de anonimiteit",
    },
}


def word(key: str, language: str) -> str:
    """A UI word in ``language`` (``nl`` or ``en``)."""
    return WORDS[key]["nl" if language == "nl" else "en"]


def number(value: float, kind: str, language: str = "en") -> str:
    """A measure value as people read it: 3.93, 42%, +15 (decimal comma in Dutch)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:.0f}%" if kind == "share" else f"{value:+.0f}" if kind == "nps" else f"{value:.2f}"
    return text.replace(".", ",") if language == "nl" else text


def flag_mark(flag: object, alarm: bool) -> str:
    """▲ / ▼ for a funnel flag above / below, doubled at alarm level."""
    mark = {"above": "▲", "below": "▼"}.get(str(flag), "")
    return mark * 2 if alarm and mark else mark


def cell(row: pd.Series, language: str) -> Text:
    """One scorecard cell: mean (interval) flag, and n."""
    if row["suppressed"]:
        return Text(f"— ({word('too_few', language)})", style="dim italic")
    if row["kind"] == "count":
        return Text(f"{int(row['n']):,}")
    kind = str(row["kind"])
    if kind == "ratio" and pd.isna(row["mean"]):
        return Text(f"— ({word('no_ratio', language)}) n={int(row['n']):,}", style="dim")
    text = Text(number(row["mean"], kind, language))
    text.append(f" ({number(row['ci_low'], kind, language)}–{number(row['ci_high'], kind, language)})", "dim")
    mark = flag_mark(row["flag"], bool(row["alarm"]))
    if mark:
        text.append(f" {mark}", "green" if mark.startswith("▲") else "red")
    text.append(f" n={int(row['n']):,}", "dim")
    return text


def scorecard_table(card: pd.DataFrame, measures: list[str], language: str) -> Table:
    """One row per unit (indented by depth), one column per measure."""
    label = f"label_{'nl' if language == 'nl' else 'en'}"
    periods = ", ".join(sorted(card["period"].unique()))
    table = Table(title=f"{word('scorecard', language)} {periods}", caption=word("legend", language))
    table.add_column(word("unit", language))
    labels = card.drop_duplicates("measure").set_index("measure")[label]
    for measure in measures:
        table.add_column(str(labels.get(measure, measure)))
    min_depth = int(card["depth"].min()) if len(card) else 0
    for (_, code), rows in card.groupby(["period", "unit_code"], sort=False):
        first = rows.iloc[0]
        by_measure = {str(row["measure"]): row for _, row in rows.iterrows()}
        name = "  " * (int(first["depth"]) - min_depth) + f"{first['unit_name']} ({code})"
        cells = [cell(by_measure[m], language) if m in by_measure else Text("") for m in measures]
        table.add_row(name, *cells)
    return table


def ranking_table(rows: pd.DataFrame, title: str, language: str) -> Table:
    """Units ranked on one measure: shrunk value, mean with interval, n, percentile, flag."""
    table = Table(title=title)
    for header in ("unit", "shrunk", "interval", "percentile", "flag"):
        table.add_column(word(header, language), justify="left" if header == "unit" else "right")
    table.add_column("n", justify="right")
    for _, row in rows.iterrows():
        kind = str(row["kind"])
        interval = f"{number(row['mean'], kind, language)} ({number(row['ci_low'], kind, language)}–" \
                   f"{number(row['ci_high'], kind, language)})"  # fmt: skip
        flag = word(str(row["flag"]), language) if row["flag"] in ("above", "within", "below") else ""
        mark = flag_mark(row["flag"], bool(row["alarm"]))
        shrunk = number(row["shrunk"], kind, language)
        table.add_row(f"{row['unit_name']} ({row['unit_code']})", shrunk, interval,
                      f"{row['percentile']:.0f}", f"{flag} {mark}".strip(), f"{int(row['n']):,}")  # fmt: skip
    return table
