"""Why an incentive rule came out as it did, in words and numbers, and the export for HR.

The sentences are English templates with ``{fields}`` (the web layer marks the same strings
for the Dutch catalogue); :func:`explain` fills them in through a ``translate`` callable
(``servicechain.web.i18n.translator(language)``, or plain English by default) with numbers
formatted for the language (``3,92`` in Dutch).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from servicechain.act.incentives import Evaluation, UnitVerdict
from servicechain.formats import format_number, spreadsheet_safe

Translate = Callable[..., str]

MANAGER = "manager {name}"
MANAGER_LEFT = "manager {name}, left on {date}"
NO_MANAGER = "no manager on record"
HEAD = "{unit} ({who}): {measure}, shrunk {value} ({level}% interval {low}–{high}, n = {n})"
HEAD_FEW = "{unit} ({who}): {measure}, only {n} answers in {period}, fewer than the rule's minimum of {min_n}"
HEAD_NONE = "{unit} ({who}): {measure}, no value that may be shown in {period}"
HEAD_NO_REFERENCE = "{unit} ({who}): {measure}, the company has no value in {period} to compare with"
COMPANY_MEAN = "the company mean {value}"
THRESHOLD = "the threshold {value}"
TARGET = "the target {value} (floor {floor})"
CLEAR_ABOVE = "{head} against {reference}: the whole interval lies at or above it: {decision}."
STRADDLES = (
    "{head} against {reference}: the interval contains it, so the "
    "difference may be chance: {decision} (benefit of the doubt)."
)
CLEAR_BELOW = (
    "{head} against {reference}: the whole interval lies below "
    "it, so the shortfall is not chance: {decision}."
)
PARTLY = (
    "{head} against {reference}: the whole interval lies below the target; read at "
    "the top of the interval ({top}), attainment is {attainment}: {decision}."
)
AT_FLOOR = (
    "{head} against {reference}: even the top of the interval ({top}) is at or below the floor: {decision}."
)
NOT_ASSESSED = "{head}: not assessed; {decision}."
ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not eligible"
PAYOUT = "{payout} of the bonus potential"
FULL = "full attainment, {payout} of the bonus potential"
COUNTS_ELIGIBLE = "counts as eligible (benefit of the doubt)"
COUNTS_FULL = "counts as full attainment (benefit of the doubt), {payout} of the bonus potential"
HELD = "held: HR decides"
CHANGED = "{sentence} In {period} it was: {decision}."
PROVISIONAL = "{sentence} Provisional: {period} has not ended yet."
MESSAGES = (
    MANAGER,
    MANAGER_LEFT,
    CHANGED,
    PROVISIONAL,
    NO_MANAGER,
    HEAD,
    HEAD_FEW,
    HEAD_NONE,
    HEAD_NO_REFERENCE,
    COMPANY_MEAN,
    THRESHOLD,
    TARGET,
    CLEAR_ABOVE,
    STRADDLES,
    CLEAR_BELOW,
    PARTLY,
    AT_FLOOR,
    NOT_ASSESSED,
    ELIGIBLE,
    NOT_ELIGIBLE,
    PAYOUT,
    FULL,
    COUNTS_ELIGIBLE,
    COUNTS_FULL,
    HELD,
)
EXPORT_COLUMNS = [
    "period",
    "rule",
    "rule_kind",
    "unit_code",
    "unit_name",
    "manager_code",
    "manager_first_name",
    "manager_last_name",
    "measure",
    "n",
    "mean",
    "shrunk",
    "interval_low",
    "interval_high",
    "confidence",
    "reference",
    "outcome",
    "reason",
    "eligible",
    "attainment",
    "payout_share",
    "explanation",
    "manager_left_on",
    "floor",
    "weight",
    "min_n",
    "below_min_n",
    "period_ended",
    "previous_period",
    "previous_outcome",
    "changed",
    "snapshot_id",
    "results_built_at",
]
FINAL_COLUMNS = [
    "finalised_at",
    "finalised_by",
    "changed_since_finalised",
    "live_outcome",
    "live_eligible",
    "live_payout_share",
]
"""The export's columns about the frozen record (``act/incentive_decisions.py``): empty while the period
is not finalised; the live outcome only where a later import changed it."""
EXPORT_COLUMNS += FINAL_COLUMNS
"""The HR export's columns: one row per unit (manager) and rule; numbers with a decimal point. The
columns after ``explanation`` came later (a script that reads columns by position keeps working):
the basis of the decision (floor, weight, min_n, the snapshot and when it was built), whether the
period has ended, the previous period's outcome, and the frozen record (:data:`FINAL_COLUMNS`)."""


def english(message: str, **values: Any) -> str:
    """The message itself, with its fields filled in (no catalogue)."""
    return message.format(**values) if values else message


def _percent(value: float | None, language: str) -> str:
    return format_number(None if value is None else 100 * value, language, 0) + "%"


def explain(
    verdict: UnitVerdict, evaluation: Evaluation, language: str = "en", translate: Translate = english
) -> str:
    """One sentence: the unit, its manager, the value with its interval and n, what it was compared
    with, and the outcome with why (in ``language``, through ``translate``); then, when the decision
    differs from the period before, what it was then, and whether the period is still running."""
    _ = translate
    sentence = _sentence(verdict, evaluation, language, translate)
    if verdict.changed:
        assert verdict.previous is not None
        sentence = _(
            CHANGED,
            sentence=sentence,
            period=verdict.previous.period,
            decision=_decision(verdict.previous, evaluation, language, translate),
        )
    if not evaluation.ended:
        sentence = _(PROVISIONAL, sentence=sentence, period=evaluation.period)
    return sentence


