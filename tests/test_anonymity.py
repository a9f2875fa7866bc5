"""Employee privacy rules: minimum group size, the subtraction (residual) rule, whole-tree decisions."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicechain.analysis.anonymity import (
    REASONS,
    OrgTree,
    apply_privacy,
    comments_allowed,
    suppression_reasons,
)

Parents = dict[int, int | None]


def rollup(parent: Mapping[int, int | None], direct: Mapping[int, int]) -> dict[int, int]:
    """Rollup n: a unit's direct answers plus those of every unit below it."""
    n = dict.fromkeys(parent, 0)
    for unit, count in direct.items():
        node: int | None = unit
        while node is not None:
            n[node] += count
            node = parent[node]
    return n


def subtree(parent: Mapping[int, int | None], unit: int) -> set[int]:
    return {u for u in parent if unit in ancestors(parent, u) or u == unit}


def ancestors(parent: Mapping[int, int | None], unit: int) -> list[int]:
    out, node = [], parent[unit]
    while node is not None:
        out.append(node)
        node = parent[node]
    return out


def maximal_shown(parent: Parents, shown: set[int], g: int) -> list[int]:
    """Shown units below g with no shown unit strictly between them and g."""
    nearest = {d: next((a for a in ancestors(parent, d) if a in shown), None) for d in shown}
    return sorted(d for d in shown if nearest[d] == g)


def violations(parent: Parents, n: Mapping[int, int], reasons: Mapping[int, str | None], t: int) -> list[int]:
    """Reportable units whose residual, taken straight from the definition, is in 1..t-1."""
    shown = {u for u, r in reasons.items() if r is None}
    residual = {g: n.get(g, 0) - sum(n.get(d, 0) for d in maximal_shown(parent, shown, g)) for g in shown}
    return sorted(g for g in shown if 0 < residual[g] < t)


def reference_reasons(parent: Parents, n: Mapping[int, int], t: int) -> dict[int, str | None]:
    """The rule as stated, slowly: while some shown unit violates, take the shallowest (then lowest id)
    and hide its maximal shown descendant with the smallest (n, id)."""
    reasons: dict[int, str | None] = {
        u: "no_responses" if n[u] == 0 else "too_few" if n[u] < t else None for u in parent
    }
    while bad := violations(parent, n, reasons, t):
        g = min(bad, key=lambda u: (len(ancestors(parent, u)), u))
        shown = {u for u, r in reasons.items() if r is None}
        reasons[min(maximal_shown(parent, shown, g), key=lambda d: (n[d], d))] = "subtraction"
    return reasons


def small_derivable_group(
    parent: Parents,
    direct: Mapping[int, int],
    reasons: Mapping[int, str | None],
    t: int,
    rng: np.random.Generator,
) -> bool:
    """Brute force: does some {-1, 0, 1} combination of shown subtrees select 1..t-1 answers?"""
    units = list(parent)
    shown = [u for u in units if reasons[u] is None]
    if not shown:
        return False
    sets = np.array([[u in subtree(parent, g) for u in units] for g in shown], dtype=np.int64)
    if len(shown) <= 9:
        coefficients = np.array(list(itertools.product((-1, 0, 1), repeat=len(shown))), dtype=np.int64)
    else:
        coefficients = rng.integers(-1, 2, size=(20_000, len(shown)))
    vectors = coefficients @ sets
    indicator = ((vectors == 0) | (vectors == 1)).all(axis=1)
    totals = vectors[indicator] @ np.array([direct.get(u, 0) for u in units])
    return bool(((totals > 0) & (totals < t)).any())


# --- hand-made trees -------------------------------------------------------------------------------


def test_team_of_three_under_store_of_twenty_is_too_few() -> None:
    parent: Parents = {1: None, 2: 1}
    assert suppression_reasons(parent, {1: 20, 2: 3}, 5) == {1: None, 2: "too_few"}


