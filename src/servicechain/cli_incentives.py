"""``servicechain incentives``: the incentive rules, and their outcome per unit for a period (HR export)."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from servicechain.cli_common import console
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError

if TYPE_CHECKING:
    from servicechain.act.incentive_decisions import Finalised
    from servicechain.act.incentive_rules import IncentiveRule
    from servicechain.act.incentives import Evaluation

incentives_app = typer.Typer(
    help="Incentive rules on customer scores: list them, evaluate them per period (export for HR).",
    no_args_is_help=True,
)
FORMATS = ("table", "csv", "json")


def _rules() -> list[IncentiveRule]:
    from servicechain.act.incentive_rules import load_rules
    from servicechain.settings import Settings

    return load_rules(Settings().incentive_rules)


@incentives_app.command("rules")
def rules_command() -> None:
    """List the incentive rules (the ``incentive_rules`` setting, default the shipped file)."""
    with _user_errors():
        rules = _rules()
    table = Table(
        "key",
        "kind",
        "measure",
        "level",
        "threshold / target",
        "min n",
        "below min n",
        "name",
        title="Incentive rules",
    )
    for rule in rules:
        if rule.kind == "bonus_share":
            what = f"weight {rule.weight:g}, target {rule.target:g}, floor {rule.floor:g}"
        else:
            what = "company value" if rule.threshold is None else f"{rule.threshold:g}"
        table.add_row(
            rule.key,
            rule.kind,
            rule.measure,
            rule.level,
            what,
            str(rule.min_n),
            rule.below_min_n,
            rule.name("en"),
        )
    console.print(table)


@incentives_app.command("evaluate")
def evaluate_command(
    period: Annotated[
        str | None, typer.Option(help="The period, e.g. 2026-Q3 (default: the newest that has ended).")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="One rule's key (default: every rule).")] = None,
    unit: Annotated[
        str | None, typer.Option(help="Only this unit and the units below it (a unit code).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write to this file instead of the screen.")
    ] = None,
    language: Annotated[
        str, typer.Option("--language", "--lang", help="Language of the explanations: en or nl.")
    ] = "en",
) -> None:
    """Every unit's (manager's) outcome under the rules for a period, and why (csv, json: the HR export)."""
    from servicechain.accounts.audit import log_event
    from servicechain.act import incentive_decisions as decisions
    from servicechain.act import incentive_texts as texts
    from servicechain.act.incentives import evaluate
    from servicechain.web.i18n import translator

    with _user_errors():
        if output_format not in FORMATS:
            raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
        if language not in ("en", "nl"):
            raise UserError(f"--language must be en or nl, not {language!r}")
        if output is not None and output_format == "table":
            raise UserError("--output writes the HR export: add --format csv or --format json")
        rules = _chosen(rule)
        store = _open()
        path = None if unit is None else _path_of(store, unit)
        evaluations = [evaluate(store, one, period, path=path) for one in rules]
        frozen = [decisions.finalised(store, e.rule.key, e.period, path=path) for e in evaluations]
        translate = translator(language)
        rows = [
            row
            for evaluation, record in zip(evaluations, frozen, strict=True)
            for row in decisions.export_rows(evaluation, record, language, translate)
        ]
        if output_format == "csv":
            text = texts.to_csv(rows)
        elif output_format == "json":
            text = json.dumps(rows, ensure_ascii=False, indent=1, default=_iso) + "\n"
        if output_format != "table":
            log_event(
                store,
                f"cli:{getpass.getuser()}",
                "incentives_exported",
                f"rules {','.join(r.key for r in rules)} "
                f"period {','.join(sorted({e.period for e in evaluations}))} rows {len(rows)}"
                + (f" unit {unit}" if unit else ""),
            )
            if output is None:
                typer.echo(text, nl=False)
            else:
                try:
                    output.write_text(text, encoding="utf-8")
                except OSError as error:
                    raise UserError(f"{output}: cannot write: {error.strerror or error}") from None
                console.print(f"{len(rows)} rows written to {output}", highlight=False)
            return
    _print_table(evaluations, frozen, rows)


@incentives_app.command("finalise")
def finalise_command(
    period: Annotated[str, typer.Option(help="The period to finalise, e.g. 2026-Q3 (it must have ended).")],
    rule: Annotated[str | None, typer.Option(help="One rule's key (default: every rule).")] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a record finalised before (audited with what changed).")
    ] = False,
) -> None:
    """Freeze every unit's outcome of the rules for an ended period as HR's record: a later import no
    longer changes it (the pages, the API and the export show it, and the live outcome where it differs)."""
    from servicechain.act import incentive_decisions as decisions
    from servicechain.act.incentives import IncentiveRefused

    with _user_errors():
        rules = _chosen(rule)
        store = _open()
        by = f"cli:{getpass.getuser()}"
        earlier = {one.key: decisions.finalised(store, one.key, period) for one in rules}
        try:
            done = decisions.finalise(store, period, by, rules, replace=replace)
        except IncentiveRefused as error:
            if error.message == decisions.ALREADY:
                raise UserError(f"{error} Add --replace to do so.") from None
            raise
    for record in done:
        counts = ", ".join(
            f"{outcome} {count}"
            for outcome, count in decisions.counts(
                [decisions.Line(d.verdict, d.verdict) for d in record.decisions]
            ).items()
            if count
        )
        what = "replaced" if earlier.get(record.rule) else "finalised"
        console.print(
            f"{record.rule} {record.period}: {what} on {record.finalised_at.isoformat()} "
            f"by {record.finalised_by}, "
            f"{len(record.decisions)} units ({counts}), snapshot {record.snapshot_id}",
            highlight=False,
            soft_wrap=True,
        )


def _chosen(rule: str | None) -> list[IncentiveRule]:
    """Every rule, or the one named ``rule`` (UserError naming the rules when there is none)."""
    from servicechain.act.incentive_rules import rule_of

    rules = _rules()
    if rule is None:
        return rules
    found = rule_of(rules, rule)
    if found is None:
        raise UserError(f"no incentive rule {rule!r}: choose one of {', '.join(r.key for r in rules)}")
    return [found]


def _iso(value: Any) -> str:
    """Dates and times in the JSON export as ISO text (``2026-04-02T06:00:00``)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _path_of(store: Any, code: str) -> str:
    import sqlalchemy as sa

    from servicechain.store import schema

    unit = schema.org_unit
    with store.engine.connect() as connection:
        path = connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar()
    if path is None:
        raise UserError(f"--unit: there is no unit {code!r}")
    return str(path)


