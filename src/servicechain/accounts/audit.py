"""The audit log: logins (failed ones too), logouts, exports, imports, tokens and passwords."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from servicechain.store import Store, schema


def now() -> datetime:
    """The time stamps of the audit log and of accounts: UTC, without time zone, to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def record(
    connection: sa.Connection, email: str, action: str, detail: str = "", client: str | None = None
) -> None:
    """Write one line of the audit log in the caller's transaction."""
    connection.execute(
        schema.audit_log.insert().values(
            logged_at=now(), email=email.lower()[:320], action=action, detail=detail[:2000], client=client
        )
    )


def log_event(store: Store, email: str, action: str, detail: str = "", client: str | None = None) -> None:
    """Write one line of the audit log in its own transaction."""
    with store.transaction() as connection:
        record(connection, email, action, detail, client)


def recent_failures(connection: sa.Connection, *, email: str, window: timedelta) -> list[datetime]:
    """When the failed logins for ``email`` within ``window`` happened, oldest first."""
    log = schema.audit_log
    rows = connection.execute(
        sa.select(log.c.logged_at)
        .where(
            log.c.email == email.lower(), log.c.action == "login_failed", log.c.logged_at >= now() - window
        )
        .order_by(log.c.logged_at)
    )
    return [row.logged_at for row in rows]


def entries(store: Store, *, limit: int = 100, action: str | None = None) -> list[dict[str, object]]:
    """The newest entries of the audit log, newest first."""
    log = schema.audit_log
    query = sa.select(log.c.logged_at, log.c.email, log.c.action, log.c.detail, log.c.client)
    if action:
        query = query.where(log.c.action == action)
    with store.engine.connect() as connection:
        rows = connection.execute(query.order_by(log.c.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]
