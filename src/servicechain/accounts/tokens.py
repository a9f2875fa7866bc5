"""API tokens for scripts: ``Authorization: Bearer sc_<prefix>_<secret>``.

Only a SHA-256 digest of the token is stored (the token carries 256 random bits, so a
slow password hash adds nothing); the prefix identifies it in lists and the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from servicechain.accounts.audit import now, record
from servicechain.accounts.users import User, find_user
from servicechain.errors import UserError
from servicechain.store import Store, schema


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the token itself)."""

    prefix: str
    name: str
    email: str
    created_at: datetime
    last_used_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, email: str, name: str) -> str:
    """A new token for the user; it is shown once and cannot be read back."""
    user = find_user(store, email=email)
    prefix = secrets.token_hex(4)
    token = f"sc_{prefix}_{secrets.token_urlsafe(32)}"
    with store.transaction() as connection:
        connection.execute(
            schema.api_token.insert().values(
                user_id=user.id, name=name, prefix=prefix, token_hash=_digest(token), created_at=now()
            )
        )
        record(connection, user.email, "token_created", f"token {prefix} ({name})")
    return token


def user_for_token(store: Store, token: str) -> User | None:
    """The user of a valid, unrevoked token (and note its use), or None."""
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != "sc":
        return None
    tokens = schema.api_token
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(tokens.c.id, tokens.c.user_id, tokens.c.token_hash, tokens.c.last_used_at).where(
                tokens.c.prefix == parts[1], tokens.c.revoked_at.is_(None)
            )
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, _digest(token)):
        return None
    stamp = now()
    if row.last_used_at is None or (stamp - row.last_used_at).total_seconds() > 60:
        with store.transaction() as connection:  # at most once a minute: reads stay reads
            connection.execute(tokens.update().where(tokens.c.id == row.id).values(last_used_at=stamp))
    try:
        return find_user(store, user_id=int(row.user_id))
    except UserError:
        return None  # the user was disabled


def list_tokens(store: Store) -> list[TokenInfo]:
    """Active tokens, newest first."""
    tokens, users = schema.api_token, schema.app_user
    query = (
        sa.select(tokens.c.prefix, tokens.c.name, users.c.email, tokens.c.created_at, tokens.c.last_used_at)
        .join(users, users.c.id == tokens.c.user_id)
        .where(tokens.c.revoked_at.is_(None))
        .order_by(tokens.c.id.desc())
    )
    with store.engine.connect() as connection:
        return [TokenInfo(**row._mapping) for row in connection.execute(query)]


def revoke_token(store: Store, prefix: str) -> None:
    """Revoke the token with this prefix."""
    tokens = schema.api_token
    with store.transaction() as connection:
        row = connection.execute(
            sa.select(tokens.c.id, tokens.c.user_id).where(
                tokens.c.prefix == prefix, tokens.c.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            raise UserError(f"no active token {prefix}")
        connection.execute(tokens.update().where(tokens.c.id == row.id).values(revoked_at=now()))
        email = connection.execute(
            sa.select(schema.app_user.c.email).where(schema.app_user.c.id == row.user_id)
        ).scalar_one()
        record(connection, email, "token_revoked", f"token {prefix}")