def test_store_with_two_direct_answers_hides_one_team_for_subtraction() -> None:
    parent: Parents = {10: None, 12: 10, 11: 10}
    # store residual 20 - 9 - 9 = 2: hide the smallest team, tie broken by the lower unit id
    assert suppression_reasons(parent, {10: 20, 11: 9, 12: 9}, 5) == {10: None, 11: "subtraction", 12: None}
    # the smaller team goes first, whatever its id
    assert suppression_reasons(parent, {10: 19, 11: 9, 12: 8}, 5) == {10: None, 11: None, 12: "subtraction"}


def test_hidden_child_exposes_grandchildren_until_fixed_point() -> None:
    parent: Parents = {1: None, 2: 1, 3: 2, 4: 2}
    n = rollup(parent, {1: 2, 3: 5, 4: 5})  # parent 12, child 10 (no direct answers), grandchildren 5 + 5
    reasons = suppression_reasons(parent, n, 5)
    # hiding the child leaves the residual at 2 (its own residual is 0), so a grandchild goes too
    assert reasons == {1: None, 2: "subtraction", 3: "subtraction", 4: None}
    assert violations(parent, n, reasons, 5) == []
    assert not small_derivable_group(parent, {1: 2, 3: 5, 4: 5}, reasons, 5, np.random.default_rng(0))


def test_brute_force_check_catches_the_attack_the_rule_prevents() -> None:
    parent: Parents = {1: None, 2: 1, 3: 1}
    direct = {1: 2, 2: 9, 3: 9}
    size_only = {1: None, 2: None, 3: None}
    assert small_derivable_group(parent, direct, size_only, 5, np.random.default_rng(0))
    assert violations(parent, rollup(parent, direct), size_only, 5) == [1]


def test_several_roots_are_independent() -> None:
    parent: Parents = {1: None, 2: 1, 3: 1, 7: None, 8: 7, 9: None}
    n = {1: 20, 2: 9, 3: 9, 7: 12, 8: 12, 9: 4}
    assert suppression_reasons(parent, n, 5) == {
        1: None,
        2: "subtraction",
        3: None,
        7: None,
        8: None,
        9: "too_few",
    }


def test_zero_and_missing_counts_mean_no_responses() -> None:
    parent: Parents = {1: None, 2: 1, 3: 1}
    assert suppression_reasons(parent, {1: 6, 2: 0}, 5) == {1: None, 2: "no_responses", 3: "no_responses"}


def test_threshold_is_a_parameter() -> None:
    parent: Parents = {1: None, 2: 1}
    assert suppression_reasons(parent, {1: 8, 2: 4}, 3) == {1: None, 2: None}
    assert suppression_reasons(parent, {1: 8, 2: 4}, 5) == {1: None, 2: "too_few"}
    assert suppression_reasons(parent, {1: 8, 2: 4}, 10) == {1: "too_few", 2: "too_few"}


def test_long_chain_with_one_answer_per_level_shows_every_fifth_level() -> None:
    parent: Parents = {0: None} | {i: i - 1 for i in range(1, 5000)}
    n = {i: 5000 - i for i in range(5000)}  # one direct answer per level
    reasons = OrgTree(parent).suppression_reasons(n, 5)
    assert [reasons[i] for i in range(4996, 5000)] == ["too_few"] * 4
    assert all((reasons[i] is None) == (i % 5 == 0) for i in range(4996))
    assert {reasons[i] for i in range(4996) if i % 5} == {"subtraction"}


def test_comments_need_ten_respondents() -> None:
    assert not comments_allowed(9)
    assert comments_allowed(10)
    assert not comments_allowed(0, comment_threshold=0)
    assert comments_allowed(7, comment_threshold=7)


def test_reason_texts_cover_every_code_in_both_languages() -> None:
    assert set(REASONS) == {"no_responses", "too_few", "subtraction"}
    assert REASONS["too_few"]["en"].format(threshold=5) == "fewer than 5 responses"
    assert REASONS["too_few"]["nl"].format(threshold=5) == "minder dan 5 reacties"
    assert all(set(texts) == {"en", "nl"} for texts in REASONS.values())


