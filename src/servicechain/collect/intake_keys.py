"""API keys of intake clients (apps, tills): ``Authorization: Bearer sci_<prefix>_<secret>``.

A key may send responses only for units in the subtree it was created for, at most
``rate_per_second`` requests a second (a token bucket with a burst of two seconds' worth).
Only a SHA-256 digest is stored; keys are checked against a copy held in memory for a few
seconds, so a revoked key stops within :data:`CACHE_SECONDS` on every server.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from servicechain.accounts.audit import now
from servicechain.errors import UserError
from servicechain.store import Store, schema

CACHE_SECONDS = 5.0
MAX_CACHED = 10_000
PREFIX = "sci"
_PREFIX_FORMAT = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True)
class IntakeClient:
    """A client as the intake path needs it: its scope is ``unit_path`` and below."""

    id: int
    name: str
    prefix: str
    key_hash: str
    unit_code: str
    unit_path: str
    rate_per_second: float
    created_at: datetime
    revoked_at: datetime | None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _select() -> sa.Select:  # type: ignore[type-arg]
    clients, units = schema.intake_client, schema.org_unit
    return sa.select(
        clients.c.id, clients.c.name, clients.c.prefix, clients.c.key_hash, units.c.code.label("unit_code"),
        units.c.path.label("unit_path"), clients.c.rate_per_second, clients.c.created_at,
        clients.c.revoked_at,
    ).join(units, units.c.id == clients.c.unit_id)  # fmt: skip


def create_key(store: Store, name: str, unit_code: str, rate_per_second: float) -> str:
    """A new key for client ``name`` scoped to ``unit_code`` and below; shown once."""
    if rate_per_second <= 0:
        raise UserError("the rate limit must be above 0 requests per second")
    prefix = secrets.token_hex(4)
    key = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with store.transaction() as connection:
        unit_id = connection.execute(
            sa.select(schema.org_unit.c.id).where(schema.org_unit.c.code == unit_code)
        ).scalar()
        if unit_id is None:
            raise UserError(f"unknown unit {unit_code!r}: see `servicechain status` for the units")
        connection.execute(schema.intake_client.insert().values(
            name=name, prefix=prefix, key_hash=_digest(key), unit_id=unit_id,
            rate_per_second=rate_per_second, created_at=now()))  # fmt: skip
    return key


def list_keys(store: Store) -> list[IntakeClient]:
    """Every key, newest first (never the key itself)."""
    with store.engine.connect() as connection:
        rows = connection.execute(_select().order_by(schema.intake_client.c.id.desc()))
        return [IntakeClient(**row._mapping) for row in rows]


def revoke_key(store: Store, prefix: str) -> None:
    """Stop the key with this prefix (within :data:`CACHE_SECONDS` on running servers)."""
    with store.transaction() as connection:
        done = connection.execute(
            schema.intake_client.update()
            .where(schema.intake_client.c.prefix == prefix, schema.intake_client.c.revoked_at.is_(None))
            .values(revoked_at=now())
        )
    if done.rowcount == 0:
        raise UserError(f"no active intake key with prefix {prefix!r} (see `servicechain intake-keys list`)")


class KeyRing:
    """Checks keys and rate limits in memory (thread-safe)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[float, IntakeClient | None]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}

    def client(self, key: str | None) -> IntakeClient | None:
        """The active client of ``key``, or None."""
        if not key:
            return None
        parts = key.split("_", 2)
        if len(parts) < 3 or parts[0] != PREFIX or not _PREFIX_FORMAT.fullmatch(parts[1]):
            return None
        prefix = parts[1]
        cached = self._clients.get(prefix)
        if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
            if len(self._clients) >= MAX_CACHED:  # random prefixes must not grow memory without end
                self._clients.clear()
            with self._store.engine.connect() as connection:
                row = connection.execute(_select().where(schema.intake_client.c.prefix == prefix)).first()
            cached = (time.monotonic(), IntakeClient(**row._mapping) if row else None)
            self._clients[prefix] = cached
        client = cached[1]
        if client is None or client.revoked_at is not None:
            return None
        return client if hmac.compare_digest(client.key_hash, _digest(key)) else None

    def wait_seconds(self, client: IntakeClient) -> float:
        """0 when the client may send now (and count it), else how long to wait."""
        rate = client.rate_per_second
        burst = max(2 * rate, 1.0)
        with self._lock:
            stamp = time.monotonic()
            last, tokens = self._buckets.get(client.id, (stamp, burst))
            tokens = min(burst, tokens + (stamp - last) * rate)
            if tokens >= 1:
                self._buckets[client.id] = (stamp, tokens - 1)
                return 0.0
            self._buckets[client.id] = (stamp, tokens)
            return (1 - tokens) / rate
