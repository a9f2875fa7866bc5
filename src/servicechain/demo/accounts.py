"""One demo login per role, so the dashboards can be tried at once (``servicechain demo``).

Passwords are random per run and printed (and written beside the demo files); they are
demo accounts of a demo organisation, not a pattern for real ones (``servicechain users
add`` gives real users a one-time setup link instead).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

import sqlalchemy as sa

from servicechain.accounts.users import add_user, set_password
from servicechain.errors import UserError
from servicechain.store import Store, schema

DOMAIN = "demo.servicechain.nl"
_ALPHABET = string.ascii_letters + string.digits  # no punctuation: easy to copy from a terminal


@dataclass(frozen=True)
class DemoLogin:
    """A demo account with its password."""

    role: str
    email: str
    password: str
    unit: str


def _first_child(connection: sa.Connection, parent_id: int, kind: str) -> tuple[int, str]:
    unit = schema.org_unit
    row = connection.execute(
        sa.select(unit.c.id, unit.c.code)
        .where(unit.c.parent_id == parent_id, unit.c.kind == kind)
        .order_by(unit.c.code)
        .limit(1)
    ).one()
    return int(row.id), str(row.code)


def demo_logins(store: Store) -> list[DemoLogin]:
    """Create (or reset the passwords of) one account per role in the demo organisation."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        root = connection.execute(sa.select(unit.c.id, unit.c.code).where(unit.c.parent_id.is_(None))).one()
        region_id, region = _first_child(connection, int(root.id), "region")
        location_id, location = _first_child(connection, region_id, "location")
        _, team = _first_child(connection, location_id, "team")
    plan = [
        ("executive", "directie", str(root.code)),
        ("analyst", "analist", str(root.code)),
        ("regional-manager", "regio", region),
        ("unit-manager", "vestiging", location),
        ("employee", "medewerker", team),
    ]
    logins = []
    for role, name, code in plan:
        email, password = f"{name}@{DOMAIN}", "".join(secrets.choice(_ALPHABET) for _ in range(12))
        try:
            add_user(store, email, role, code, password=password)
        except UserError:  # the demo was loaded before: new password, same account
            set_password(store, email, password)
        logins.append(DemoLogin(role, email, password, code))
    return logins
