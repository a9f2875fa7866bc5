"""Respondent-level scoring as Ibis expressions, built from the instrument and its rules.

The scorers (:mod:`.customer`, :mod:`.employee`, :mod:`.touchpoint`) return the scored
rows, the measures, and the aggregations that summarise them per group (``{key}__n``,
``{key}__total``, ``{key}__sq``); this module holds their building blocks. The scoring is
staged so that the database does little work per row: first integer sums and answered
counts per dimension, then the scores (one division each; composites such as attachment
and the CE index add up dimension sums instead of re-reading items), then categories as
small integer codes, counted with ``SUM(condition)`` rather than one 0/1 column each.
Each stage is a subquery; the SQL compiles on every Ibis backend, so scoring runs in the
database next to the rows. Definitions: ``shared/design/domain.md`` (respondent-level
scoring); ``tests/test_metrics_reference.py`` checks them against a plain pandas version.
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir

from servicechain.instruments.model import Instrument, Item
from servicechain.metrics.measures import Measure, Source, share

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


def source(name: Source) -> Source:
    """``name`` typed as a :data:`Source` (for the scorers' literals)."""
    return name
