"""``servicechain survey-links``: the per-unit links (and QR codes) of the customer and touchpoint surveys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from servicechain.cli_common import console, errors
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import UserError
from servicechain.settings import Settings

links_app = typer.Typer(
    help="Survey links per unit: customers open them (or scan their QR code) to answer without an account.",
    no_args_is_help=True,
)
UnitOption = Annotated[str, typer.Option("--unit", help="The unit's code.")]


@links_app.command("list")
def links_list(unit: UnitOption) -> None:
    """List the unit's active links with their URLs."""
    from servicechain.collect.links import link_url, links_of_unit

    settings = Settings()
    with _user_errors():
        links = links_of_unit(_open(), unit)
    if not links:
        errors.print(f"{unit} has no survey links yet: `servicechain survey-links create --unit {unit}`")
        return
    table = Table("key", "survey", "channel", "url", "created", title=f"Survey links of {unit}")
    for link in links:
        table.add_row(link.key, link.instrument_key, link.channel or "", link_url(settings, link.key),
                      str(link.created_at))  # fmt: skip
    console.print(table)


@links_app.command("create")
def links_create(
    unit: UnitOption,
    renew: Annotated[
        bool, typer.Option("--renew", help="Revoke the unit's links first (old QR codes stop).")
    ] = False,
) -> None:
    """Create the unit's missing links (one customer link, one touchpoint link per channel); prints the URLs.

    The URLs start with the setting public_url (default http://HOST:PORT)."""
    from servicechain.collect.links import ensure_links, link_url, renew_links

    settings = Settings()
    with _user_errors():
        links = (renew_links if renew else ensure_links)(_open(), unit)
    for link in links:
        label = f"{link.instrument_key}{'/' + link.channel if link.channel else ''}"
        console.print(f"{label:<22} {link_url(settings, link.key)}", highlight=False, soft_wrap=True)


@links_app.command("qr")
def links_qr(
    key: Annotated[str, typer.Argument(help="The link's key (see survey-links list).")],
    out: Annotated[Path, typer.Option("--out", help="File to write: NAME.png or NAME.svg.")],
    scale: Annotated[int, typer.Option(min=1, max=100, help="Pixels (PNG) or units (SVG) per module.")] = 10,
) -> None:
    """Write the QR code of a link as PNG or SVG."""
    from servicechain.collect.links import find_link, link_url, qr_png, qr_svg

    kind = out.suffix.lower().lstrip(".")
    with _user_errors():
        if kind not in ("png", "svg"):
            raise UserError(f"--out {out}: the file name must end in .png or .svg")
        link = find_link(_open(), key)
        if link is None:
            raise UserError(
                f"no active survey link {key!r}: see `servicechain survey-links list --unit CODE`"
            )
        url = link_url(Settings(), link.key)
        data = qr_png(url, scale=scale) if kind == "png" else qr_svg(url, scale=scale)
        try:
            out.write_bytes(data)
        except OSError as error:
            raise UserError(f"cannot write {out}: {error.strerror}") from None
    console.print(f"wrote {out} ({url})", highlight=False)


@links_app.command("revoke")
def links_revoke(key: Annotated[str, typer.Argument(help="The link's key (see survey-links list).")]) -> None:
    """Revoke a link: its page answers 'this link does not work' from now on."""
    from servicechain.collect.links import revoke_link

    with _user_errors():
        link = revoke_link(_open(), key)
    console.print(f"survey link {key} of {link.unit_code} revoked", highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the main ``servicechain`` command."""
    app.add_typer(links_app, name="survey-links")