def _table() -> tuple[OrgTree, pd.DataFrame]:
    tree = OrgTree({1: None, 2: 1, 3: 1})
    rows = [
        ("2024", "eng", 1, 20, 4.1),
        ("2024", "eng", 2, 9, 3.9),
        ("2024", "eng", 3, 9, 4.4),
        ("2024", "pride", 1, 20, 3.0),
        ("2024", "pride", 2, 16, 3.1),
        ("2024", "pride", 3, 4, 2.0),
    ]
    return tree, pd.DataFrame(rows, columns=["period", "measure", "unit_id", "n", "mean"])


def test_apply_privacy_blanks_suppressed_rows_and_keeps_the_rest() -> None:
    tree, table = _table()
    table["label"] = list("abcdef")
    out = apply_privacy(table, tree, 5, blank=["mean"])
    assert out["suppressed"].tolist() == [False, True, False, False, True, True]
    assert out["suppressed_reason"].tolist() == [None, "subtraction", None, None, "subtraction", "too_few"]
    assert out["mean"].isna().tolist() == out["suppressed"].tolist()
    assert out["n"].isna().tolist() == out["suppressed"].tolist()
    kept = ~out["suppressed"]
    assert out.loc[kept, "mean"].tolist() == table.loc[kept, "mean"].tolist()
    assert out.loc[kept, "n"].tolist() == table.loc[kept, "n"].tolist()
    assert out["label"].tolist() == list("abcdef")  # not in blank
    assert table["n"].notna().all() and "suppressed" not in table  # input untouched


def test_apply_privacy_threshold_per_period() -> None:
    tree = OrgTree({1: None, 2: 1})
    table = pd.DataFrame(
        {
            "period": ["2024", "2024", "2025", "2025"],
            "measure": "eng",
            "unit_id": [1, 2, 1, 2],
            "n": [8, 4, 8, 4],
        }
    )
    out = apply_privacy(table, tree, {"2024": 3, "2025": 5}, blank=[])
    assert out["suppressed_reason"].tolist() == [None, None, None, "too_few"]
    with pytest.raises(ValueError, match="no threshold for period '2025'"):
        apply_privacy(table, tree, {"2024": 3}, blank=[])
    with pytest.raises(ValueError, match="needs 'period'"):
        apply_privacy(table, tree, {"2024": 3}, group_by=["measure"], blank=[])


def test_apply_privacy_uses_the_whole_tree_for_absent_units() -> None:
    tree, table = _table()
    # unit 3 has no row: it counts as n = 0, so store 20 - team 9 leaves 11 and nothing is hidden
    eng = table[(table["measure"] == "eng") & (table["unit_id"] != 3)]
    out = apply_privacy(eng, tree, 5, blank=["mean"])
    assert not out["suppressed"].any()


