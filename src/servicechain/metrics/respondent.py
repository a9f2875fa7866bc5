"""Respondent-level scoring as Ibis expressions, built from the instrument and its rules.

Each source function returns the scored rows, the measures, and the aggregations that
summarise them per group (``{key}__n``, ``{key}__total``, ``{key}__sq``). The scoring is
staged so that the database does little work per row: first integer sums and answered
counts per dimension, then the scores (one division each; composites such as attachment
and the CE index add up dimension sums instead of re-reading items), then categories
as small integer codes, counted with ``SUM(condition)`` rather than one 0/1 column each.
Each stage is a subquery; the SQL compiles on every Ibis backend, so scoring runs in the
database next to the rows. Definitions: ``shared/design/domain.md`` (respondent-level
scoring); ``tests/test_metrics_reference.py`` checks them against a plain pandas version.
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument, Item
from servicechain.instruments.scoring import customer_rules, employee_rules, touchpoint_rules
from servicechain.metrics.measures import Measure, Source, net_score, respondents, score, share

Sums = dict[str, ir.Scalar]
Scored = tuple[ir.Table, list[Measure], Sums]
"""Scored rows (with the ``keep`` columns), their measures, and the aggregations per group."""


def item_value(table: ir.Table, instrument: Instrument, key: str) -> ir.NumericValue:
    """An item's answer, reverse-coded items flipped (``min + max - x``)."""
    item = next(i for i in instrument.items if i.key == key)
    column: ir.NumericValue = table[key]
    if item.reverse:
        scale = instrument.scales[item.scale]
        return (scale.min + scale.max) - column
    return column


def answered(value: ir.Value) -> ir.IntegerValue:
    """1 when answered, else 0 (boolean to integer works on every engine)."""
    return value.notnull().cast("int32")


def needed(items: int, min_share: float) -> int:
    """Answers needed for a score: at least ``min_share`` of ``items`` (and at least one)."""
    return max(1, math.ceil(min_share * items - 1e-9))


def scored_dimensions(instrument: Instrument) -> dict[str, list[Item]]:
    """Dimensions scored as a mean: all items on one agreement-style scale of at most 7 points."""
    chosen = {}
    for key in instrument.dimensions:
        items = [item for item in instrument.items if item.dimension == key]
        names = {item.scale for item in items}
        if (
            len(names) == 1
            and instrument.scales[names.pop()].max - instrument.scales[items[0].scale].min <= 6
        ):
            chosen[key] = items
    return chosen


def add_up(values: list[ir.NumericValue]) -> ir.NumericValue:
    """``v1 + v2 + ...`` as one expression."""
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def dimension_sums(rows: ir.Table, instrument: Instrument) -> dict[str, ir.Value]:
    """Per scored dimension ``{d}__s`` (integer sum of answers) and ``{d}__a`` (answered count)."""
    columns: dict[str, ir.Value] = {}
    for key, items in scored_dimensions(instrument).items():
        values = [item_value(rows, instrument, item.key) for item in items]
        columns[f"{key}__s"] = add_up([value.fill_null(0) for value in values])  # small: no overflow
        columns[f"{key}__a"] = add_up([answered(value) for value in values])
    return columns


def ratio_if(total: ir.NumericValue, count: ir.IntegerValue, minimum: int) -> ir.FloatingValue:
    """``total / count`` when ``count >= minimum``, else missing."""
    return ibis.ifelse(count >= minimum, total.cast("float64") / count, ibis.null("float64"))


def score_sums(table: ir.Table, keys: list[str]) -> Sums:
    """n, sum and sum of squares of each score column."""
    sums: Sums = {}
    for key in keys:
        value = table[key] if table[key].type().is_integer() else table[key].cast("float64")
        sums |= {
            f"{key}__n": value.count(),
            f"{key}__total": value.sum(),
            f"{key}__sq": (value * value).sum(),
        }
    return sums


