"""Incentive rules: the rules file and its errors, the interval of a shrunk value against a reference
computation, and one small store with fixed numbers worked out by hand, on both engines."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from statsmodels.stats.meta_analysis import combine_effects

from servicechain.act.incentive_rules import IncentiveRule, RuleError, load_rules
from servicechain.act.incentive_texts import explain, export_rows, to_csv
from servicechain.act.incentives import IncentiveRefused, evaluate, judge, shrunk_intervals
from servicechain.store import Store, schema

Z = 1.959963984540054


def threshold_rule(**more: object) -> IncentiveRule:
    values: dict[str, object] = {
        "key": "promotion",
        "kind": "threshold",
        "names": {"nl": "Promotie", "en": "Promotion"},
        "descriptions": {},
        "measure": "ce_index",
        "level": "location",
        "min_n": 20,
        "below_min_n": "benefit_of_doubt",
        "confidence": 0.95,
    } | more
    return IncentiveRule(**values)  # type: ignore[arg-type]


def bonus_rule(**more: object) -> IncentiveRule:
    values: dict[str, object] = {
        "kind": "bonus_share",
        "key": "bonus",
        "weight": 1 / 3,
        "target": 4.15,
        "floor": 3.85,
    } | more
    return threshold_rule(**values)


# ------------------------------------------------------------------------------------ the rules file

BONUS = "- key: a\n  kind: bonus_share\n  name: {nl: A, en: A}\n  measure: nps\n"


def test_the_shipped_rules_load() -> None:
    rules = {rule.key: rule for rule in load_rules()}
    assert set(rules) == {"promotion_ce", "bonus_service"}
    promotion, bonus = rules["promotion_ce"], rules["bonus_service"]
    assert promotion.kind == "threshold" and promotion.threshold is None and promotion.measure == "ce_index"
    assert bonus.kind == "bonus_share" and bonus.measure == "touchpoint_satisfaction"
    assert bonus.weight == pytest.approx(1 / 3, abs=1e-3) and bonus.floor < bonus.target  # type: ignore[operator]
    assert promotion.name("nl") != promotion.name("en") and promotion.description("en")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- key: a\n  kind: threshold\n  name: {nl: A, en: A}\n", "rule 1 (a): measure: Field required"),
        (
            "- key: a\n  kind: lottery\n  name: {nl: A, en: A}\n  measure: nps\n",
            "rule 1 (a): kind: Input should be",
        ),
        (
            f"{BONUS}  weight: 0.5\n  target: 10\n",
            "rule 1 (a): floor: Field required",
        ),
        (
            f"{BONUS}  weight: 0.5\n  target: 10\n  floor: 20\n",
            "rule 1 (a): target: must be above the floor (20)",
        ),
        (
            f"{BONUS}  weight: 1.5\n  target: 1\n  floor: 0\n",
            "rule 1 (a): weight: Input should be less than or equal to 1",
        ),
        (
            "- key: a\n  kind: threshold\n  name: {nl: A, en: A}\n  measure: nps\n  min_n: 1\n",
            "rule 1 (a): min_n: Input should be greater than or equal to 2",
        ),
        (
            "- key: a\n  kind: threshold\n  name: {nl: A, en: A}\n  measure: nps\n  below_min_n: maybe\n",
            "rule 1 (a): below_min_n: Input should be",
        ),
        (
            "- key: a\n  kind: threshold\n  name: {nl: A, en: A}\n  measure: nps\n"
            "- key: a\n  kind: threshold\n  name: {nl: B, en: B}\n  measure: nps\n",
            "rule 2 (a): key: used by an earlier rule already",
        ),
        ("key: a\n", "expected a list of rules"),
        ("- [unclosed\n", "not valid YAML (line 2)"),
    ],
)
def test_a_bad_rules_file_names_the_rule_and_the_field(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as raised:
        load_rules(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert problem in str(raised.value)


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read the incentive rules"):
        load_rules(tmp_path / "nope.yaml")


# ------------------------------------------------------------------ the interval of a shrunk value


def reference_intervals(n: np.ndarray, mean: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same interval from statsmodels' DerSimonian-Laird (an independent implementation):
    ``combine_effects(mean, v, method_re="dl")`` gives tau^2, the random-effects mean and its se."""
    sigma2 = np.sum((n - 1) * n * se**2) / np.sum(n - 1)
    v = sigma2 / n
    pooled = combine_effects(mean, v, method_re="dl")
    tau2, grand, se_grand = pooled.tau2, pooled.mean_effect_re, pooled.sd_eff_w_re
    w = tau2 / (tau2 + v)
    shrunk = grand + w * (mean - grand)
    k = len(mean)
    var = w * v + (1 - w) ** 2 * se_grand**2 + 2 / max(k - 3, 1) * (1 - w) ** 2 * (mean - grand) ** 2
    return shrunk - Z * np.sqrt(var), shrunk + Z * np.sqrt(var)


