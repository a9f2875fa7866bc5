"""Respondent-level scoring as Ibis expressions, built from the instrument and its rules.

Each source function returns the response rows with one column per measure (missing
where the rules say the respondent has no score) and the list of measures. The scoring
is built in stages (scores first, then the categories that use them), each a subquery,
so the SQL stays small instead of repeating the attachment formula in every category.
The expressions compile to SQL on every Ibis backend, so scoring runs in the database.
Definitions: ``shared/design/domain.md`` (respondent-level scoring).
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument
from servicechain.instruments.scoring import customer_rules, employee_rules, touchpoint_rules
from servicechain.metrics.measures import Measure, Source, net_score, respondents, score, share

Scored = tuple[ir.Table, list[Measure]]
"""Response rows with the ``keep`` columns and one column per measure, named by its key."""
_NULL_FLOAT = ibis.null("float64")
_NULL_INT = ibis.null("int8")


def item_value(table: ir.Table, instrument: Instrument, key: str) -> ir.NumericValue:
    """An item's answer, reverse-coded items flipped (``min + max - x``)."""
    item = next(i for i in instrument.items if i.key == key)
    column: ir.NumericValue = table[key]
    if item.reverse:
        scale = instrument.scales[item.scale]
        return (scale.min + scale.max) - column
    return column


def mean_of_answered(values: list[ir.NumericValue], min_share: float) -> ir.FloatingValue:
    """Mean of the answered values; missing when fewer than ``min_share`` of them are answered."""
    answered = sum((ibis.ifelse(value.notnull(), 1, 0) for value in values), ibis.literal(0, "int32"))
    total = sum((value.cast("float64").fill_null(0) for value in values), ibis.literal(0.0))
    needed = max(1, math.ceil(min_share * len(values) - 1e-9))
    return ibis.ifelse(answered >= needed, total / answered, _NULL_FLOAT)


