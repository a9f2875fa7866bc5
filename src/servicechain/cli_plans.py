"""``servicechain plans``: list, add and update action plans (with whether they worked)."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from servicechain.cli_common import console
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError

plans_app = typer.Typer(
    help="Action plans per unit: list (overdue first), add, update.", no_args_is_help=True
)

VERDICTS = {
    "improved": "improved",
    "worse": "worse",
    "no_change": "no clear change",
    "not_measured": "not measured yet",
    "suppressed": "suppressed",
    "no_baseline": "no baseline",
}


def _who(given: str | None) -> str:
    """Who acts, for the plan and the audit log (default: the operating-system user)."""
    return given or f"cli:{getpass.getuser()}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    return value.isoformat() if isinstance(value, date | datetime) else value


@plans_app.command("list")
def list_command(
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only plans past their due date.")] = False,
    status: Annotated[
        str, typer.Option(help="active (open or in progress), all, open, in_progress, done or dropped.")
    ] = "active",
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List action plans, overdue ones first, with the latest value and whether the plan worked."""
    from servicechain.act.plans import list_plans
    from servicechain.cli_alerts import _unit_path

    with _user_errors():
        store = _open()
        path = _unit_path(store, unit) if unit else None
        found = list_plans(store, path=path, status=status, overdue_only=overdue)
    if as_json:
        for plan in found:
            typer.echo(json.dumps(_json_ready(plan)))
        return
    table = Table(
        "id",
        "unit",
        "title",
        "owner",
        "measure",
        "baseline",
        "latest (95% interval)",
        "did it work?",
        "target",
        "due",
        "status",
        title="Action plans",
    )
    for plan in found:
        result = plan["result"]
        latest = (
            ""
            if result["mean"] is None
            else (
                f"{result['mean']:.2f} ({_number(result['ci_low'])}–{_number(result['ci_high'])}) "
                f"{result['period']}"
            )
        )
        table.add_row(
            str(plan["id"]),
            str(plan["unit_code"]),
            plan["title"],
            plan["owner_email"],
            plan["measure"],
            f"{_number(plan['baseline'])} {plan['baseline_period'] or ''}".strip(),
            latest,
            VERDICTS[result["verdict"]],
            _number(plan["target"]),
            plan["due_on"].isoformat() + (" OVERDUE" if plan["overdue"] else ""),
            plan["status"],
        )
    console.print(table)
    if not found:
        console.print("no action plans", style="dim")


@plans_app.command("add")
def add_command(
    unit: Annotated[str, typer.Option(help="The unit's code.")],
    measure: Annotated[str, typer.Option(help="The scorecard measure to move (e.g. ce_index, trust).")],
    target: Annotated[float, typer.Option(help="The value to reach.")],
    due: Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")],
    owner: Annotated[str, typer.Option(help="The accountable person's e-mail address.")],
    title: Annotated[str, typer.Option(help="What will be done, in a line.")],
    notes: Annotated[str | None, typer.Option(help="More detail.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who makes it (e-mail); default cli:<your login>.")
    ] = None,
) -> None:
    """Make an action plan; its baseline is the unit's newest value of the measure that may be shown."""
    from servicechain.act.plans import create_plan

    with _user_errors():
        plan = create_plan(_open(), unit, title, owner, measure, target, _date(due), notes, _who(by))
    baseline = (
        "no baseline (no value of the measure yet)"
        if plan["baseline"] is None
        else f"baseline {plan['baseline']:.2f} ({plan['baseline_period']})"
    )
    console.print(
        f"plan {plan['id']} for {plan['unit_code']}: {plan['measure']} {baseline}, target "
        f"{plan['target']:g} by {plan['due_on'].isoformat()}",
        highlight=False,
    )


@plans_app.command("update")
def update_command(
    plan_id: Annotated[int, typer.Argument(help="The plan's id (plans list).")],
    status: Annotated[str | None, typer.Option(help="open, in_progress, done or dropped.")] = None,
    notes: Annotated[str | None, typer.Option(help="New notes (replace the old ones).")] = None,
    note: Annotated[
        str | None, typer.Option(help="Add a dated note below the earlier ones (they stay).")
    ] = None,
    target: Annotated[float | None, typer.Option(help="A new target.")] = None,
    due: Annotated[str | None, typer.Option(help="A new due date, YYYY-MM-DD.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who (e-mail); default cli:<your login>.")] = None,
) -> None:
    """Change a plan's status, notes, target or due date; --note adds a dated note."""
    from servicechain.act.plans import update_plan

    with _user_errors():
        plan = update_plan(
            _open(),
            plan_id,
            _who(by),
            status=status,
            notes=notes,
            note=note,
            target=target,
            due_on=_date(due) if due else None,
        )
    console.print(
        f"plan {plan_id}: {plan['status']}, target {plan['target']:g} by {plan['due_on'].isoformat()}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``servicechain plans ...`` to the main command."""
    app.add_typer(plans_app, name="plans")