def test_the_interval_agrees_with_a_reference_computation() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(5, 200, size=40).astype(float)
    truth = rng.normal(3.8, 0.2, size=40)
    sd = rng.uniform(0.6, 1.0, size=40)
    mean = truth + rng.normal(0, sd / np.sqrt(n))
    se = sd / np.sqrt(n)
    found = shrunk_intervals(n, mean, se)
    low, high = reference_intervals(n, mean, se)
    assert found["low"].to_numpy() == pytest.approx(low, abs=1e-9)
    assert found["high"].to_numpy() == pytest.approx(high, abs=1e-9)
    assert found["tau2"].iloc[0] > 0 and (found["weight"] < 1).all()


def test_units_without_answers_have_no_interval_and_one_unit_is_not_shrunk() -> None:
    found = shrunk_intervals([25, None, 0], [4.0, None, None], [0.1, None, None])
    assert math.isnan(found["low"].iloc[1]) and math.isnan(found["low"].iloc[2])
    assert found["weight"].iloc[0] == 1.0 and found["shrunk"].iloc[0] == 4.0
    assert found["high"].iloc[0] - 4.0 == pytest.approx(Z * 0.1)  # sigma^2 / n = se^2 with one unit


# ------------------------------------------------------------ a small store with fixed numbers

# Five locations, n = 25 each, se 0.1 (sd 0.5): sigma^2 = 0.25, v = 0.01, means 3.6 .. 4.4 step 0.2.
# Equal weights 1/v = 100: fixed mean 4.0, Q = 100 * (0.16 + 0.04 + 0 + 0.04 + 0.16) = 40,
# c = 500 - 5 * 100^2 / 500 = 400, tau^2 = (40 - 4) / 400 = 0.09, w = 0.09 / 0.1 = 0.9,
# grand mean 4.0 with se^2 = 1 / (5 / 0.1) = 0.02; shrunk = 4 + 0.9 (mean - 4): 3.64, 3.82, 4.0, 4.18, 4.36.
# s^2 = 0.9 * 0.01 + 0.01 * 0.02 + 2 / (5 - 3) * 0.01 * (mean - 4)^2 = 0.0092 + 0.01 (mean - 4)^2:
# 0.0108, 0.0096, 0.0092, 0.0096, 0.0108. The company's value is 4.05 (n = 125).
MEANS = {"L-A": 3.6, "L-B": 3.8, "L-C": 4.0, "L-D": 4.2, "L-E": 4.4}
SHRUNK = {"L-A": 3.64, "L-B": 3.82, "L-C": 4.0, "L-D": 4.18, "L-E": 4.36}
VARIANCE = {"L-A": 0.0108, "L-B": 0.0096, "L-C": 0.0092, "L-D": 0.0096, "L-E": 0.0108}
PERIOD = "2026-Q1"