@pytest.mark.parametrize(
    ("parent", "match"),
    [({1: None, 2: 7}, "parent 7"), ({1: 2, 2: 1, 3: None}, "cycle"), ({1: 1}, "cycle")],
)
def test_bad_trees_are_refused(parent: Parents, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        OrgTree(parent)


@pytest.mark.parametrize(
    ("n", "threshold", "match"),
    [
        ({1: 5, 2: 6}, 5, "children have 6 answers"),
        ({1: 5, 2: -1}, 5, "negative count for unit 2"),
        ({1: 5, 9: 1}, 5, "unit 9 has a count but is not in the tree"),
        ({1: 5}, 0, "positive integer"),
    ],
)
def test_bad_counts_are_refused(n: dict[int, int], threshold: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        suppression_reasons({1: None, 2: 1}, n, threshold)


def test_bad_tables_are_refused() -> None:
    tree, table = _table()
    with pytest.raises(ValueError, match=r"units not in the tree: \[99\]"):
        apply_privacy(table.assign(unit_id=[1, 2, 3, 1, 2, 99]), tree, 5, blank=[])
    with pytest.raises(ValueError, match="more than one row"):
        apply_privacy(pd.concat([table, table.iloc[:1]]), tree, 5, blank=[])
    with pytest.raises(ValueError, match="lacks columns"):
        apply_privacy(table, tree, 5, blank=["sd"])
    with pytest.raises(ValueError, match="whole numbers"):
        apply_privacy(table.assign(n=table["n"] + 0.5), tree, 5, blank=[])
    with pytest.raises(ValueError, match="children have"):
        apply_privacy(table[table["unit_id"] != 1], tree, 5, blank=[])  # filtered before: store n = 0


# --- properties on random trees --------------------------------------------------------------------


@st.composite
def surveys(draw: st.DrawFn) -> tuple[Parents, dict[int, int], int]:
    """A random forest of 1..12 units (ids out of tree order), direct counts 0..15 and a threshold."""
    size = draw(st.integers(1, 12))
    ids = draw(st.lists(st.integers(0, 999), min_size=size, max_size=size, unique=True))
    parent: Parents = {ids[0]: None}
    for i in range(1, size):
        up = draw(st.integers(-1, i - 1))  # -1: another root
        parent[ids[i]] = None if up < 0 else ids[up]
    direct = {u: draw(st.integers(0, 15)) for u in ids}
    return parent, direct, draw(st.integers(3, 10))


@settings(max_examples=200, deadline=None)
@given(surveys())
def test_shown_groups_are_large_and_no_combination_isolates_a_small_group(
    survey: tuple[Parents, dict[int, int], int],
) -> None:
    parent, direct, t = survey
    n = rollup(parent, direct)
    reasons = suppression_reasons(parent, n, t)
    for unit, reason in reasons.items():
        expected_size_reason = "no_responses" if n[unit] == 0 else "too_few" if n[unit] < t else None
        if expected_size_reason is not None:
            assert reason == expected_size_reason
        else:
            assert reason in (None, "subtraction")
    assert all(n[u] >= t for u, r in reasons.items() if r is None)  # (a)
    assert violations(parent, n, reasons, t) == []  # fixed point of the residual rule
    assert reasons == reference_reasons(parent, n, t)
    assert not small_derivable_group(parent, direct, reasons, t, np.random.default_rng(0))  # (b)
    # roots that are large enough are never hidden; nothing is hidden for subtraction without need
    assert all(reasons[u] is None for u in parent if parent[u] is None and n[u] >= t)
    size_only = {u: None if n[u] >= t else "too_few" for u in parent}
    if not violations(parent, n, size_only, t):
        assert "subtraction" not in reasons.values()


@settings(max_examples=60, deadline=None)
@given(surveys(), st.data())
def test_filtering_after_the_whole_tree_decision_shows_only_safe_rows(
    survey: tuple[Parents, dict[int, int], int], data: st.DataObject
) -> None:
    parent, direct, t = survey
    other = {u: data.draw(st.integers(0, 15)) for u in parent}
    tree = OrgTree(parent)
    frames, expected = [], {}
    for measure, counts in (("eng", direct), ("pride", other)):
        n = rollup(parent, counts)
        for unit, reason in tree.suppression_reasons(n, t).items():
            expected[(measure, unit)] = reason
        rows = [u for u in parent if n[u] > 0 or data.draw(st.booleans())]  # some empty units have no row
        frames.append(
            pd.DataFrame({"period": "2025", "measure": measure, "unit_id": rows, "n": [n[u] for u in rows]})
        )
    table = pd.concat(frames, ignore_index=True)
    table["mean"] = np.linspace(1, 5, len(table))
    full = apply_privacy(table, tree, t, blank=["mean"])
    selected = data.draw(st.sets(st.sampled_from(list(parent))))  # (c) a random filter, after the decision
    shown = full[full["unit_id"].isin(selected)]
    for row in shown.to_dict("records"):
        assert row["suppressed_reason"] == expected[(row["measure"], row["unit_id"])]
        assert row["suppressed"] == (row["suppressed_reason"] is not None)
        assert pd.isna(row["n"]) if row["suppressed"] else row["n"] >= t
        assert pd.isna(row["mean"]) == row["suppressed"]
    # (d) deterministic, also when the tree and the counts are given in another order
    assert apply_privacy(table, tree, t, blank=["mean"]).equals(full)
    shuffled = dict(reversed(list(parent.items())))
    again = apply_privacy(table.iloc[::-1], OrgTree(shuffled), t, blank=["mean"]).iloc[::-1]
    assert again.equals(full)
