"""Customer survey scoring: CE index, attachment, rational loyalty, NPS, segments (domain.md)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument
from servicechain.instruments.scoring import customer_rules
from servicechain.metrics.measures import net_score, respondents, score, share
from servicechain.metrics.respondent import (
    Scored,
    Sums,
    add_up,
    answered,
    category_shares,
    dimension_sums,
    needed,
    net_sums,
    ratio_if,
    score_sums,
    scored_dimensions,
    share_sums,
    source,
)


def customer_measures(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
    """CE index, attachment and its dimensions, satisfaction, NPS, CSAT, loyalty, segments."""
    rules, src = customer_rules(instrument), source("customer")
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