def fill_store(store: Store) -> None:
    """A company, a region, six locations (L-F without answers; L-E without a manager) and a snapshot."""
    units = [
        (1, "NL", "Bedrijf", "company", None, "E1", 0, "/1/"),
        (2, "R", "Regio", "region", 1, "E2", 1, "/1/2/"),
    ]
    for number, code in enumerate([*MEANS, "L-F"], start=3):
        manager = None if code == "L-E" else f"E{number}"
        units.append((number, code, f"Winkel {code[-1]}", "location", 2, manager, 2, f"/1/2/{number}/"))
    keys = ("id", "code", "name", "kind", "parent_id", "manager_employee_code", "depth", "path")
    people = [
        {
            "id": number,
            "code": f"E{number}",
            "unit_id": number,
            "role": "manager",
            "is_manager": True,
            "customer_facing": False,
            "first_name": f"Voor{number}",
            "last_name": f"Achter{number}",
        }
        for number in range(1, 9)
        if number != 7
    ]
    measures = {
        "ce_index": {
            "nl": "Klantbetrokkenheid",
            "en": "Customer engagement",
            "source": "customer",
            "kind": "score",
            "scale_min": 1,
            "scale_max": 5,
            "higher_is_better": True,
        }
    }
    base = {
        "snapshot_id": 7,
        "period": PERIOD,
        "measure": "ce_index",
        "source": "customer",
        "percentile": None,
        "flag": None,
        "suppressed": False,
        "suppressed_reason": None,
        "ci_low": None,
        "ci_high": None,
    }
    rows = [base | {"unit_id": 1, "level": "company", "n": 125, "mean": 4.05, "se": 0.045, "shrunk": 4.05}]
    for number, code in enumerate(MEANS, start=3):
        rows.append(
            base
            | {
                "unit_id": number,
                "level": "location",
                "n": 25,
                "mean": MEANS[code],
                "se": 0.1,
                "shrunk": SHRUNK[code],
            }
        )
    with store.transaction() as connection:
        connection.execute(schema.org_unit.insert(), [dict(zip(keys, unit, strict=True)) for unit in units])
        connection.execute(schema.employee.insert(), people)
        connection.execute(
            schema.result_snapshot.insert().values(
                id=7, built_at=datetime(2026, 4, 2), import_id=0, seconds=1.0
            )
        )
        connection.execute(
            schema.result_document.insert().values(snapshot_id=7, key="measures", body=json.dumps(measures))
        )
        connection.execute(schema.result_scorecard.insert(), rows)


def interval(code: str) -> tuple[float, float]:
    half = Z * math.sqrt(VARIANCE[code])
    return SHRUNK[code] - half, SHRUNK[code] + half


def test_a_threshold_rule_worked_out_by_hand(store: Store) -> None:
    fill_store(store)
    evaluation = evaluate(store, threshold_rule())
    assert evaluation.period == PERIOD and evaluation.reference == pytest.approx(4.05)
    found = {v.unit_code: v for v in evaluation.verdicts}
    assert [v.unit_code for v in evaluation.verdicts] == ["L-E", "L-D", "L-C", "L-B", "L-A", "L-F"]
    for code in MEANS:
        assert (found[code].low, found[code].high) == pytest.approx(interval(code), abs=1e-9)
    # A: high 3.844 < 4.05, B: high 4.012 < 4.05: below beyond chance; C (3.812-4.188) and D (3.988-4.372)
    # contain 4.05; E: low 4.156 >= 4.05; F has no answers: not assessed, benefit of the doubt
    outcomes = {code: (v.outcome, v.eligible) for code, v in found.items()}
    assert outcomes == {
        "L-A": ("not_met", False),
        "L-B": ("not_met", False),
        "L-C": ("met_within_noise", True),
        "L-D": ("met_within_noise", True),
        "L-E": ("met", True),
        "L-F": ("not_assessed", True),
    }
    assert explain(found["L-C"], evaluation) == (
        "Winkel C (manager Voor5 Achter5): Customer engagement, shrunk 4.00 (95% interval 3.81–4.19, n = 25) "
        "against the company mean 4.05: the interval contains it, so the difference may be chance: eligible "
        "(benefit of the doubt)."
    )
    assert explain(found["L-A"], evaluation).endswith(
        "the whole interval lies below it, so the shortfall is not chance: not eligible."
    )
    assert explain(found["L-E"], evaluation).startswith(
        "Winkel E (no manager on record): Customer engagement"
    )
    assert "no value that may be shown in 2026-Q1: not assessed; counts as eligible" in explain(
        found["L-F"], evaluation
    )
    assert "3,81–4,19" in explain(found["L-C"], evaluation, "nl"), "Dutch numbers have a decimal comma"


