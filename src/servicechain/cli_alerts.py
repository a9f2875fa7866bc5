"""``servicechain alerts``: list, acknowledge and resolve closed-loop alerts; send pending notifications."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from servicechain.cli_common import console
from servicechain.cli_common import database_url as _database_url
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError
from servicechain.settings import Settings

alerts_app = typer.Typer(help="Closed-loop alerts: list, acknowledge, resolve, send notifications.",
                         no_args_is_help=True)  # fmt: skip


def _who(given: str | None) -> str:
    """Who acts, for the alert and the audit log (default: the operating-system user)."""
    return given or f"cli:{getpass.getuser()}"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f} h"


@alerts_app.command("list")
def list_command(
    unit: Annotated[str | None, typer.Option(help="Only this unit and the units below it (code).")] = None,
    open_only: Annotated[
        bool, typer.Option("--open/--all", help="Open alerts only (default), or all.")
    ] = True,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 100,
) -> None:
    """List alerts, newest first, with the time they took to acknowledge and resolve."""
    from servicechain.collect.alerts import list_alerts, load_rules

    with _user_errors():
        store = _open()
        path = _unit_path(store, unit) if unit else None
        found = list_alerts(store, path=path, status="open" if open_only else "all", limit=limit)
        names = {rule.key: rule.name("en") for rule in load_rules(Settings(database_url=_database_url())
                                                                   .alert_rules)}  # fmt: skip
    table = Table("id", "raised (UTC)", "unit", "rule", "summary", "comment", "contact", "status",
                  "to ack.", "to resolve", title="Alerts")  # fmt: skip
    for alert in found:
        table.add_row(str(alert["id"]), f"{alert['raised_at']:%Y-%m-%d %H:%M}", str(alert["unit_code"]),
                      names.get(alert["rule"], alert["rule"]), alert["summary"], alert["comment"] or "",
                      alert["contact"] or "", alert["status"], _hours(alert["hours_to_acknowledge"]),
                      _hours(alert["hours_to_resolve"]))  # fmt: skip
    console.print(table)
    if not found:
        console.print("no open alerts" if open_only else "no alerts", style="dim")


def _unit_path(store, code: str) -> str:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from servicechain.store import schema

    unit = schema.org_unit
    with store.engine.connect() as connection:
        path = connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar()
    if path is None:
        raise UserError(f"there is no unit {code!r}")
    return str(path)


@alerts_app.command("acknowledge")
def acknowledge_command(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (alerts list).")],
    by: Annotated[str | None, typer.Option("--by", help="Who (e-mail); default cli:<your login>.")] = None,
) -> None:
    """Acknowledge an alert: someone is on it."""
    from servicechain.collect.alerts import acknowledge

    with _user_errors():
        alert = acknowledge(_open(), alert_id, _who(by))
    console.print(f"alert {alert_id} acknowledged by {alert['acknowledged_by']} after "
                  f"{_hours(alert['hours_to_acknowledge'])}", highlight=False)  # fmt: skip


@alerts_app.command("resolve")
def resolve_command(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (alerts list).")],
    note: Annotated[str | None, typer.Option(help="What was done (called back, voucher sent, ...).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who (e-mail); default cli:<your login>.")] = None,
) -> None:
    """Resolve an alert, with an optional note (acknowledges it too if nobody had)."""
    from servicechain.collect.alerts import resolve

    with _user_errors():
        alert = resolve(_open(), alert_id, _who(by), note)
    console.print(f"alert {alert_id} resolved by {alert['resolved_by']} after "
                  f"{_hours(alert['hours_to_resolve'])}", highlight=False)  # fmt: skip


@alerts_app.command("send")
def send_command() -> None:
    """Send pending webhook and e-mail notifications once (for cron when no server runs)."""
    from servicechain.collect.notify import send_pending

    with _user_errors():
        settings = Settings(database_url=_database_url())
        if not (settings.alert_webhook_url or settings.smtp_host):
            raise UserError("no notification channel: set SERVICECHAIN_ALERT_WEBHOOK_URL and/or "
                            "SERVICECHAIN_SMTP_HOST")  # fmt: skip
        report = send_pending(_open(), settings)
    console.print(f"webhooks sent: {report.webhooks}; e-mails sent: {report.emails}; failed: "
                  f"{report.failures} (given up: {report.given_up})", highlight=False)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``servicechain alerts ...`` to the main command."""
    app.add_typer(alerts_app, name="alerts")
