"""``servicechain intake-keys``: API keys of the apps and tills that send responses."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from servicechain.cli_common import console, errors
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.settings import Settings

keys_app = typer.Typer(
    help="Intake API keys: apps and tills POST touchpoints and customer responses with them.",
    no_args_is_help=True,
)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="The client, e.g. 'tills-north' or 'mobile-app'.")],
    unit: Annotated[str, typer.Option(help="The unit code it may send for (with everything below it).")],
    rate: Annotated[
        float | None, typer.Option(help="Requests per second it may send (default: intake_rate_per_second).")
    ] = None,
) -> None:
    """Create an intake key; it is printed once and cannot be shown again."""
    from servicechain.collect.intake_keys import create_key

    with _user_errors():
        key = create_key(_open(), name, unit, rate or Settings().intake_rate_per_second)
    errors.print(f"intake key for {name} (shown once; keep it secret; send it as Authorization: Bearer KEY):")
    sys.stdout.write(key + "\n")


@keys_app.command("list")
def keys_list() -> None:
    """List the intake keys (prefix, client, scope, rate limit, state)."""
    from servicechain.collect.intake_keys import list_keys

    with _user_errors():
        keys = list_keys(_open())
    table = Table("prefix", "client", "unit", "requests/s", "created", "revoked", title="Intake keys")
    for key in keys:
        table.add_row(key.prefix, key.name, key.unit_code, f"{key.rate_per_second:g}", str(key.created_at),
                      str(key.revoked_at or ""))  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see intake-keys list).")],
) -> None:
    """Revoke a key: its requests get 401 within seconds."""
    from servicechain.collect.intake_keys import revoke_key

    with _user_errors():
        revoke_key(_open(), prefix)
    console.print(f"intake key {prefix} revoked", highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the main ``servicechain`` command."""
    app.add_typer(keys_app, name="intake-keys")