def test_a_bonus_rule_worked_out_by_hand(store: Store) -> None:
    fill_store(store)
    evaluation = evaluate(store, bonus_rule(below_min_n="hold"))
    found = {v.unit_code: v for v in evaluation.verdicts}
    top_b = interval("L-B")[1]  # 4.012: attainment (4.012 - 3.85) / (4.15 - 3.85) = 0.540
    assert found["L-B"].outcome == "partly_met"
    assert found["L-B"].attainment == pytest.approx((top_b - 3.85) / 0.30) == pytest.approx(0.5401, abs=1e-3)
    assert found["L-B"].payout == pytest.approx(found["L-B"].attainment / 3)  # type: ignore[operator]
    assert (found["L-A"].outcome, found["L-A"].attainment, found["L-A"].payout) == ("not_met", 0.0, 0.0)
    for code in ("L-C", "L-D"):  # the interval reaches the target: full attainment
        assert (found[code].outcome, found[code].attainment) == ("met_within_noise", 1.0)
    assert (found["L-E"].outcome, found["L-E"].attainment) == ("met", 1.0)  # low 4.156 >= 4.15
    assert (found["L-F"].outcome, found["L-F"].attainment, found["L-F"].payout) == (
        "not_assessed",
        None,
        None,
    )
    assert explain(found["L-B"], evaluation).endswith(
        "against the target 4.15 (floor 3.85): the whole interval lies below the target; read at the top of "
        "the interval (4.01), attainment is 54%: 18% of the bonus potential."
    )
    assert explain(found["L-F"], evaluation).endswith("not assessed; held: HR decides.")
    assert explain(found["L-D"], evaluation).endswith(
        "full attainment, 33% of the bonus potential (benefit of the doubt)."
    )
    rows = export_rows([evaluation])
    assert [row["unit_code"] for row in rows] == ["L-E", "L-D", "L-C", "L-B", "L-A", "L-F"]
    csv_text = to_csv(rows)
    assert csv_text.splitlines()[0].startswith("period,rule,rule_kind,unit_code,unit_name,manager_code")
    assert ",L-F,Winkel F,E8,Voor8,Achter8,ce_index,,,,,,0.95,4.15,not_assessed,no_value,,,," in csv_text


def test_a_fixed_threshold_and_too_few_answers(store: Store) -> None:
    fill_store(store)
    strict = evaluate(store, threshold_rule(threshold=3.4))  # A: low 3.436
    assert strict.reference == 3.4 and all(v.outcome == "met" for v in strict.verdicts[:5])
    few = evaluate(store, threshold_rule(min_n=30, below_min_n="hold"))
    assert {(v.outcome, v.reason, v.eligible) for v in few.verdicts[:5]} == {
        ("not_assessed", "too_few", None)
    }
    assert (
        "only 25 answers in 2026-Q1, fewer than the rule's minimum of 30: not assessed; held: HR decides."
        in (explain(few.verdicts[0], few))
    )


def test_judge_never_takes_away_what_the_interval_cannot_rule_out() -> None:
    rule = bonus_rule()
    for low, high in ((3.0, 4.15), (4.149, 4.5), (4.15, 4.2)):
        assert judge(rule, 100, (low + high) / 2, low, high, 4.15)["attainment"] == 1.0
    assert judge(rule, 100, 3.9, 3.8, 4.1499, 4.15)["outcome"] == "partly_met"
    assert judge(threshold_rule(), 100, 3.9, 3.8, 4.0, 4.0)["outcome"] == "met_within_noise"
    assert judge(threshold_rule(), 100, 3.9, 3.8, 3.9999, 4.0)["eligible"] is False


def test_refusals_name_the_problem(store: Store) -> None:
    with pytest.raises(IncentiveRefused, match="no results yet"):
        evaluate(store, threshold_rule())
    fill_store(store)
    with pytest.raises(IncentiveRefused, match="periods with results: 2026-Q1"):
        evaluate(store, threshold_rule(), "2019-Q1")
    with pytest.raises(IncentiveRefused, match="names nps, which is not a measure of the scorecard"):
        evaluate(store, threshold_rule(measure="nps"))
    with pytest.raises(IncentiveRefused, match="units of level team, and the organisation has none"):
        evaluate(store, threshold_rule(level="team"))
    company = schema.result_scorecard.c.level == "company"
    with store.transaction() as connection:  # no company value: nobody is judged (nor passed) without it
        connection.execute(sa.update(schema.result_scorecard).where(company).values(mean=None))
    with pytest.raises(IncentiveRefused, match="there is none for 2026-Q1"):
        evaluate(store, threshold_rule())
    with store.transaction() as connection:
        connection.execute(
            sa.update(schema.result_document).values(
                body=json.dumps(
                    {"ce_index": {"nl": "x", "en": "x", "kind": "share", "higher_is_better": False}}
                )
            )
        )
    with pytest.raises(IncentiveRefused, match="where lower is better"):
        evaluate(store, threshold_rule())


