"""``servicechain recognition``: find praise of named employees, list and decide it, and the yearly awards."""

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

recognition_app = typer.Typer(
    help="Recognition: praise of named employees in reviews and comments, and the yearly awards.",
    no_args_is_help=True,
)


def _who(given: str | None) -> str:
    """Who decides, for the audit log (default: the operating-system user)."""
    return given or f"cli:{getpass.getuser()}"


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value.isoformat() if isinstance(value, date | datetime) else value


@recognition_app.command("find")
def find_command(
    by: Annotated[
        str | None, typer.Option("--by", help="Who runs it (e-mail); default cli:<your login>.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Read every text again, not only those newer than the last run.")
    ] = False,
) -> None:
    """Read the positive reviews and comments that are new since the last run (every one after a
    change of the roster, or with --all) and store new praise of named employees. This also runs
    after every import and refresh; running it again adds nothing."""
    from servicechain.act.recognition import find_recognition

    with _user_errors():
        result = find_recognition(_open(), email=_who(by), full=everything)
    console.print(
        f"{result.added} new ({result.suggested} suggested, {result.ambiguous} ambiguous) from "
        f"{result.texts:,} positive texts in {result.seconds:.2f} s",
        highlight=False,
    )


@recognition_app.command("list")
def list_command(
    status: Annotated[
        str,
        typer.Option(help="open (suggested and ambiguous), all, suggested, ambiguous, confirmed, rejected."),
    ] = "open",
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    year: Annotated[int | None, typer.Option(help="Only praise said in this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List recognition: who is praised, in which sentence, and what is decided."""
    from servicechain.act.recognition_queue import list_recognition

    with _user_errors():
        found = list_recognition(_open(), status=status, unit_code=unit, year=year)
    if as_json:
        for item in found:
            typer.echo(json.dumps(_json_ready({k: v for k, v in item.items() if k != "parts"})))
        return
    table = Table("id", "unit", "said on", "status", "name", "colleague", "sentence", title="Recognition")
    for item in found:
        person = item["employee"]
        who = (
            f"{person['name']} ({person['code']})"
            if person
            else " / ".join(f"{c['name']} ({c['code']})" for c in item["candidates"])
        )
        said = item["said_on"].isoformat() if item["said_on"] else ""
        table.add_row(
            str(item["id"]), item["unit_code"], said, item["status"], item["name"], who, item["excerpt"]
        )
    console.print(table)
    if not found:
        console.print("no recognition", style="dim")


def _decide(recognition_id: int, action: str, employee: str | None, by: str | None) -> None:
    from servicechain.act.recognition_queue import decide

    with _user_errors():
        item = decide(_open(), recognition_id, action, _who(by), None, employee_code=employee)
    person = item["employee"]
    whom = f" for {person['name']} ({person['code']})" if person else ""
    console.print(f"recognition {recognition_id}: {item['status']}{whom}", highlight=False)


@recognition_app.command("confirm")
def confirm_command(
    recognition_id: Annotated[int, typer.Argument(help="The recognition's id (recognition list).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (e-mail).")] = None,
) -> None:
    """Confirm a suggestion: the praise is about the colleague it names."""
    _decide(recognition_id, "confirm", None, by)


@recognition_app.command("reject")
def reject_command(
    recognition_id: Annotated[int, typer.Argument(help="The recognition's id (recognition list).")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (e-mail).")] = None,
) -> None:
    """Reject a suggestion or an ambiguous match (not about a colleague of ours)."""
    _decide(recognition_id, "reject", None, by)


@recognition_app.command("choose")
def choose_command(
    recognition_id: Annotated[int, typer.Argument(help="The recognition's id (recognition list).")],
    employee: Annotated[str, typer.Argument(help="The employee code of the colleague meant.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (e-mail).")] = None,
) -> None:
    """Resolve an ambiguous match: the colleague (one of its candidates) the praise is about."""
    _decide(recognition_id, "choose", employee, by)


def _say_ties(entries: list[dict[str, Any]], kind: str) -> None:
    """Say when the first place is shared, and how many more than those listed share the last place
    listed (as the awards page does)."""
    if not entries:
        return
    if entries[0]["shared"] > 1:
        console.print(f"{entries[0]['shared']} {kind} share the first place", highlight=False)
    last = entries[-1]
    listed = sum(1 for entry in entries if entry["rank"] == last["rank"])
    if last["shared"] > listed:
        console.print(f"{last['shared'] - listed} more {kind} share place {last['rank']}", highlight=False)


@recognition_app.command("awards")
def awards_command(
    year: Annotated[
        int | None, typer.Option(help="The year (default: the newest with confirmed praise).")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON with every number instead of tables.")
    ] = False,
) -> None:
    """Employee, team and location of the year, with the numbers behind each."""
    from servicechain.act.awards import awards, years_with_recognition
    from servicechain.cli_alerts import _unit_path

    with _user_errors():
        store = _open()
        path = _unit_path(store, unit) if unit else None
        chosen = year or next(iter(years_with_recognition(store)), date.today().year)
        result = awards(store, chosen, path=path)
    if as_json:
        typer.echo(json.dumps(_json_ready(result), indent=2, ensure_ascii=False))
        return
    people = Table(
        "#", "employee", "unit", "recognitions", "mean rating", title=f"Employee of the year {chosen}"
    )
    for person in result["employee"]:
        rank = person["rank"]
        rating = "" if person["mean_rating"] is None else f"{person['mean_rating']:.0%}"
        people.add_row(
            str(rank),
            f"{person['name']} ({person['code']})",
            person["unit_name"],
            str(person["count"]),
            rating,
        )
    console.print(people)
    _say_ties(result["employee"], "colleagues")
    for level in ("team", "location"):
        table = Table(
            "#",
            level,
            "recognitions",
            "person-years",
            "per person-year (shrunk)",
            "engagement",
            "customer engagement",
            "score",
            title=f"{level.capitalize()} of the year {chosen}",
        )
        for entry in result[level]:
            table.add_row(
                str(entry["rank"]),
                f"{entry['name']} ({entry['code']})",
                str(entry["count"]),
                f"{entry['person_years']:.1f}",
                f"{entry['shrunk_rate']:.2f}",
                _number(entry.get("engagement_index")),
                _number(entry.get("ce_index")),
                f"{entry['score']:+.2f}",
            )
        console.print(table)
        _say_ties(result[level], "units")
    console.print(
        "score: mean z-score of recognition per person-year (shrunk) and the shrunk engagement "
        "(locations: and customer engagement) indices of the year; see docs/recognition.md",
        style="dim",
    )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def register(app: typer.Typer) -> None:
    """Add ``servicechain recognition ...`` to the main command."""
    app.add_typer(recognition_app, name="recognition")
