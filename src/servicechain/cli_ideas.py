"""``servicechain ideas``: list and export friction points and ideas, summarise them per unit, decide."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from servicechain.cli_common import console
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError
from servicechain.formats import spreadsheet_safe

ideas_app = typer.Typer(
    help="Friction points and ideas of employees: list or export, summary per unit, decide.",
    no_args_is_help=True,
)
FORMATS = ("table", "csv", "json")
COLUMNS = ("id", "unit_code", "kind", "title", "body", "author_email", "anonymous", "status", "votes",
           "decision_reason", "reward", "created_at", "status_changed_at", "decided_at",
           "decided_by")  # fmt: skip
"""The columns of ``ideas list --format csv`` (and the keys of ``--format json``)."""
DAY = ["%Y-%m-%d"]
"""The day format of ``--since`` and ``--until``."""


def _who(given: str | None) -> str:
    """Who decides, for the idea and the audit log (default: the operating-system user)."""
    return given or f"cli:{getpass.getuser()}"


def _text(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _format(given: str) -> str:
    if given not in FORMATS:
        raise UserError(f"--format must be table, csv or json, not {given!r}")
    return given


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


Since = Annotated[
    datetime | None,
    typer.Option(formats=DAY, help="Only ideas raised on or after this day (YYYY-MM-DD, UTC)."),
]
Until = Annotated[
    datetime | None,
    typer.Option(formats=DAY, help="Only ideas raised on or before this day (YYYY-MM-DD, UTC)."),
]


@ideas_app.command("list")
def list_command(
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    status: Annotated[
        str,
        typer.Option(help="all, open (not done or declined), new, under_review, planned, done, declined."),
    ] = "all",
    kind: Annotated[str | None, typer.Option(help="friction or rule.")] = None,
    sort: Annotated[str, typer.Option(help="votes (most first) or newest.")] = "votes",
    since: Since = None,
    until: Until = None,
    output: Annotated[
        str, typer.Option("--format", help="table, csv or json (one object a line).")
    ] = "table",
) -> None:
    """List ideas with their votes and status; csv and json for export (no author of an anonymous idea).

    In csv a text that a spreadsheet would run as a formula (=, +, -, @ first) starts with a quote."""
    from servicechain.act.ideas import list_ideas

    with _user_errors():
        output = _format(output)
        found = list_ideas(_open(), status=status, kind=kind, unit_code=unit, sort=sort, since=_day(since),
                           until=_day(until))  # fmt: skip
    rows = [{key: _text(idea[key]) for key in COLUMNS} for idea in found]
    if output == "json":
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: spreadsheet_safe(value) for key, value in row.items()} for row in rows)
    else:
        table = Table("id", "unit", "kind", "title", "by", "votes", "status", "reward", title="Ideas")
        for idea in found:
            table.add_row(str(idea["id"]), str(idea["unit_code"]), idea["kind"], idea["title"],
                          idea["author_email"] or "anonymous", str(idea["votes"]), idea["status"],
                          idea["reward"] or "")  # fmt: skip
        console.print(table)
        if not found:
            console.print("no ideas", style="dim")


@ideas_app.command("summary")
def summary_command(
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    since: Since = None,
    until: Until = None,
    output: Annotated[
        str, typer.Option("--format", help="table, csv (one row per unit, then the total) or json.")
    ] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
) -> None:
    """Per unit: ideas by status, votes, median days to decision and the share decided within 30 days
    (with n and its 95% Wilson interval), the unit whose oldest undecided idea waits longest first.

    --since and --until keep the ideas raised in that period (both days included), e.g. a quarter:
    --since 2026-01-01 --until 2026-03-31."""
    from servicechain.act.ideas_summary import summarise, summary_csv

    with _user_errors():
        output = _format("json" if as_json else output)
        summary = summarise(_open(), unit_code=unit, since=_day(since), until=_day(until))
    if output == "json":
        typer.echo(json.dumps({key: _text(value) for key, value in summary.items()}, ensure_ascii=False))
    elif output == "csv":
        typer.echo(summary_csv(summary), nl=False)
    else:
        _summary_table(summary)


def _summary_table(summary: dict[str, Any]) -> None:
    table = Table("unit", "ideas", "new", "review", "planned", "done", "declined", "votes",
                  "median days (n)", "≤30 days (n)", "oldest undecided", title="Ideas per unit")  # fmt: skip
    for row in [*summary["units"], {"unit_code": "total"} | summary["total"]]:
        share = "" if row["within_share"] is None else f"{row['within_share']:.0%}"
        table.add_row(
            str(row["unit_code"]), str(row["ideas"]), *(str(row["by_status"][key]) for key in
            ("new", "under_review", "planned", "done", "declined")), str(row["votes"]),
            f"{_days(row['median_days_to_decision'])} ({row['decided']})", f"{share} ({row['within_n']})",
            "" if row["oldest_undecided_id"] is None
            else f"{_days(row['oldest_undecided_days'])} d (idea {row['oldest_undecided_id']})",
        )  # fmt: skip
    console.print(table)
    if not summary["units"]:
        console.print("no ideas", style="dim")


@ideas_app.command("decide")
def decide_command(
    idea_id: Annotated[int, typer.Argument(help="The idea's id (ideas list).")],
    status: Annotated[str | None, typer.Option(help="new, under_review, planned, done or declined.")] = None,
    reason: Annotated[str | None, typer.Option(help='Why (required for declined); "" clears it.')] = None,
    reward: Annotated[
        str | None, typer.Option(help='What it earned its author or team; "" clears it.')
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who decides (e-mail); default cli:<your login>.")
    ] = None,
) -> None:
    """Set an idea's status, reason or reward (written to the audit log)."""
    from servicechain.act.ideas import decide

    with _user_errors():
        idea = decide(_open(), idea_id, _who(by), status=status, reason=reason, reward=reward)
    extra = "".join(f", {key} {idea[key]!r}" for key in ("decision_reason", "reward") if idea[key])
    console.print(f"idea {idea_id}: {idea['status']}{extra}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``servicechain ideas ...`` to the main command."""
    app.add_typer(ideas_app, name="ideas")