def share_sums(key: str, base: ir.Value, condition: ir.BooleanValue) -> Sums:
    """A percentage: n = respondents with ``base``, total = those among them meeting ``condition``.

    ``condition`` must be missing (not false) where ``base`` is missing, as comparisons with
    ``base`` are.
    """
    return {f"{key}__n": base.count(), f"{key}__total": condition.cast("int32").sum()}


def net_sums(key: str, answer: ir.NumericValue, promoter_at_least: int, detractor_at_most: int) -> Sums:
    """A net score: total = promoters - detractors, sum of squares = promoters + detractors."""
    promoters = (answer >= promoter_at_least).cast("int32").sum()
    detractors = (answer <= detractor_at_most).cast("int32").sum()
    return {
        f"{key}__n": answer.count(),
        f"{key}__total": promoters - detractors,
        f"{key}__sq": promoters + detractors,
    }


_CATEGORIES = {
    "fully_engaged": ("Volledig betrokken", "Fully engaged"),
    "engaged": ("Betrokken", "Engaged"),
    "not_engaged": ("Niet betrokken", "Not engaged"),
    "actively_disengaged": ("Actief niet betrokken", "Actively disengaged"),
}
_WHO = {
    "employee": ("employees", "medewerkers", "employees"),
    "customer": ("customers", "klanten", "customers"),
}


def category_key(source: Source, category: str) -> str:
    """The measure key of an engagement category: ``engaged_employees``, ``fully_engaged_customers``."""
    return f"{category}_{_WHO[source][0]}"


def category_shares(
    source: Source, code: ir.IntegerValue, categories: list[str]
) -> tuple[list[Measure], Sums]:
    """One share measure per category of ``code`` (0, 1, 2, ... in the order of ``categories``)."""
    _, nl, en = _WHO[source]
    measures: list[Measure] = []
    sums: Sums = {}
    for position, category in enumerate(categories):
        key = category_key(source, category)
        dutch, english = _CATEGORIES[category]
        better = category != "actively_disengaged"
        measures.append(share(key, source, f"{dutch} ({nl})", f"{english} ({en})", higher_is_better=better))
        sums |= share_sums(key, code, code == position)
    return measures, sums


def _source(name: Source) -> Source:
    return name


