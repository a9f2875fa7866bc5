"""Touchpoint micro-survey scoring: satisfaction, ease, felt valued, top box (domain.md)."""

from __future__ import annotations

import ibis.expr.types as ir

from servicechain.instruments.model import Instrument
from servicechain.instruments.scoring import touchpoint_rules
from servicechain.metrics.measures import respondents, score, share
from servicechain.metrics.respondent import (
    Scored,
    Sums,
    item_value,
    score_sums,
    share_sums,
    source,
)

_TOUCHPOINT_LABELS = {
    "satisfaction": ("Tevredenheid over het contact", "Satisfaction with the interaction"),
    "ease": ("Gemak", "Ease"),
    "valued": ("Gewaardeerd door de medewerker", "Felt valued by the employee"),
}


def touchpoint_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Satisfaction with one interaction, ease, feeling valued, top box."""
    rules, src = touchpoint_rules(instrument), source("touchpoint")
    measures, values = [respondents(src)], {}
    for item in instrument.items:
        scale = instrument.scales[item.scale]
        nl, en = _TOUCHPOINT_LABELS.get(item.key, (item.nl, item.en))
        measure = score(f"touchpoint_{item.key}", src, nl, en, scale.min, scale.max)
        measures.append(measure)
        values[measure.key] = item_value(rows, instrument, item.key)
    scored = rows.select(*keep, **values)
    satisfaction = scored[f"touchpoint_{rules.satisfaction_item}"]
    measures.append(share("touchpoint_top_box", src, "Contact zeer tevreden (top box)", "Touchpoint top box"))
    sums: Sums = {
        "touchpoints__n": scored.count(),
        **score_sums(scored, [m.key for m in measures if m.kind == "score"]),
        **share_sums("touchpoint_top_box", satisfaction, satisfaction >= rules.top_box_at_least),
    }
    return scored, measures, sums