def _sentence(verdict: UnitVerdict, evaluation: Evaluation, language: str, translate: Translate) -> str:
    rule, _ = evaluation.rule, translate

    def number(value: float | None) -> str:
        return format_number(value, language, 2)

    if not verdict.manager:
        who = _(NO_MANAGER)
    elif verdict.manager_left_on is not None:
        who = _(MANAGER_LEFT, name=verdict.manager, date=verdict.manager_left_on.isoformat())
    else:
        who = _(MANAGER, name=verdict.manager)
    measure = str(evaluation.measure.get(language) or evaluation.measure.get("en") or rule.measure)
    names = {"unit": verdict.unit_name, "who": who, "measure": measure, "period": verdict.period}
    decision = _decision(verdict, evaluation, language, translate)
    if verdict.outcome == "not_assessed":
        head = {
            "too_few": _(HEAD_FEW, n=format_number(verdict.n, language, 0), min_n=rule.min_n, **names),
            "no_reference": _(HEAD_NO_REFERENCE, **names),
        }.get(verdict.reason) or _(HEAD_NONE, **names)
        return _(NOT_ASSESSED, head=head, decision=decision)
    head = _(
        HEAD,
        value=number(verdict.shrunk),
        level=format_number(100 * rule.confidence, language, 0),
        low=number(verdict.low),
        high=number(verdict.high),
        n=format_number(verdict.n, language, 0),
        **names,
    )
    if rule.kind == "bonus_share":
        reference = _(TARGET, value=number(rule.target), floor=number(rule.floor))
    elif rule.threshold is None:
        reference = _(COMPANY_MEAN, value=number(evaluation.reference))
    else:
        reference = _(THRESHOLD, value=number(evaluation.reference))
    template = {"clear_above": CLEAR_ABOVE, "straddles": STRADDLES}.get(verdict.reason) or (
        CLEAR_BELOW if rule.kind == "threshold" else PARTLY if verdict.outcome == "partly_met" else AT_FLOOR
    )
    return _(
        template,
        head=head,
        reference=reference,
        decision=decision,
        top=number(verdict.high),
        attainment=_percent(verdict.attainment, language),
    )


def _decision(verdict: UnitVerdict, evaluation: Evaluation, language: str, _: Translate) -> str:
    rule = evaluation.rule
    if verdict.outcome == "not_assessed":
        if rule.below_min_n == "hold":
            return _(HELD)
        if rule.kind == "threshold":
            return _(COUNTS_ELIGIBLE)
        return _(COUNTS_FULL, payout=_percent(verdict.payout, language))
    if rule.kind == "threshold":
        return _(ELIGIBLE) if verdict.eligible else _(NOT_ELIGIBLE)
    full = verdict.attainment is not None and verdict.attainment >= 1.0
    return _(FULL if full else PAYOUT, payout=_percent(verdict.payout, language))


def export_rows(
    evaluations: Iterable[Evaluation], language: str = "en", translate: Translate = english
) -> list[dict[str, Any]]:
    """One row per unit and rule with :data:`EXPORT_COLUMNS`; the explanation in ``language``."""
    rows = []
    for evaluation in evaluations:
        rule = evaluation.rule
        for verdict in evaluation.verdicts:
            rows.append(
                {
                    "period": evaluation.period,
                    "rule": rule.key,
                    "rule_kind": rule.kind,
                    "unit_code": verdict.unit_code,
                    "unit_name": verdict.unit_name,
                    "manager_code": verdict.manager_code,
                    "manager_first_name": verdict.manager_first_name,
                    "manager_last_name": verdict.manager_last_name,
                    "measure": rule.measure,
                    "n": verdict.n,
                    "mean": verdict.mean,
                    "shrunk": verdict.shrunk,
                    "interval_low": verdict.low,
                    "interval_high": verdict.high,
                    "confidence": rule.confidence,
                    "reference": evaluation.reference,
                    "outcome": verdict.outcome,
                    "reason": verdict.reason,
                    "eligible": verdict.eligible,
                    "attainment": verdict.attainment,
                    "payout_share": verdict.payout,
                    "explanation": explain(verdict, evaluation, language, translate),
                    "manager_left_on": verdict.manager_left_on,
                    "floor": rule.floor,
                    "weight": rule.weight,
                    "min_n": rule.min_n,
                    "below_min_n": rule.below_min_n,
                    "period_ended": evaluation.ended,
                    "previous_period": None if verdict.previous is None else verdict.previous.period,
                    "previous_outcome": None if verdict.previous is None else verdict.previous.outcome,
                    "changed": verdict.changed if verdict.previous is not None else None,
                    "snapshot_id": evaluation.snapshot_id,
                    "results_built_at": evaluation.built_at,
                }
                | dict.fromkeys(FINAL_COLUMNS)
            )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (comma separated, decimal point, ``true``/``false``, empty when missing); a text
    that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) starts with ``'``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, str):
        return str(spreadsheet_safe(value))
    return str(value)