def customer_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """CE index, attachment and its dimensions, satisfaction, NPS, CSAT, loyalty, segments."""
    rules, src = customer_rules(instrument), _source("customer")
    dimensions = scored_dimensions(instrument)
    attached = [key for key, items in dimensions.items() if all(item.attachment for item in items)]
    loose = [item for item in instrument.items if item.dimension not in dimensions]
    if {i.key for i in instrument.items if i.attachment} != {i.key for d in attached for i in dimensions[d]}:
        raise ValueError(f"instrument {instrument.key}: attachment items must make up whole dimensions")
    staged = rows.select(
        *keep, **dimension_sums(rows, instrument), **{item.key: rows[item.key] for item in loose}
    )
    rescale = rules.ce_index.recommend_rescale
    intercept, slope = ibis.literal(rescale.intercept, "float64"), ibis.literal(rescale.slope, "float64")
    loose_values = [
        intercept + slope * staged[item.key].cast("float64") if instrument.scales[item.scale].max > 7
        else staged[item.key] for item in loose
    ]  # fmt: skip
    everything_s = add_up([staged[f"{d}__s"] for d in dimensions] + [v.fill_null(0) for v in loose_values])
    everything_a = add_up([staged[f"{d}__a"] for d in dimensions] + [answered(staged[i.key]) for i in loose])
    share_needed = rules.min_share_answered
    scored = staged.select(
        *keep,
        **{key: ratio_if(staged[f"{key}__s"], staged[f"{key}__a"], needed(len(items), share_needed))
           for key, items in dimensions.items()},
        attachment=ratio_if(add_up([staged[f"{d}__s"] for d in attached]),
                            add_up([staged[f"{d}__a"] for d in attached]),
                            needed(sum(len(dimensions[d]) for d in attached), share_needed)),
        ce_index=ratio_if(everything_s, everything_a, needed(len(instrument.items), share_needed)),
        satisfaction=staged[rules.satisfaction_item], proceed=staged[rules.continue_item],
        recommend=staged[rules.recommend_item],
    )  # fmt: skip
    sat, attachment, recommend = scored.satisfaction, scored.attachment, scored.recommend
    loyal_rule = rules.rationally_loyal
    loyal = (sat == loyal_rule.satisfaction) & (scored.proceed == loyal_rule.continue_)
    if loyal_rule.promoter:
        loyal = loyal & (recommend >= rules.promoter_at_least)
    fully = attachment >= rules.fully_engaged.attachment_at_least
    if rules.fully_engaged.rationally_loyal:
        fully = fully & loyal
    low = rules.actively_disengaged
    segment = ibis.cases(
        (attachment.isnull(), ibis.null("int32")),
        (fully.fill_null(False), 0),
        (attachment >= rules.engaged.attachment_at_least, 1),
        (((attachment <= low.attachment_at_most) | (sat <= low.satisfaction_at_most)).fill_null(False), 3),
        else_=2,
    )
    all_answered = sat.notnull() & scored.proceed.notnull() & recommend.notnull()
    completely = (sat == rules.emotionally_satisfied.satisfaction) & attachment.notnull()
    coded = scored.mutate(
        segment=segment,
        loyal=ibis.ifelse(all_answered, loyal.fill_null(False).cast("int32"), ibis.null("int32")),
        emotional=ibis.ifelse(completely.fill_null(False),
                              (attachment >= rules.emotionally_satisfied.attachment_at_least).cast("int32"),
                              ibis.null("int32")),
    )  # fmt: skip
    scores = [
        score("ce_index", src, "Klantbetrokkenheid (CE-index)", "Customer engagement (CE index)", 1, 5),
        score("attachment", src, "Emotionele binding", "Emotional attachment", 1, 5),
        *[score(key, src, instrument.dimensions[key].nl, instrument.dimensions[key].en,
                instrument.scales[items[0].scale].min, instrument.scales[items[0].scale].max)
          for key, items in dimensions.items()],
        score("satisfaction", src, "Algemene tevredenheid", "Overall satisfaction", 1, 5),
    ]  # fmt: skip
    segments, segment_sums = category_shares(
        src, coded.segment, ["fully_engaged", "engaged", "not_engaged", "actively_disengaged"]
    )
    measures = [
        respondents(src), *scores,
        net_score("nps", src, "Net Promoter Score", "Net Promoter Score"),
        share("csat_top_box", src, "Volledig tevreden (top box)", "Completely satisfied (top box)"),
        share("rationally_loyal", src, "Rationeel loyaal", "Rationally loyal"),
        *segments,
        share("emotionally_satisfied", src, "Emotioneel tevreden (van de volledig tevredenen)",
              "Emotionally satisfied (of the completely satisfied)"),
    ]  # fmt: skip
    sums: Sums = {
        "customer_respondents__n": coded.count(),
        **score_sums(coded, [m.key for m in scores]),
        **net_sums("nps", coded.recommend, rules.promoter_at_least, rules.detractor_at_most),
        **share_sums("csat_top_box", coded.satisfaction, coded.satisfaction == 5),
        **share_sums("rationally_loyal", coded.loyal, coded.loyal == 1),
        **segment_sums,
        **share_sums("emotionally_satisfied", coded.emotional, coded.emotional == 1),
    }
    return coded, measures, sums


def employee_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Engagement index and category, the other dimensions, eNPS."""
    rules, src = employee_rules(instrument), _source("employee")
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


_TOUCHPOINT_LABELS = {
    "satisfaction": ("Tevredenheid over het contact", "Satisfaction with the interaction"),
    "ease": ("Gemak", "Ease"),
    "valued": ("Gewaardeerd door de medewerker", "Felt valued by the employee"),
}


def touchpoint_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Satisfaction with one interaction, ease, feeling valued, top box."""
    rules, src = touchpoint_rules(instrument), _source("touchpoint")
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
