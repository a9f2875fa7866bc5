"""``servicechain scan result``: the organisation's customer-centricity scan, weakest areas first."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from servicechain.cli_common import console
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors

scan_app = typer.Typer(help="The customer-centricity scan of the management team.", no_args_is_help=True)


@scan_app.command("result")
def result_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="nl or en: the areas' names and texts.")] = "en",
) -> None:
    """The scan's score per area (0..100, the mean of everyone's latest answers), weakest first."""
    from servicechain.act.scan import result, result_json

    if lang not in ("nl", "en"):
        raise typer.BadParameter("use nl or en", param_hint="--lang")
    with _user_errors():
        found = result_json(result(_open()), lang, "analyst", None)
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if not found["respondents"]:
        console.print("nobody has answered the scan yet", style="dim")
        return
    table = Table("area", "score", "n", "sd", "lowest", "highest", "what servicechain offers",
                  title=f"Customer-centricity scan: {found['overall']} / 100, "
                        f"{found['respondents']} respondents (weakest first)")  # fmt: skip
    for area in found["areas"]:
        table.add_row(area["name"], _number(area["mean"]), str(area["n"]), _number(area["sd"]),
                      _number(area["low"]), _number(area["high"]), area["offer"])  # fmt: skip
    console.print(table)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def register(app: typer.Typer) -> None:
    """Add ``servicechain scan`` to the main command."""
    app.add_typer(scan_app, name="scan")
