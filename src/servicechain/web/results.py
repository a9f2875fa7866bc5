"""The newest snapshot of precomputed results, held in memory by the web application.

Each request asks the store for the newest snapshot id (one indexed row); when it changed,
the snapshot is read once (unit results, report documents) and indexed per unit, so
pages slice a few hundred rows in memory instead of scanning responses.
"""

from __future__ import annotations

import atexit
import gc
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.analysis.snapshot import SnapshotInfo, latest_snapshot, read_document, read_scorecard
from servicechain.analysis.units import read_units
from servicechain.store import Store, schema

MEMO_SIZE = 512


@dataclass
class Results:
    """One snapshot, ready to slice: scorecard rows by unit, units by code, documents."""

    snapshot: SnapshotInfo
    units: pd.DataFrame
    """Indexed by ``unit_code``: ``unit_id, unit_name, level, parent_id, depth, path, manager``."""
    scorecard: pd.DataFrame
    measures: dict[str, dict[str, Any]]
    reports: dict[str, dict[str, Any]]
    review_aspects: pd.DataFrame
    periods: list[str]
    documents: dict[str, Any]
    """Smaller documents by key (``anonymity``: the thresholds the snapshot was built with; ``text``:
    what people write, :func:`servicechain.analysis.text_summary.text_document`)."""
    by_unit: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Rows ``start:stop`` of the scorecard (sorted by unit) per unit id."""
    by_period: dict[str, pd.DataFrame] = field(default_factory=dict)
    _records: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    _memo: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    _derived: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per snapshot for ``key``: whole pages' data, which depend on nothing
        but the snapshot, the language and the caller's scope. At most :data:`MEMO_SIZE` pages
        are kept, the least recently used go first. Safe under concurrent requests (two first
        requests of one page may both compute it; one result is kept)."""
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value

    def derived(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per snapshot for a small derived table several pages share (kept
        for the snapshot's life, apart from the page memo)."""
        with self._memo_lock:
            if key in self._derived:
                return self._derived[key]
        value = compute()
        with self._memo_lock:
            return self._derived.setdefault(key, value)

    @property
    def period(self) -> str | None:
        """The newest period with results."""
        return self.periods[-1] if self.periods else None

    def unit_rows(self, unit_id: int) -> pd.DataFrame:
        """The scorecard rows of one unit (every period and measure)."""
        start, stop = self.by_unit.get(unit_id, (0, 0))
        return self.scorecard.iloc[start:stop]

    def records(self, unit_id: int) -> list[dict[str, Any]]:
        """The scorecard rows of one unit as plain dicts (NaN as None), sorted by period."""
        cached = self._records.get(unit_id)
        if cached is None:
            cached = plain_records(self.unit_rows(unit_id))  # sorted by period and measure on load
            if len(self._records) >= 1024:  # a bounded cache: a crawl over all units stays small
                self._records.clear()
            self._records[unit_id] = cached
        return cached

    def period_rows(self, period: str) -> pd.DataFrame:
        """Every unit's rows of one period."""
        return self.by_period.get(period, self.scorecard.iloc[0:0])

    def label(self, measure: str, language: str) -> str:
        """The measure's name in ``language``."""
        return str(self.measures.get(measure, {}).get(language, measure))

    def code_of(self, unit_id: int) -> str:
        """The code of a unit id."""
        return str(self._codes[unit_id])

    def __post_init__(self) -> None:
        self._codes = pd.Series(self.units.index, index=self.units["unit_id"])


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values, missing values as None."""
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in records]


def _managers(store: Store) -> dict[int, str]:
    """Per unit: the e-mail address of its unit or regional manager account, if there is one."""
    users = schema.app_user
    query = sa.select(users.c.unit_id, users.c.email).where(
        users.c.role.in_(["unit-manager", "regional-manager"]), users.c.disabled_at.is_(None)
    )
    with store.engine.connect() as connection:
        return {int(row.unit_id): row.email for row in connection.execute(query.order_by(users.c.id))}


def load(store: Store, snapshot: SnapshotInfo) -> Results:
    """Read one snapshot into memory."""
    units = read_units(store)
    managers = _managers(store)
    units["manager"] = units["unit_id"].map(managers)
    scorecard = read_scorecard(store, snapshot.id).sort_values(
        ["unit_id", "period", "measure"], ignore_index=True
    )
    scorecard["suppressed"] = scorecard["suppressed"].astype(bool)
    scorecard["n"] = scorecard["n"].astype("Int64")
    aspects = pd.DataFrame(read_document(store, snapshot.id, "review_aspects") or [])
    reports = {lang: read_document(store, snapshot.id, f"report:{lang}") or {} for lang in ("nl", "en")}
    results = Results(
        snapshot=snapshot,
        units=units.set_index("unit_code", drop=False),
        scorecard=scorecard,
        measures=read_document(store, snapshot.id, "measures") or {},
        reports=reports,
        review_aspects=aspects,
        periods=sorted(scorecard["period"].unique().tolist()),
        documents={
            "anonymity": read_document(store, snapshot.id, "anonymity"),
            "text": read_document(store, snapshot.id, "text") or {},
        },
    )
    ids = scorecard["unit_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    stops = np.r_[starts[1:], len(ids)]
    results.by_unit = (
        {int(ids[a]): (int(a), int(b)) for a, b in zip(starts, stops, strict=True)} if len(ids) else {}
    )
    results.by_period = {str(period): rows for period, rows in scorecard.groupby("period", sort=False)}
    return results


class ResultsCache:
    """The newest snapshot for a running application (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: Results | None = None
        self._unfreeze_at_exit = False

    def get(self, store: Store) -> Results | None:
        """The newest snapshot's results (None before the first refresh)."""
        info = latest_snapshot(store)
        if info is None:
            return None
        current = self._results
        if current is not None and current.snapshot.id == info.id:
            return current
        with self._lock:
            if self._results is None or self._results.snapshot.id != info.id:
                self._results = None  # the old snapshot can go before the new one is read
                gc.unfreeze()
                gc.collect()
                self._results = load(store, info)
                gc.freeze()  # the snapshot lives long: keep its objects out of every later collection
                if not self._unfreeze_at_exit:  # so that native objects are released at exit
                    atexit.register(gc.unfreeze)
                    self._unfreeze_at_exit = True
            return self._results

    def forget(self) -> None:
        """Drop the cached snapshot (the next request reads the newest one again)."""
        self._results = None