def test_the_default_period_is_the_newest_ended_one() -> None:
    """A quarter still running (its first answers just collected) is not judged by default."""
    from datetime import date

    from servicechain.act.incentives import default_period

    periods = ["2026-Q2", "2026-Q3", "2026-Q4"]
    assert default_period(periods, date(2026, 11, 23)) == "2026-Q3"
    assert default_period(periods, date(2027, 1, 1)) == "2026-Q4"
    assert default_period(["2026-Q4"], date(2026, 11, 23)) == "2026-Q4"  # none ended: the newest
    assert default_period(["2026", "2026-Q4"], date(2026, 10, 1)) == "2026"  # not a quarter: ended
    assert default_period([], date(2026, 11, 23)) is None


def test_the_csv_export_does_not_let_a_spreadsheet_run_a_cell() -> None:
    """OWASP CSV injection: a text that starts with =, +, -, @, a tab or a carriage return is written
    with a single quote in front; numbers, also negative ones, stay numbers."""
    import csv
    import io

    from servicechain.act.incentive_texts import EXPORT_COLUMNS
    from servicechain.formats import spreadsheet_safe

    row = dict.fromkeys(EXPORT_COLUMNS, None) | {
        "unit_name": '=HYPERLINK("http://evil.example","klik")',
        "manager_first_name": "+31 6 1234",
        "manager_last_name": "-Jansen",
        "manager_code": "@SUM(A1)",
        "explanation": "\tverborgen",
        "reason": "@@",
        "rule": "promotion",
        "mean": -0.25,
        "shrunk": -3.0,
        "n": -2,
        "eligible": False,
    }
    written = next(csv.DictReader(io.StringIO(to_csv([row]))))
    assert written["unit_name"] == '\'=HYPERLINK("http://evil.example","klik")'
    texts = ("manager_first_name", "manager_last_name", "manager_code", "explanation", "reason", "rule")
    assert [written[key] for key in texts] == [
        "'+31 6 1234", "'-Jansen", "'@SUM(A1)", "'\tverborgen", "'@@", "promotion"]  # fmt: skip
    numbers = ("mean", "shrunk", "n", "eligible")
    assert [written[key] for key in numbers] == ["-0.25", "-3", "-2", "false"], "numbers stay numbers"
    given = (-1, -0.5, None, True, "-1", "a-b", "", "\rx")
    assert [spreadsheet_safe(value) for value in given] == [-1, -0.5, None, True, "'-1", "a-b", "", "'\rx"]


# ------------------------------------------------- the period before, the manager who left, the basis


def add_period(store: Store, period: str, means: dict[str, float]) -> None:
    """Results of the five locations (n = 25, se 0.1) and the company in another period of snapshot 7;
    the stored shrunk values are left empty (recomputed)."""
    base = {"snapshot_id": 7, "period": period, "measure": "ce_index", "source": "customer",
            "suppressed": False, "shrunk": None}  # fmt: skip
    rows = [base | {"unit_id": 1, "level": "company", "n": 125, "mean": 4.05, "se": 0.045}]
    rows += [
        base | {"unit_id": number, "level": "location", "n": 25, "mean": means[code], "se": 0.1}
        for number, code in enumerate(MEANS, start=3)
    ]
    with store.transaction() as connection:
        connection.execute(schema.result_scorecard.insert(), rows)


def test_a_changed_decision_names_the_period_before(store: Store) -> None:
    """L-A (clearly below now) was clearly above in 2025-Q4: the explanation says what it was then, and
    so does the export; L-C (within noise now) was clearly below then and is eligible now; L-E (met
    both times) has no change to report."""
    fill_store(store)
    add_period(store, "2025-Q4", {"L-A": 4.6, "L-B": 3.9, "L-C": 3.5, "L-D": 4.1, "L-E": 4.4})
    evaluation = evaluate(store, threshold_rule(), PERIOD)
    assert evaluation.previous_period == "2025-Q4"
    found = {v.unit_code: v for v in evaluation.verdicts}
    assert found["L-A"].previous is not None and found["L-A"].previous.outcome == "met"
    assert found["L-A"].changed and found["L-A"].outcome == "not_met"
    assert explain(found["L-A"], evaluation).endswith(
        "the shortfall is not chance: not eligible. In 2025-Q4 it was: eligible."
    )
    assert found["L-C"].previous.outcome == "not_met" and found["L-C"].changed  # type: ignore[union-attr]
    assert explain(found["L-C"], evaluation).endswith("In 2025-Q4 it was: not eligible.")
    assert not found["L-E"].changed and "In 2025-Q4" not in explain(found["L-E"], evaluation)
    assert found["L-F"].previous is not None and found["L-F"].previous.outcome == "not_assessed"
    assert not found["L-F"].changed, "benefit of the doubt both times: the same decision"
    rows = {row["unit_code"]: row for row in export_rows([evaluation])}
    assert (rows["L-A"]["previous_period"], rows["L-A"]["previous_outcome"], rows["L-A"]["changed"]) == (
        "2025-Q4",
        "met",
        True,
    )
    assert rows["L-E"]["changed"] is False
    first = evaluate(store, threshold_rule(), "2025-Q4")
    assert first.previous_period is None and all(v.previous is None for v in first.verdicts)
    assert {row["changed"] for row in export_rows([first])} == {None}, "nothing to compare with"