def flag(condition: ir.BooleanValue, defined: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``condition`` holds, 0 where not, missing where the respondent is not ``defined``."""
    return ibis.ifelse(defined, ibis.ifelse(condition.fill_null(False), 1, 0).cast("int8"), _NULL_INT)


def net_promoter(answer: ir.NumericValue, promoter_at_least: int, detractor_at_most: int) -> ir.IntegerValue:
    """+1 for a promoter, -1 for a detractor, 0 for a passive, missing when unanswered."""
    band = ibis.cases((answer >= promoter_at_least, 1), (answer <= detractor_at_most, -1), else_=0)
    return ibis.ifelse(answer.isnull(), _NULL_INT, band.cast("int8"))


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


def _category_shares(source: Source, categories: list[str]) -> list[Measure]:
    """Share measures of engagement categories; more actively disengaged is worse."""
    _, nl, en = _WHO[source]
    measures = []
    for key in categories:
        dutch, english = _CATEGORIES[key]
        better = key != "actively_disengaged"
        measures.append(share(category_key(source, key), source, f"{dutch} ({nl})", f"{english} ({en})",
                              higher_is_better=better))  # fmt: skip
    return measures


def dimension_scores(
    table: ir.Table, instrument: Instrument, source: Source, min_share: float
) -> dict[str, tuple[Measure, ir.FloatingValue]]:
    """A score per dimension whose items share one agreement-style scale (at most 7 points)."""
    scored = {}
    for key, texts in instrument.dimensions.items():
        items = [item for item in instrument.items if item.dimension == key]
        scales = {item.scale for item in items}
        if len(scales) != 1:
            continue  # mixed scales (e.g. rational loyalty) are reported item by item
        scale = instrument.scales[scales.pop()]
        if scale.max - scale.min > 6:
            continue  # 0..10 items are reported as a net score instead
        values = [item_value(table, instrument, item.key) for item in items]
        measure = score(key, source, texts.nl, texts.en, scale.min, scale.max)
        scored[key] = (measure, mean_of_answered(values, min_share))
    return scored


def customer_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """CE index, attachment and its dimensions, satisfaction, NPS, CSAT, segments."""
    rules = customer_rules(instrument)
    rescale = rules.ce_index.recommend_rescale
    share_needed = rules.min_share_answered
    attachment_items = [item_value(rows, instrument, i.key) for i in instrument.items if i.attachment]
    everything = [
        rescale.intercept + rescale.slope * rows[i.key]
        if instrument.scales[i.scale].max > 7
        else item_value(rows, instrument, i.key)
        for i in instrument.items
    ]
    src: Source = "customer"
    dimensions = dimension_scores(rows, instrument, src, share_needed)
    scores = [
        score("ce_index", src, "Klantbetrokkenheid (CE-index)", "Customer engagement (CE index)", 1, 5),
        score("attachment", src, "Emotionele binding", "Emotional attachment", 1, 5),
        *[measure for measure, _ in dimensions.values()],
        score("satisfaction", src, "Algemene tevredenheid", "Overall satisfaction", 1, 5),
    ]
    base = rows.select(
        *keep,
        ce_index=mean_of_answered(everything, share_needed),
        attachment=mean_of_answered(attachment_items, share_needed),
        **{key: value for key, (_, value) in dimensions.items()},
        satisfaction=rows[rules.satisfaction_item],
        proceed=rows[rules.continue_item],
        recommend=rows[rules.recommend_item],
    )
    loyal_rule = rules.rationally_loyal
    loyal = (base.satisfaction == loyal_rule.satisfaction) & (base.proceed == loyal_rule.continue_)
    if loyal_rule.promoter:
        loyal = loyal & (base.recommend >= rules.promoter_at_least)
    fully = (base.attachment >= rules.fully_engaged.attachment_at_least).fill_null(False)
    if rules.fully_engaged.rationally_loyal:
        fully = fully & loyal.fill_null(False)
    low = rules.actively_disengaged
    disengaged = (base.attachment <= low.attachment_at_most) | (base.satisfaction <= low.satisfaction_at_most)
    segment = ibis.cases(
        (base.attachment.isnull(), _NULL_INT),
        (fully, ibis.literal(0, "int8")),
        (base.attachment >= rules.engaged.attachment_at_least, ibis.literal(1, "int8")),
        (disengaged.fill_null(False), ibis.literal(3, "int8")),
        else_=ibis.literal(2, "int8"),
    )
    answered_loyalty = base.satisfaction.notnull() & base.proceed.notnull() & base.recommend.notnull()
    staged = base.mutate(
        segment=segment,
        nps=net_promoter(base.recommend, rules.promoter_at_least, rules.detractor_at_most),
        csat_top_box=flag(base.satisfaction == 5, base.satisfaction.notnull()),
        rationally_loyal=flag(loyal, answered_loyalty),
        completely=(base.satisfaction == rules.emotionally_satisfied.satisfaction).fill_null(False),
    )
    has_segment = staged.segment.notnull()
    segments = ["fully_engaged", "engaged", "not_engaged", "actively_disengaged"]
    final = staged.select(
        *keep, *[m.key for m in scores], "nps", "csat_top_box", "rationally_loyal",
        **{category_key(src, key): flag(staged.segment == code, has_segment)
           for code, key in enumerate(segments)},
        emotionally_satisfied=flag(
            staged.attachment >= rules.emotionally_satisfied.attachment_at_least,
            staged.completely & staged.attachment.notnull(),
        ),
    )  # fmt: skip
    measures = [
        respondents(src), *scores,
        net_score("nps", src, "Net Promoter Score", "Net Promoter Score"),
        share("csat_top_box", src, "Volledig tevreden (top box)", "Completely satisfied (top box)"),
        share("rationally_loyal", src, "Rationeel loyaal", "Rationally loyal"),
        *_category_shares(src, segments),
        share("emotionally_satisfied", src, "Emotioneel tevreden (van de volledig tevredenen)",
              "Emotionally satisfied (of the completely satisfied)"),
    ]  # fmt: skip
    return final, measures


def employee_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Engagement index and category, the other dimensions, eNPS."""
    rules = employee_rules(instrument)
    src: Source = "employee"
    dimensions = dimension_scores(rows, instrument, src, rules.min_share_answered)
    _, index = dimensions.pop(rules.engagement_dimension)
    low_item = [
        (item_value(rows, instrument, i.key) <= rules.engaged.no_item_at_most).fill_null(False)
        for i in instrument.items
        if i.dimension == rules.engagement_dimension
    ]
    base = rows.select(
        *keep,
        engagement_index=index,
        any_low=ibis.or_(*low_item),
        **{key: value for key, (_, value) in dimensions.items()},
        enps=net_promoter(rows[rules.enps_item], rules.promoter_at_least, rules.detractor_at_most),
    )
    engaged = (base.engagement_index >= rules.engaged.index_at_least) & ~base.any_low
    disengaged = base.engagement_index <= rules.actively_disengaged.index_at_most
    defined = base.engagement_index.notnull()
    final = base.select(
        *keep, "engagement_index", *dimensions, "enps",
        engaged_employees=flag(engaged, defined),
        not_engaged_employees=flag(~engaged & ~disengaged, defined),
        actively_disengaged_employees=flag(disengaged, defined),
    )  # fmt: skip
    texts = instrument.dimensions[rules.engagement_dimension]
    measures = [
        respondents(src),
        score("engagement_index", src, f"{texts.nl} (index)", f"{texts.en} index", 1, 5),
        *_category_shares(src, ["engaged", "not_engaged", "actively_disengaged"]),
        *[measure for measure, _ in dimensions.values()],
        net_score("enps", src, "eNPS (aanbevelen als werkgever)", "eNPS (recommend as employer)"),
    ]
    return final, measures


_TOUCHPOINT_LABELS = {
    "satisfaction": ("Tevredenheid over het contact", "Satisfaction with the interaction"),
    "ease": ("Gemak", "Ease"),
    "valued": ("Gewaardeerd door de medewerker", "Felt valued by the employee"),
}


def touchpoint_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """Satisfaction with one interaction, ease, feeling valued, top box."""
    rules = touchpoint_rules(instrument)
    src: Source = "touchpoint"
    measures, values = [respondents(src)], {}
    for item in instrument.items:
        scale = instrument.scales[item.scale]
        nl, en = _TOUCHPOINT_LABELS.get(item.key, (item.nl, item.en))
        measure = score(f"touchpoint_{item.key}", src, nl, en, scale.min, scale.max)
        measures.append(measure)
        values[measure.key] = item_value(rows, instrument, item.key)
    satisfaction = rows[rules.satisfaction_item]
    measures.append(share("touchpoint_top_box", src, "Contact zeer tevreden (top box)", "Touchpoint top box"))
    values["touchpoint_top_box"] = flag(satisfaction >= rules.top_box_at_least, satisfaction.notnull())
    return rows.select(*keep, **values), measures
