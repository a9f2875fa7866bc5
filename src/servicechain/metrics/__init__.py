"""The only place that scans raw responses: Ibis expressions pushed down into the store.

:func:`measure_sums` returns, for every unit (rolled up over its subtree), period and
measure, the sufficient statistics ``n``, ``total`` and ``total_sq``. Everything after
that works on this small table (:mod:`servicechain.stats`, :mod:`servicechain.analysis`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from servicechain.instruments import load_default_instruments
from servicechain.metrics.aggregate import LONG_COLUMNS, SOURCES, period_sums
from servicechain.metrics.backend import analytics_backend
from servicechain.metrics.items import ITEM_SCORERS
from servicechain.metrics.measures import Measure, Source
from servicechain.store.engine import Store


def measure_sums(
    store: Store,
    sources: tuple[Source, ...] = ("employee", "customer", "touchpoint"),
    on_step: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Measure]]:
    """Sums per unit, period and measure of each source, and the measures by key.

    ``on_step(description)`` is called before each source's pass (for progress bars).
    """
    instruments = load_default_instruments()
    frames, catalogue = [], {}
    with analytics_backend(store) as analytics:
        for source in sources:
            spec = SOURCES[source]
            if on_step:
                on_step(f"{source} responses")
            long, measures = period_sums(analytics, spec, instruments[spec.instrument])
            frames.append(long)
            catalogue.update({measure.key: measure for measure in measures})
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LONG_COLUMNS)
    # few distinct values in many rows: categories keep grouping and mapping cheap
    table = table.astype({"source": "category", "period": "category", "measure": "category"})
    return table, catalogue


def item_sums(store: Store, sources: tuple[Source, ...] = ("employee", "customer")) -> pd.DataFrame:
    """Sums per unit, period and item, and complete-case sums per dimension (see :mod:`.items`)."""
    instruments = load_default_instruments()
    frames = []
    with analytics_backend(store) as analytics:
        for source in sources:
            spec = replace(SOURCES[source], scorer=ITEM_SCORERS[source])
            frames.append(period_sums(analytics, spec, instruments[spec.instrument])[0])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LONG_COLUMNS)


__all__ = ["LONG_COLUMNS", "Measure", "analytics_backend", "item_sums", "measure_sums"]
