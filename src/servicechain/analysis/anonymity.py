"""Employee privacy: which survey groups may show numbers, decided in one place for every output.

Rules, per survey group (one period and measure). A unit's ``n`` counts the answers in its whole subtree.

* ``n == 0``: nothing to show (``no_responses``); ``0 < n < threshold``: hidden (``too_few``).
* Subtraction. ``M(g)``, g's *maximal reportable descendants*, are the reportable units below g with no
  reportable unit strictly between; ``residual(g) = n(g) - sum of n over M(g)`` must be 0 or
  >= threshold for every reportable g. Otherwise the member of ``M(g)`` with the smallest
  ``(n, unit id)`` is hidden (``subtraction``), its own ``M`` joins ``M(g)``, and so on to a fixed point.
* Decisions use the whole tree, never a filtered view, so filtering the output reveals nothing.

Why this blocks subtraction. Subtrees are laminar (nested or disjoint). Cut the units into *atoms*: per
reportable g, its subtree minus the subtrees of ``M(g)`` (holding ``residual(g)`` answers), plus the
units under no reportable unit. A reportable subtree is the union of its own atom and those of the
reportable units below it, so any integer combination ``sum c_g * 1[subtree g]`` is constant on atoms.
If it is a 0/1 indicator it selects whole atoms of reportable units: its count is a sum of residuals,
each 0 or >= threshold. Sums, proportions and mean * n are linear too, so no difference, union or
intersection of shown groups isolates fewer than ``threshold`` answers.

Algorithm. Before repairs the reportable units are closed upwards (a parent has n >= its child), so
``M(g)`` is g's reportable children and one ``bincount`` gives all residuals. Hiding ``a`` in ``M(g)``
only changes ``residual(g)`` (by ``+residual(a)``). Violators are repaired parents first (pre-order):
g's subtree is then untouched, so its residual is the initial one, and repairs below g never change
``M(g)``. Each step hides one unit, and an empty ``M(g)`` leaves ``residual(g) = n(g) >= threshold``,
so it terminates; each unit enters a heap at most once: O(units log units), and every pre-order gives
the same result (repairs in disjoint subtrees do not interact).

Flaws in the rule as first stated:
1. "Repeat until no violation" leaves the order open and the order changes the result (repairing a
   child first may hide units in vain once the parent hides that child). Pre-order fixes it.
2. Hiding the smallest member need not change the residual (its own residual is 0: parent with 2
   direct answers, child 10 = 5 + 5); the loop goes on with the exposed grandchildren.
3. Comments are texts, not aggregates: store comments minus team comments show what the few other
   store members wrote. ``comments_allowed`` is only the size test; decide comments over the whole
   tree with ``tree.suppression_reasons(n, comment_threshold)`` (None: comments may be shown).
4. The guarantee holds within one group: groups must not share answers of a measure (a quarter minus
   its months reveals a hidden month). Reason codes reveal bounds on counts, never answers.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]

REASONS: dict[str, dict[str, str]] = {
    "no_responses": {"en": "no responses", "nl": "geen reacties"},
    "too_few": {"en": "fewer than {threshold} responses", "nl": "minder dan {threshold} reacties"},
    "subtraction": {
        "en": "hidden so that a smaller group cannot be derived by subtraction",
        "nl": "verborgen zodat een kleinere groep niet door aftrekken te herleiden is",
    },
}
_OK, _EMPTY, _FEW, _SUB = 0, 1, 2, 3
_CODES = np.array([None, "no_responses", "too_few", "subtraction"], dtype=object)


def comments_allowed(n: int, comment_threshold: int = 10) -> bool:
    """Whether a group of ``n`` respondents is large enough to show its comments (see flaw 3)."""
    return n > 0 and n >= comment_threshold


class OrgTree:
    """An organisation tree, built once and reused for many suppression decisions.

    Parameters
    ----------
    parent : Mapping[int, int | None]
        Unit id -> parent id, None for a root (several roots are allowed). ValueError when a parent
        is not a unit of the mapping or the parents form a cycle.
    """

    def __init__(self, parent: Mapping[int, int | None]) -> None:
        self._ids = list(parent)
        self._pos = {unit: i for i, unit in enumerate(self._ids)}
        self._parent = np.full(len(self._ids), -1, dtype=np.intp)
        self._children: list[list[int]] = [[] for _ in self._ids]
        roots = []
        for i, unit in enumerate(self._ids):
            up = parent[unit]
            if up is None:
                roots.append(i)
            elif up not in self._pos:
                raise ValueError(f"unit {unit} has parent {up}, which is not a unit of the tree")
            else:
                self._parent[i] = self._pos[up]
                self._children[self._pos[up]].append(i)
        order: list[int] = []
        stack = roots[::-1]
        while stack:
            i = stack.pop()
            order.append(i)
            stack.extend(reversed(self._children[i]))
        if len(order) != len(self._ids):
            loop = sorted(set(self._ids) - {self._ids[i] for i in order})[:5]
            raise ValueError(f"the parent mapping has a cycle through units {loop}")
        self._rank = np.empty(len(self._ids), dtype=np.intp)
        self._rank[order] = np.arange(len(order))
        self._has_parent = self._parent >= 0
        self.index = pd.Index(self._ids)
        """Unit ids in tree order; ``index.get_indexer(ids)`` gives the positions ``reason_codes`` uses."""

    def __len__(self) -> int:
        return len(self._ids)

    def suppression_reasons(self, n: Mapping[int, int], threshold: int) -> dict[int, str | None]:
        """Unit id -> None when reportable, else the reason code (a key of ``REASONS``).

        ``n`` holds rollup counts; units missing from it have n = 0. Raises ValueError for unknown
        units, negative counts, a parent with fewer answers than its children, or threshold < 1.
        """
        counts = np.zeros(len(self._ids), dtype=np.int64)
        for unit, count in n.items():
            if unit not in self._pos:
                raise ValueError(f"unit {unit} has a count but is not in the tree")
            counts[self._pos[unit]] = count
        return dict(zip(self._ids, _CODES[self.reason_codes(counts, threshold)].tolist(), strict=True))

    def reason_codes(self, n: IntArray, threshold: int) -> IntArray:
        """Vectorised core: ``n`` per unit in ``index`` order -> codes 0 (shown), 1 ``no_responses``,
        2 ``too_few``, 3 ``subtraction``."""
        if len(n) != len(self._ids):
            raise ValueError(f"expected {len(self._ids)} counts, one per unit of the tree, got {len(n)}")
        if threshold < 1 or int(threshold) != threshold:
            raise ValueError(f"threshold must be a positive integer, got {threshold!r}")
        if (n < 0).any():
            raise ValueError(f"negative count for unit {self._ids[int(np.argmax(n < 0))]}")
        size, up = len(n), self._parent[self._has_parent]
        below = np.bincount(up, weights=n[self._has_parent], minlength=size)
        if (below > n).any():
            i = int(np.argmax(below > n))
            raise ValueError(
                f"unit {self._ids[i]} has n={n[i]} but its children have {int(below[i])} answers together; "
                "n must count the whole subtree (rollup)"
            )
        codes = np.where(n == 0, _EMPTY, np.where(n < threshold, _FEW, _OK)).astype(np.int64)
        shown = self._has_parent & (codes == _OK)
        residual = n - np.bincount(self._parent[shown], weights=n[shown], minlength=size).astype(np.int64)
        bad = np.flatnonzero((codes == _OK) & (residual > 0) & (residual < threshold))
        for g in bad[np.argsort(self._rank[bad])].tolist():
            if codes[g] == _OK:
                self._repair(g, int(residual[g]), n, codes, threshold)
        return codes

    def _repair(self, g: int, residual: int, n: IntArray, codes: IntArray, threshold: int) -> None:
        heap = [(int(n[c]), self._ids[c], c) for c in self._children[g] if codes[c] == _OK]
        heapq.heapify(heap)
        while 0 < residual < threshold:
            count, _, hidden = heapq.heappop(heap)
            codes[hidden] = _SUB
            residual += count
            for c in self._children[hidden]:
                if codes[c] == _OK:
                    heapq.heappush(heap, (int(n[c]), self._ids[c], c))
                    residual -= int(n[c])


def suppression_reasons(
    parent: Mapping[int, int | None], n: Mapping[int, int], threshold: int
) -> dict[int, str | None]:
    """One-off ``OrgTree(parent).suppression_reasons(n, threshold)``; build an ``OrgTree`` to reuse."""
    return OrgTree(parent).suppression_reasons(n, threshold)


def apply_privacy(
    table: pd.DataFrame,
    tree: OrgTree,
    threshold: int | Mapping[str, int],
    *,
    group_by: Sequence[str] = ("period", "measure"),
    blank: Sequence[str],
) -> pd.DataFrame:
    """Suppress the rows of ``table`` that may not be shown, deciding per group on the whole tree.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``unit_id`` (all in ``tree``; absent units count as n = 0), ``group_by``, whole-number
        rollup counts ``n`` and ``blank``; one row per unit and group. Pass it whole, filter the result.
    threshold : int or Mapping[str, int]
        Minimum group size, or period -> threshold (then ``period`` must be in ``group_by``).
    blank : sequence of str
        Columns set to missing on suppressed rows; ``n`` always is (it becomes nullable ``Int64``).

    Returns
    -------
    pandas.DataFrame
        A copy with boolean ``suppressed`` and ``suppressed_reason`` (code or None) added.
    """
    keys = list(group_by)
    missing = [c for c in ("unit_id", "n", *keys, *blank) if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}")
    if isinstance(threshold, Mapping) and "period" not in keys:
        raise ValueError("a threshold per period needs 'period' in group_by")
    raw = table["n"].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(raw).any() or (raw != np.round(raw)).any():
        raise ValueError("column n must hold whole numbers without missing values")
    pos = tree.index.get_indexer(pd.Index(table["unit_id"]))
    if (pos < 0).any():
        raise ValueError(f"units not in the tree: {sorted(set(table['unit_id'][pos < 0]))[:5]}")
    if table.duplicated(["unit_id", *keys]).any():
        raise ValueError(f"more than one row per unit and {keys}")
    counts = raw.astype(np.int64)
    group = table.groupby(keys, sort=False, dropna=False).ngroup().to_numpy() if keys else np.zeros(len(pos))
    order = np.argsort(group, kind="stable")
    codes = np.zeros(len(table), dtype=np.int64)
    for rows in np.split(order, np.flatnonzero(np.diff(group[order])) + 1) if len(order) else []:
        limit = threshold
        if isinstance(limit, Mapping):
            if (period := table["period"].iloc[rows[0]]) not in limit:
                raise ValueError(f"no threshold for period {period!r}")
            limit = limit[period]
        full = np.zeros(len(tree), dtype=np.int64)
        full[pos[rows]] = counts[rows]
        codes[rows] = tree.reason_codes(full, int(limit))[pos[rows]]
    out = table.copy()
    suppressed = codes != _OK
    out["suppressed"] = suppressed
    out["suppressed_reason"] = pd.Series(_CODES[codes], index=out.index, dtype=object)
    out["n"] = out["n"].astype("Int64").mask(suppressed)
    for column in blank:
        out[column] = out[column].mask(suppressed)
    return out