def test_a_bonus_share_that_fell_says_what_it_was(store: Store) -> None:
    fill_store(store)
    add_period(store, "2025-Q4", {"L-A": 4.6, "L-B": 3.9, "L-C": 3.5, "L-D": 4.1, "L-E": 4.4})
    evaluation = evaluate(store, bonus_rule(), PERIOD)
    found = {v.unit_code: v for v in evaluation.verdicts}
    assert found["L-B"].previous is not None and found["L-B"].changed
    text = explain(found["L-B"], evaluation)
    assert text.endswith(f"18% of the bonus potential. In 2025-Q4 it was: {explain_decision(found['L-B'])}.")


def explain_decision(verdict: object) -> str:
    previous = verdict.previous  # type: ignore[attr-defined]
    full = previous.attainment >= 1.0
    share = f"{round(100 * previous.payout)}% of the bonus potential"
    return f"full attainment, {share}" if full else share


def test_the_manager_who_left_is_named_as_such(store: Store) -> None:
    fill_store(store)
    with store.transaction() as connection:
        connection.execute(
            sa.update(schema.employee).where(schema.employee.c.code == "E5").values(left_on=date(2026, 2, 15))
        )
    evaluation = evaluate(store, threshold_rule())
    found = {v.unit_code: v for v in evaluation.verdicts}
    assert found["L-C"].manager_left_on == date(2026, 2, 15)
    assert explain(found["L-C"], evaluation).startswith(
        "Winkel C (manager Voor5 Achter5, left on 2026-02-15):"
    )
    row = next(row for row in export_rows([evaluation]) if row["unit_code"] == "L-C")
    assert next(csv.DictReader(io.StringIO(to_csv([row]))))["manager_left_on"] == "2026-02-15"


def test_a_running_quarter_is_provisional_and_the_export_names_its_basis(store: Store) -> None:
    fill_store(store)
    running = evaluate(store, bonus_rule(), PERIOD, today=date(2026, 3, 10))
    assert running.ended is False
    provisional = "Provisional: 2026-Q1 has not ended yet."
    assert all(explain(v, running).endswith(provisional) for v in running.verdicts)
    ended = evaluate(store, bonus_rule(), today=date(2026, 4, 1))
    assert ended.ended is True and not any("Provisional" in explain(v, ended) for v in ended.verdicts)
    written = {
        row["unit_code"]: row for row in csv.DictReader(io.StringIO(to_csv(export_rows([running, ended]))))
    }
    assert list(next(iter(written.values())))[-17:] == [
        "manager_left_on", "floor", "weight", "min_n", "below_min_n", "period_ended", "previous_period",
        "previous_outcome", "changed", "snapshot_id", "results_built_at",
        "finalised_at", "finalised_by", "changed_since_finalised", "live_outcome", "live_eligible",
        "live_payout_share"]  # fmt: skip
    row = written["L-B"]
    assert row["finalised_at"] == row["finalised_by"] == row["live_outcome"] == "", "not finalised"
    assert (row["floor"], row["weight"], row["min_n"], row["below_min_n"]) == (
        "3.85",
        "0.333333",
        "20",
        "benefit_of_doubt",
    )
    assert (row["snapshot_id"], row["results_built_at"]) == ("7", "2026-04-02T00:00:00")
    rows = list(csv.DictReader(io.StringIO(to_csv(export_rows([running, ended])))))
    assert [row["period_ended"] for row in rows] == ["false"] * 6 + ["true"] * 6
