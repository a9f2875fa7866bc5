"""Item-level sums for the reliability and agreement checks (a second pass, for ``analyze``).

Per unit (rolled up), period and item: n, sum and sum of squares of each answer; and per
multi-item dimension the same sums restricted to respondents who answered *every* item
of it, plus the sums of their dimension totals, which is all Cronbach's alpha needs
(:func:`servicechain.stats.cronbach_alpha`). The scorecard does not need this pass.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument
from servicechain.metrics.measures import Measure, Source, score
from servicechain.metrics.respondent import Scored, item_value, score_sums

COMPLETE = "__complete__"
"""Separator in the measure keys of complete-case sums: ``engagement__complete__eng_pride``."""


def _scored_items(source: Source) -> Callable[[ir.Table, Instrument, list[str]], Scored]:
    """A scorer (as in :mod:`respondent`) whose measures are the items and complete-case sums."""

    def scorer(rows: ir.Table, instrument: Instrument, keep: list[str]) -> Scored:
        values: dict[str, ir.Value] = {}
        measures: list[Measure] = []
        for item in instrument.items:
            scale = instrument.scales[item.scale]
            values[item.key] = item_value(rows, instrument, item.key)
            measures.append(score(item.key, source, item.nl, item.en, scale.min, scale.max))
        for dimension in instrument.dimensions:
            items = [item for item in instrument.items if item.dimension == dimension]
            if len(items) < 2 or len({item.scale for item in items}) != 1:
                continue
            answers = [item_value(rows, instrument, item.key) for item in items]
            complete = ibis.and_(*[answer.notnull() for answer in answers])
            for item, answer in zip(items, answers, strict=True):
                key = f"{dimension}{COMPLETE}{item.key}"
                values[key] = ibis.ifelse(complete, answer, ibis.null("int16"))
                measures.append(score(key, source, item.nl, item.en, 0, 0))
            key = f"{dimension}{COMPLETE}total"
            values[key] = ibis.ifelse(complete, sum(answers[1:], answers[0]), ibis.null("int32"))
            measures.append(score(key, source, dimension, dimension, 0, 0))
        scored = rows.select(*keep, **values)
        return scored, measures, score_sums(scored, [measure.key for measure in measures])

    return scorer


ITEM_SCORERS: dict[Source, Callable[[ir.Table, Instrument, list[str]], Scored]] = {
    "employee": _scored_items("employee"),
    "customer": _scored_items("customer"),
    "touchpoint": _scored_items("touchpoint"),
}
