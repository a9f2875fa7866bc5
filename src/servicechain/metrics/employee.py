"""Employee survey scoring: engagement index and category, dimensions, eNPS (domain.md)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument
from servicechain.instruments.scoring import employee_rules
from servicechain.metrics.measures import net_score, respondents, score
from servicechain.metrics.respondent import (
    Scored,
    Sums,
    add_up,
    category_shares,
    dimension_sums,
    item_value,
    needed,
    net_sums,
    ratio_if,
    score_sums,
    scored_dimensions,
    source,
)


def employee_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Engagement index and category, the other dimensions, eNPS."""
    rules, src = employee_rules(instrument), source("employee")
    dimensions = scored_dimensions(instrument)
    engagement = rules.engagement_dimension
    low_items = [
        (item_value(rows, instrument, item.key) <= rules.engaged.no_item_at_most)
        .fill_null(False)
        .cast("int32")
        for item in dimensions[engagement]
    ]
    staged = rows.select(*keep, **dimension_sums(rows, instrument), low_items=add_up(low_items),
                         enps=rows[rules.enps_item])  # fmt: skip
    names = {key: "engagement_index" if key == engagement else key for key in dimensions}
    scored = staged.select(
        *keep, "low_items", "enps",
        **{names[key]: ratio_if(staged[f"{key}__s"], staged[f"{key}__a"],
                                needed(len(items), rules.min_share_answered))
           for key, items in dimensions.items()},
    )  # fmt: skip
    index = scored.engagement_index
    category = ibis.cases(
        (index.isnull(), ibis.null("int32")),
        ((index >= rules.engaged.index_at_least) & (scored.low_items == 0), 0),
        (index <= rules.actively_disengaged.index_at_most, 2),
        else_=1,
    )
    coded = scored.mutate(category=category)
    texts = instrument.dimensions[engagement]
    scores = [
        score(names[key], src, f"{texts.nl} (index)" if key == engagement else instrument.dimensions[key].nl,
              f"{texts.en} index" if key == engagement else instrument.dimensions[key].en,
              instrument.scales[items[0].scale].min, instrument.scales[items[0].scale].max)
        for key, items in dimensions.items()
    ]  # fmt: skip
    categories, category_sums = category_shares(
        src, coded.category, ["engaged", "not_engaged", "actively_disengaged"]
    )
    measures = [
        respondents(src), scores[list(dimensions).index(engagement)], *categories,
        *[m for m in scores if m.key != "engagement_index"],
        net_score("enps", src, "eNPS (aanbevelen als werkgever)", "eNPS (recommend as employer)"),
    ]  # fmt: skip
    sums: Sums = {
        "employee_respondents__n": coded.count(),
        **score_sums(coded, [m.key for m in scores]),
        **category_sums,
        **net_sums("enps", coded.enps, rules.promoter_at_least, rules.detractor_at_most),
    }
    return coded, measures, sums
