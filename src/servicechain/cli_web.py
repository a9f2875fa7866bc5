"""``servicechain serve``, ``refresh``, ``users``, ``tokens`` and ``audit``: the web side of the CLI."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from servicechain.accounts.roles import ROLES
from servicechain.cli_common import console, errors
from servicechain.cli_common import database_url as _database_url
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import steps as _steps
from servicechain.cli_common import user_errors as _user_errors
from servicechain.errors import ServicechainError
from servicechain.settings import Settings

users_app = typer.Typer(help="Accounts: add users, set passwords, list them.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts (Authorization: Bearer TOKEN).", no_args_is_help=True)


def _settings() -> Settings:
    return Settings(database_url=_database_url())


def refresh_results(store) -> None:  # type: ignore[no-untyped-def]
    """Rebuild the dashboards' precomputed results, with a progress bar."""
    from servicechain.analysis.snapshot import REFRESH_STEPS, refresh

    with _steps(REFRESH_STEPS) as step:
        info = refresh(store, settings=_settings(), on_step=step)
    console.print(f"dashboards refreshed in {info.seconds:.1f} s (snapshot {info.id})", style="dim",
                  highlight=False)  # fmt: skip


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: setting host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: setting port, 8000).")] = None,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev", help="Allow the placeholder secret and plain-http cookies (your own machine only)."
        ),
    ] = False,
) -> None:
    """Serve the dashboards and the JSON API (migrates the store first)."""
    import uvicorn

    from servicechain.web.app import create_app

    with _user_errors():
        settings = _settings()
        store = _open()  # applies migrations
        application = create_app(settings, store=store, dev=dev)
        if store.dialect == "duckdb":
            from servicechain.analysis.snapshot import is_stale, latest_snapshot

            if is_stale(store, latest_snapshot(store)):
                refresh_results(store)
        application.state.results.get(store)  # read the results into memory before the first page
    where = f"http://{host or settings.host}:{port or settings.port}"
    console.print(
        f"servicechain serves {where} (API: {where}/api/v1/docs); stop with Ctrl+C", highlight=False
    )
    if dev:
        errors.print("[yellow]--dev[/yellow]: development mode; never use it on a shared server")
    uvicorn.run(application, host=host or settings.host, port=port or settings.port, log_level="warning")


def refresh() -> None:
    """Recompute the results the dashboards show (done after every import automatically)."""
    with _user_errors():
        refresh_results(_open())


def audit(
    limit: Annotated[int, typer.Option(help="How many entries, newest first.", min=1)] = 50,
    action: Annotated[
        str | None, typer.Option(help="Only this action: login, login_failed, export, ...")
    ] = None,
) -> None:
    """Show the audit log: logins (also failed), logouts, exports, imports, tokens, passwords."""
    from servicechain.accounts.audit import entries

    with _user_errors():
        rows = entries(_open(), limit=limit, action=action)
    table = Table("when (UTC)", "who", "action", "detail", "client", title="Audit log")
    for row in rows:
        table.add_row(str(row["logged_at"]), str(row["email"]), str(row["action"]), str(row["detail"]),
                      str(row["client"] or ""))  # fmt: skip
    console.print(table)


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The user's e-mail address (their login).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    unit: Annotated[
        str | None, typer.Option(help="Unit code whose subtree they see (managers, employees).")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="Address of the server in the setup link.")] = None,
) -> None:
    """Add a user and print a one-time setup link (valid 7 days) on which they choose a password."""
    from servicechain.accounts.users import SETUP_LINK_DAYS, add_user, setup_token

    with _user_errors():
        settings = _settings()
        user = add_user(_open(), email, role, unit)
    base = (base_url or settings.site_url).rstrip("/")
    console.print(f"added {user.email} ({user.role}, {user.unit_name})", highlight=False)
    link = f"{base}/setup/{setup_token(user, settings.secret_key)}"
    console.print(f"setup link (valid {SETUP_LINK_DAYS} days, once): {link}", highlight=False, soft_wrap=True)


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The user's e-mail address.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Set a user's password (asked twice, hidden); their other sessions end."""
    from servicechain.accounts.users import set_password

    with _user_errors():
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
        user = set_password(_open(), email, password)
    console.print(f"password set for {user.email}", highlight=False)


@users_app.command("sign-out")
def users_sign_out(email: Annotated[str, typer.Argument(help="The user's e-mail address.")]) -> None:
    """Sign a user out everywhere (a lost phone, a shared computer): every session ends now."""
    from servicechain.accounts.users import end_sessions

    with _user_errors():
        end_sessions(_open(), email)
    console.print(f"every session of {email} has ended", highlight=False)


@users_app.command("disable")
def users_disable(email: Annotated[str, typer.Argument(help="The user's e-mail address.")]) -> None:
    """Disable an account (someone left): no sign-in, sessions and API tokens stop at once."""
    from servicechain.accounts.users import disable_user

    with _user_errors():
        disable_user(_open(), email)
    console.print(f"{email} is disabled", highlight=False)


@users_app.command("list")
def users_list() -> None:
    """List the users with their role and unit."""
    from servicechain.accounts.users import list_users

    with _user_errors():
        users = list_users(_open())
    table = Table("e-mail", "role", "unit", "password set", title="Users")
    for user in users:
        table.add_row(
            user.email, user.role, f"{user.unit_code} {user.unit_name}", "yes" if user.has_password else "no"
        )
    console.print(table)


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Argument(help="The user the token acts as (same role and unit).")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
) -> None:
    """Create an API token; it is printed once and cannot be shown again."""
    from servicechain.accounts.tokens import create_token

    with _user_errors():
        token = create_token(_open(), email, name)
    errors.print("the token (shown once; keep it secret):")
    sys.stdout.write(token + "\n")


@tokens_app.command("list")
def tokens_list() -> None:
    """List active tokens (prefix, name, user, last use)."""
    from servicechain.accounts.tokens import list_tokens

    with _user_errors():
        tokens = list_tokens(_open())
    table = Table("prefix", "name", "user", "created", "last used", title="API tokens")
    for token in tokens:
        table.add_row(
            token.prefix, token.name, token.email, str(token.created_at), str(token.last_used_at or "")
        )
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's prefix (see tokens list).")],
) -> None:
    """Revoke a token: scripts using it get 401 from now on."""
    from servicechain.accounts.tokens import revoke_token

    with _user_errors():
        revoke_token(_open(), prefix)
    console.print(f"token {prefix} revoked", highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the main ``servicechain`` command."""
    app.command()(serve)
    app.command()(refresh)
    app.command()(audit)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


__all__ = ["ServicechainError", "refresh_results", "register"]
