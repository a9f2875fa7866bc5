"""Finalising a period: the incentive outcomes frozen as the record HR pays on.

:func:`servicechain.act.incentives.evaluate` judges on the newest results snapshot, so a
re-import of an old quarter changes that quarter's outcome. :func:`finalise` stores every
unit's verdict of every rule for a period that has ended in ``incentive_decision``: the
outcome, eligibility and payout share as columns, and the whole HR export row (explanations
in Dutch and English) as JSON, with the snapshot it was judged on, the SHA-256 of the rule
as applied, who finalised it and when. A second finalise of the same rule and period is
refused unless ``replace=True``, which writes what changed into the audit log.

:func:`lines` puts the frozen record beside the live evaluation: the pages, the API and the
export show the frozen outcome, and the live one beside it only where it differs
(``changed_since``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.act import incentive_texts as texts
from servicechain.act.incentive_rules import IncentiveRule, load_rules
from servicechain.act.incentives import Evaluation, IncentiveRefused, UnitVerdict, evaluate
from servicechain.store import Store, schema

FINALISERS = frozenset({"analyst"})
"""Roles that may finalise a period (the pages and the API refuse the others with 403)."""

# Messages (English, with {fields}); the web layer translates them.
NO_PERIOD = "Name the period to finalise, e.g. 2026-Q3."
NOT_ENDED = "{period} has not ended yet: a period is finalised for HR once it is over."
ALREADY = "{rule} for {period} was finalised on {date} by {by}: to finalise it again, replace it explicitly."
FOR_ANALYSTS = "Finalising a period for HR is for analysts."
MESSAGES = (NO_PERIOD, NOT_ENDED, ALREADY, FOR_ANALYSTS)


@dataclass(frozen=True)
class FrozenDecision:
    """One unit's frozen outcome: the columns of ``incentive_decision`` and the verdict rebuilt from
    the stored export row (``row``; its ``explanation`` is ``{"nl": ..., "en": ...}``)."""

    unit_id: int
    outcome: str
    reason: str
    eligible: bool | None
    attainment: float | None
    payout: float | None
    row: dict[str, Any]
    verdict: UnitVerdict

    def explanation(self, language: str) -> str:
        """The explanation as it was when finalised, in ``language``."""
        said = self.row.get("explanation") or {}
        return str(said.get(language) or said.get("en") or "")


@dataclass(frozen=True)
class Finalised:
    """A rule's frozen record for a period (the units below the caller's path)."""

    rule: str
    period: str
    finalised_at: datetime
    finalised_by: str
    snapshot_id: int
    rules_sha256: str
    decisions: list[FrozenDecision]


@dataclass(frozen=True)
class Line:
    """One unit as shown: ``verdict`` is the frozen one when the period is finalised (else the live
    one), ``live`` the live verdict (None: the unit is no longer judged)."""

    verdict: UnitVerdict
    live: UnitVerdict | None
    frozen: FrozenDecision | None = None

    @property
    def changed_since(self) -> bool:
        """True when the live outcome differs from the frozen one (a re-import changed it)."""
        return self.frozen is not None and differs(self.frozen.verdict, self.live)


def differs(frozen: UnitVerdict, live: UnitVerdict | None) -> bool:
    """True when the live verdict's outcome or decision is not the frozen one."""
    if live is None:
        return True
    return (frozen.outcome, frozen.decision, _rounded(frozen.attainment)) != (
        live.outcome,
        live.decision,
        _rounded(live.attainment),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def rule_sha256(rule: IncentiveRule) -> str:
    """SHA-256 of the rule as applied (its fields as canonical JSON)."""
    text = json.dumps(dataclasses.asdict(rule), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The export rows of ``evaluation`` with the explanation in both languages, ready for JSON."""
    from servicechain.web.i18n import translator  # the Dutch catalogue (no web framework)

    english = texts.export_rows([evaluation], "en", translator("en"))
    dutch = texts.export_rows([evaluation], "nl", translator("nl"))
    out = []
    for verdict, row, nl in zip(evaluation.verdicts, english, dutch, strict=True):
        row = {key: _json_value(value) for key, value in row.items()}
        row["explanation"] = {"nl": nl["explanation"], "en": row["explanation"]}
        previous = verdict.previous
        row |= {
            "unit_id": verdict.unit_id,
            "previous_eligible": None if previous is None else previous.eligible,
            "previous_payout_share": None if previous is None else previous.payout,
        }
        out.append(row)
    return out


def finalise(
    store: Store,
    period: str,
    by: str,
    rules: list[IncentiveRule] | None = None,
    *,
    replace: bool = False,
    client: str | None = None,
    today: date | None = None,
) -> list[Finalised]:
    """Freeze every unit's verdict of each of ``rules`` (None: the shipped rules) for ``period``,
    which must have ended; all rules or none. IncentiveRefused for a period that has not ended,
    one without results, and a rule already finalised for it (unless ``replace``: the old record
    is replaced, and the audit log says what changed). One audit line per rule."""
    if not period:
        raise IncentiveRefused(NO_PERIOD)
    chosen = load_rules() if rules is None else rules
    evaluations = [evaluate(store, rule, period, today=today) for rule in chosen]
    if any(not evaluation.ended for evaluation in evaluations):
        raise IncentiveRefused(NOT_ENDED, period=period)
    earlier = {rule.key: finalised(store, rule.key, period) for rule in chosen}
    if not replace:
        for key, found in earlier.items():
            if found is not None:
                raise IncentiveRefused(
                    ALREADY,
                    rule=key,
                    period=period,
                    date=found.finalised_at.date().isoformat(),
                    by=found.finalised_by,
                )
    moment, table = utc_now(), schema.incentive_decision
    with store.transaction() as connection:
        for evaluation in evaluations:
            rule = evaluation.rule
            assert evaluation.snapshot_id is not None
            rows = _rows(evaluation)
            connection.execute(table.delete().where(table.c.rule == rule.key, table.c.period == period))
            for verdict, row in zip(evaluation.verdicts, rows, strict=True):
                connection.execute(
                    table.insert().values(
                        rule=rule.key,
                        period=period,
                        unit_id=verdict.unit_id,
                        manager_employee_code=verdict.manager_code,
                        outcome=verdict.outcome,
                        reason=verdict.reason,
                        eligible=verdict.eligible,
                        attainment=verdict.attainment,
                        payout_share=verdict.payout,
                        row=json.dumps(row, ensure_ascii=False, sort_keys=True),
                        snapshot_id=evaluation.snapshot_id,
                        rules_sha256=rule_sha256(rule),
                        finalised_at=moment,
                        finalised_by=by,
                    )
                )
            detail = (
                f"rule {rule.key} period {period} units {len(rows)} snapshot {evaluation.snapshot_id} "
                + " ".join(f"{key} {count}" for key, count in evaluation.counts().items() if count)
            )
            before = earlier[rule.key]
            if before is None:
                record(connection, by, "incentives_finalised", detail, client)
            else:
                record(
                    connection, by, "incentives_refinalised", _replaced(before, evaluation, detail), client
                )
    return [found for found in (finalised(store, rule.key, period) for rule in chosen) if found is not None]


def _replaced(before: Finalised, evaluation: Evaluation, detail: str) -> str:
    """The audit detail of a replacement: the new record, the one it replaces, and each unit whose
    outcome or decision changed (``code outcome decision -> outcome decision``)."""
    old = {decision.unit_id: decision.verdict for decision in before.decisions}
    changes = []
    for verdict in evaluation.verdicts:
        was = old.pop(verdict.unit_id, None)
        if was is None:
            changes.append(f"{verdict.unit_code} new {verdict.outcome}")
        elif differs(was, verdict):
            changes.append(
                f"{verdict.unit_code} {was.outcome} {_said(was.decision)} -> "
                f"{verdict.outcome} {_said(verdict.decision)}"
            )
    changes += [f"{verdict.unit_code} {verdict.outcome} -> gone" for verdict in old.values()]
    replaced = (
        f"; replaces snapshot {before.snapshot_id} finalised {before.finalised_at.isoformat()} "
        f"by {before.finalised_by}"
    )
    if before.rules_sha256 != rule_sha256(evaluation.rule):
        replaced += f" under rule {before.rules_sha256[:12]}, now {rule_sha256(evaluation.rule)[:12]}"
    return f"{detail}{replaced}; changed {len(changes)}: {', '.join(changes) or 'none'}"


def _said(decision: bool | float | None) -> str:
    if decision is None:
        return "held"
    if isinstance(decision, bool):
        return "eligible" if decision else "not-eligible"
    return f"{decision:.4g}"


def finalised(store: Store, rule: str, period: str, *, path: str | None = None) -> Finalised | None:
    """The frozen record of ``rule`` for ``period`` (its units below ``path``), or None when the
    period has not been finalised for that rule; decisions in the order they were stored (the
    evaluation's order then)."""
    table, unit = schema.incentive_decision, schema.org_unit
    query = (
        sa.select(table, unit.c.path)
        .select_from(table.outerjoin(unit, unit.c.id == table.c.unit_id))
        .where(table.c.rule == rule, table.c.period == period)
        .order_by(table.c.id)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    if not rows:
        return None
    first = rows[0]
    decisions = [
        _decision(row)
        for row in rows
        if path is None or (row["path"] is not None and str(row["path"]).startswith(path))
    ]
    return Finalised(
        rule,
        period,
        first["finalised_at"],
        str(first["finalised_by"]),
        int(first["snapshot_id"]),
        str(first["rules_sha256"]),
        decisions,
    )


def _decision(row: Any) -> FrozenDecision:
    stored = json.loads(row["row"])
    return FrozenDecision(
        int(row["unit_id"]),
        str(row["outcome"]),
        str(row["reason"]),
        row["eligible"],
        row["attainment"],
        row["payout_share"],
        stored,
        _verdict(int(row["unit_id"]), stored),
    )


def _verdict(unit_id: int, row: dict[str, Any]) -> UnitVerdict:
    """The verdict as it was finalised, rebuilt from its export row."""

    def day(value: Any) -> date | None:
        return None if not value else date.fromisoformat(str(value)[:10])

    previous = None
    if row.get("previous_period"):
        previous = UnitVerdict(
            unit_id,
            str(row["unit_code"]),
            str(row["unit_name"]),
            row.get("manager_code"),
            row.get("manager_first_name"),
            row.get("manager_last_name"),
            str(row["previous_period"]),
            None,
            None,
            None,
            None,
            None,
            str(row.get("previous_outcome") or "not_assessed"),
            "",
            eligible=row.get("previous_eligible"),
            payout=row.get("previous_payout_share"),
        )
    return UnitVerdict(
        unit_id,
        str(row["unit_code"]),
        str(row["unit_name"]),
        row.get("manager_code"),
        row.get("manager_first_name"),
        row.get("manager_last_name"),
        str(row["period"]),
        row.get("n"),
        row.get("mean"),
        row.get("shrunk"),
        row.get("interval_low"),
        row.get("interval_high"),
        str(row["outcome"]),
        str(row["reason"]),
        eligible=row.get("eligible"),
        attainment=row.get("attainment"),
        payout=row.get("payout_share"),
        manager_left_on=day(row.get("manager_left_on")),
        previous=previous,
    )


def lines(evaluation: Evaluation, frozen: Finalised | None) -> list[Line]:
    """The units to show: without a frozen record the live verdicts; with one, the frozen verdicts in
    their order (each with the live one beside it), then units judged live that the record lacks."""
    if frozen is None:
        return [Line(verdict, verdict) for verdict in evaluation.verdicts]
    live = {verdict.unit_id: verdict for verdict in evaluation.verdicts}
    out = [Line(d.verdict, live.pop(d.unit_id, None), d) for d in frozen.decisions]
    return out + [Line(verdict, verdict) for verdict in live.values()]


def counts(shown: list[Line]) -> dict[str, int]:
    """How many of the shown units got each outcome."""
    from servicechain.act.incentives import OUTCOMES

    return {outcome: sum(1 for line in shown if line.verdict.outcome == outcome) for outcome in OUTCOMES}


def export_rows(
    evaluation: Evaluation, frozen: Finalised | None, language: str, translate: texts.Translate
) -> list[dict[str, Any]]:
    """The HR export rows of one rule: the frozen rows when the period is finalised (with when and by
    whom, and the live outcome where it differs), else the live ones; :data:`texts.FINAL_COLUMNS` last."""
    live_rows = {row["unit_code"]: row for row in texts.export_rows([evaluation], language, translate)}
    rows = []
    for line in lines(evaluation, frozen):
        if line.frozen is None:
            row = dict(live_rows[line.verdict.unit_code])
            row |= dict.fromkeys(texts.FINAL_COLUMNS)
            if frozen is not None:
                row["changed_since_finalised"] = True  # not in the record
        else:
            stored = line.frozen.row
            row = {key: stored.get(key) for key in texts.EXPORT_COLUMNS}
            row["explanation"] = line.frozen.explanation(language)
            changed = line.changed_since
            live = line.live
            row |= {
                "finalised_at": frozen.finalised_at if frozen else None,
                "finalised_by": frozen.finalised_by if frozen else None,
                "changed_since_finalised": changed,
                "live_outcome": live.outcome if changed and live else None,
                "live_eligible": live.eligible if changed and live else None,
                "live_payout_share": live.payout if changed and live else None,
            }
        rows.append(row)
    return rows