def _print_table(
    evaluations: list[Evaluation], frozen: list[Finalised | None], rows: list[dict[str, Any]]
) -> None:
    from servicechain.act.incentive_decisions import lines

    for evaluation, record in zip(evaluations, frozen, strict=True):
        final = (
            ""
            if record is None
            else f", finalised on {record.finalised_at.date().isoformat()} by {record.finalised_by}"
        )
        table = Table(
            "unit",
            "manager",
            "n",
            "shrunk (interval)",
            "outcome",
            "eligible / share",
            f"{evaluation.previous_period or 'before'}",
            "why",
            title=f"{evaluation.rule.key}: {evaluation.rule.name('en')} ({evaluation.period}"
            + ("" if evaluation.ended else ", not ended: provisional")
            + final
            + ")",
        )
        for line, row in zip(
            lines(evaluation, record), [r for r in rows if r["rule"] == evaluation.rule.key], strict=True
        ):
            verdict = line.verdict
            value = (
                ""
                if verdict.shrunk is None
                else f"{verdict.shrunk:.2f} ({verdict.low:.2f}–{verdict.high:.2f})"
            )
            decided = (
                ("yes" if verdict.eligible else "no")
                if verdict.eligible is not None
                else f"{verdict.payout:.0%}"
                if verdict.payout is not None
                else "held"
            )
            table.add_row(
                verdict.unit_code,
                verdict.manager or "",
                "" if verdict.n is None else str(verdict.n),
                value,
                verdict.outcome,
                decided,
                ""
                if verdict.previous is None
                else verdict.previous.outcome + (" (changed)" if verdict.changed else ""),
                row["explanation"]
                + (
                    f" Changed since finalised: now {line.live.outcome}."
                    if line.changed_since and line.live is not None
                    else " Changed since finalised: no longer judged."
                    if line.changed_since
                    else ""
                ),
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``servicechain incentives ...`` to the main command."""
    app.add_typer(incentives_app, name="incentives")
