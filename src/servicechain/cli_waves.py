"""``servicechain waves``: open an employee survey wave, export its links and reminders, close it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from servicechain.cli_common import console, errors
from servicechain.cli_common import database_url as _database_url
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError
from servicechain.settings import PLACEHOLDER_SECRET, Settings

waves_app = typer.Typer(
    help="Employee survey waves: one-use personal links and kiosk codes, reminders, close.",
    no_args_is_help=True,
)


def _settings() -> Settings:
    settings = Settings(database_url=_database_url())
    if settings.response_digest_key == PLACEHOLDER_SECRET:
        errors.print(
            "[yellow]warning[/yellow]: SERVICECHAIN_SECRET_KEY is the placeholder: the links only work on a "
            "server with the same key (serve --dev), and anyone can derive them; set a long random secret"
        )
    return settings


def _write_links(path: Path, rows: list) -> None:  # type: ignore[type-arg]
    from servicechain.collect.waves import links_csv

    try:
        path.write_text(links_csv(rows), encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}") from None
    console.print(f"{len(rows)} link(s) written to {path}", highlight=False)


@waves_app.command("open")
def open_command(
    code: Annotated[str, typer.Argument(help="Code of the new wave, e.g. MW-2026-Q4.")],
    unit: Annotated[str, typer.Option(help="Unit code: every current employee of its subtree is invited.")],
    period: Annotated[str, typer.Option(help="Reporting period: 2026-Q4, 2026-09 or 2026.")],
    threshold: Annotated[
        int | None, typer.Option(help="Anonymity threshold 3..10, fixed now (default: the setting).")
    ] = None,
    links_csv: Annotated[
        Path | None, typer.Option("--links-csv", help="Also write the personal links to this CSV file.")
    ] = None,
) -> None:
    """Open an employee survey wave for a subtree: one invitation per current employee."""
    from servicechain.collect.waves import open_wave, wave_links

    with _user_errors():
        settings = _settings()
        store = _open()
        wave = open_wave(store, code, unit, period, threshold, settings=settings)
        console.print(
            f"wave {wave.code} is open: {wave.invited} employee(s) of {wave.unit_name} ({wave.unit_code}) "
            f"invited, period {wave.period}, anonymity threshold {wave.threshold}",
            highlight=False,
        )
        if links_csv is not None:
            _write_links(links_csv, wave_links(store, wave.code, settings))
        else:
            console.print(
                f"links: servicechain waves links {wave.code} --out links.csv", style="dim", highlight=False
            )


@waves_app.command("list")
def list_command() -> None:
    """Every employee survey wave with invited and answered counts."""
    from servicechain.collect.waves import list_waves

    with _user_errors():
        waves = list_waves(_open())
    if not waves:
        console.print(
            "no employee survey waves yet: servicechain waves open CODE --unit UNIT --period PERIOD"
        )
        return
    table = Table("wave", "units", "period", "threshold", "status", "opened", "invited", "answered", "rate",
                  title="Employee survey waves")  # fmt: skip
    for wave in waves:
        rate = f"{wave.response_rate:.0%}" if wave.response_rate is not None else ""
        table.add_row(wave.code, wave.unit_code or "(imported)", wave.period or "", str(wave.threshold or ""),
                      wave.status, str(wave.opened_on or ""), str(wave.invited or ""), str(wave.answered),
                      rate)  # fmt: skip
    console.print(table)


@waves_app.command("links")
def links_command(
    code: Annotated[str, typer.Argument(help="The wave.")],
    out: Annotated[Path, typer.Option(help="CSV file to write: employee_code, unit_code, link, kiosk_code.")],
) -> None:
    """Write every invitation's personal link and kiosk code (the same links every time)."""
    from servicechain.collect.waves import wave_links

    with _user_errors():
        _write_links(out, wave_links(_open(), code, _settings()))


@waves_app.command("reminders")
def reminders_command(
    code: Annotated[str, typer.Argument(help="The wave.")],
    out: Annotated[Path, typer.Option(help="CSV file to write (links of invitations not used yet).")],
) -> None:
    """Write the links of the invitations not used yet, for a reminder mail."""
    from servicechain.collect.waves import reminders

    with _user_errors():
        _write_links(out, reminders(_open(), code, _settings()))


@waves_app.command("close")
def close_command(code: Annotated[str, typer.Argument(help="The wave.")]) -> None:
    """Close a wave: its links stop accepting answers."""
    from servicechain.cli_web import refresh_results
    from servicechain.collect.waves import close_wave

    with _user_errors():
        store = _open()
        wave = close_wave(store, code)
        console.print(f"wave {wave.code} closed: {wave.answered} of {wave.invited} answered", highlight=False)
        refresh_results(store)  # its results appear in the dashboards now


def register(app: typer.Typer) -> None:
    """Add ``servicechain waves`` to the main command."""
    app.add_typer(waves_app, name="waves")
