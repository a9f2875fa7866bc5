"""Closed-loop alerts: raised with the response that meets a rule, read per subtree, acted on.

The intake's writer calls :func:`raise_alerts` in the transaction that stores a batch of
responses, so an alert is never lost when its response is stored. Managers then
acknowledge (someone is on it) and resolve (with an optional note) each alert; the times it
took are kept, and both acts go into the audit log. A caller sees and acts on the alerts of
their subtree only: another unit's alert is :class:`AlertNotFound`, like an unknown id.

Times are UTC without time zone, like every time stamp of the store.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.collect.model import Submission
from servicechain.collect.rules import AlertRule, RuleError, evaluate, load_rules, shipped_rules_path
from servicechain.errors import UserError
from servicechain.store import Store, schema

__all__ = [
    "AlertNotFound", "AlertRule", "RuleError", "acknowledge", "count_alerts", "evaluate", "get_alert",
    "list_alerts", "load_rules", "raise_alerts", "resolve", "shipped_rules_path", "unit_summary",
]  # fmt: skip

Status = Literal["open", "all"]
MAX_NOTE = 2000


class AlertNotFound(UserError):
    """No such alert for this caller: unknown, or outside their subtree."""


def raise_alerts(connection: sa.Connection, rules: Sequence[AlertRule], submission: Submission,
                 response_id: int, now: datetime) -> int:  # fmt: skip
    """Store an alert for every rule ``submission`` meets, in the caller's transaction; how many."""
    found = evaluate(rules, submission)
    if found:
        connection.execute(schema.alert.insert(), [
            {**alert, "contact": (alert["contact"] or None) and alert["contact"][:320],
             "unit_id": submission.unit_id, "source": submission.kind, "response_id": response_id,
             "raised_at": now}
            for alert in found
        ])  # fmt: skip
    return len(found)


def _select() -> sa.Select:  # type: ignore[type-arg]
    alert, unit = schema.alert, schema.org_unit
    return sa.select(
        alert, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"), unit.c.path.label("unit_path")
    ).join(unit, unit.c.id == alert.c.unit_id)


def _where(query: sa.Select, path: str | None, status: Status) -> sa.Select:  # type: ignore[type-arg]
    if path is not None:
        query = query.where(schema.org_unit.c.path.startswith(path, autoescape=True))
    if status == "open":
        query = query.where(schema.alert.c.resolved_at.is_(None))
    elif status != "all":
        raise UserError(f"unknown status {status!r}: open or all")
    return query


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds() / 3600


def _view(row: sa.Row, now: datetime) -> dict[str, Any]:  # type: ignore[type-arg]
    alert = dict(row._mapping)
    alert["status"] = ("resolved" if alert["resolved_at"] else
                       "acknowledged" if alert["acknowledged_at"] else "open")  # fmt: skip
    alert["hours_to_acknowledge"] = _hours(alert["raised_at"], alert["acknowledged_at"])
    alert["hours_to_resolve"] = _hours(alert["raised_at"], alert["resolved_at"])
    alert["age_hours"] = _hours(alert["raised_at"], alert["resolved_at"] or now)
    return alert


def list_alerts(store: Store, *, path: str | None = None, status: Status = "open", limit: int | None = None,
                offset: int = 0, now: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The alerts of the subtree below ``path`` (None: all), newest first, with their unit, status
    and times (``hours_to_acknowledge``, ``hours_to_resolve``, ``age_hours``)."""
    newest_first = (schema.alert.c.raised_at.desc(), schema.alert.c.id.desc())
    query = _where(_select(), path, status).order_by(*newest_first)
    query = query.limit(limit).offset(offset) if limit is not None else query.offset(offset)
    moment = now or utc_now()
    with store.engine.connect() as connection:
        return [_view(row, moment) for row in connection.execute(query)]


def count_alerts(store: Store, *, path: str | None = None, status: Status = "open") -> int:
    """How many alerts :func:`list_alerts` would list."""
    query = _where(sa.select(sa.func.count()).select_from(schema.alert.join(
        schema.org_unit, schema.org_unit.c.id == schema.alert.c.unit_id)), path, status)  # fmt: skip
    with store.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _find(connection: sa.Connection, alert_id: int, path: str | None) -> sa.Row:  # type: ignore[type-arg]
    row = connection.execute(_select().where(schema.alert.c.id == alert_id)).first()
    if row is None or (path is not None and not str(row.unit_path).startswith(path)):
        raise AlertNotFound(f"there is no alert {alert_id} among your units")
    return row


def get_alert(store: Store, alert_id: int, *, path: str | None = None) -> dict[str, Any]:
    """One alert of the subtree below ``path``; AlertNotFound otherwise."""
    with store.engine.connect() as connection:
        return _view(_find(connection, alert_id, path), utc_now())


def acknowledge(store: Store, alert_id: int, email: str, *, path: str | None = None,
                client: str | None = None, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Mark the alert as being handled by ``email`` (the first acknowledgement counts); the alert."""
    moment = now or utc_now()
    alert = schema.alert
    with store.transaction() as connection:
        row = _find(connection, alert_id, path)
        unacknowledged = (alert.c.id == alert_id, alert.c.acknowledged_at.is_(None))
        done = connection.execute(alert.update().where(*unacknowledged)
                                  .values(acknowledged_at=moment, acknowledged_by=email.lower()))  # fmt: skip
        if done.rowcount:
            detail = f"alert {alert_id} {row.rule} {row.unit_code}"
            record(connection, email, "alert_acknowledged", detail, client)
        return _view(_find(connection, alert_id, path), moment)


def resolve(store: Store, alert_id: int, email: str, note: str | None = None, *, path: str | None = None,
            client: str | None = None, now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Close the alert with an optional note (acknowledging it too if nobody had); the alert.

    Resolving a resolved alert changes nothing (two managers pressing the button at once)."""
    moment = now or utc_now()
    note = (note or "").strip()[:MAX_NOTE] or None
    alert = schema.alert
    with store.transaction() as connection:
        row = _find(connection, alert_id, path)
        connection.execute(alert.update().where(alert.c.id == alert_id, alert.c.acknowledged_at.is_(None))
                           .values(acknowledged_at=moment, acknowledged_by=email.lower()))  # fmt: skip
        done = connection.execute(
            alert.update()
            .where(alert.c.id == alert_id, alert.c.resolved_at.is_(None))
            .values(resolved_at=moment, resolved_by=email.lower(), resolution=note)
        )
        if done.rowcount:
            detail = f"alert {alert_id} {row.rule} {row.unit_code}" + (f": {note}" if note else "")
            record(connection, email, "alert_resolved", detail, client)
        return _view(_find(connection, alert_id, path), moment)


def unit_summary(store: Store, *, path: str | None = None, days: int = 30, now: datetime | None = None
                 ) -> list[dict[str, Any]]:  # fmt: skip
    """Per unit with alerts: open alerts, alerts resolved in the last ``days`` days and the median
    hours from raised to resolved among those (None when none), by unit code."""
    moment = now or utc_now()
    alert, unit = schema.alert, schema.org_unit
    query = sa.select(unit.c.id, unit.c.code, unit.c.name, alert.c.raised_at, alert.c.resolved_at).join(
        unit, unit.c.id == alert.c.unit_id).where(sa.or_(
            alert.c.resolved_at.is_(None), alert.c.resolved_at >= moment - timedelta(days=days)))  # fmt: skip
    if path is not None:
        query = query.where(unit.c.path.startswith(path, autoescape=True))
    units: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            fresh = {"unit_id": int(row.id), "unit_code": row.code, "unit_name": row.name, "open": 0}
            entry = units.setdefault(int(row.id), fresh | {"hours": []})
            if row.resolved_at is None:
                entry["open"] += 1
            else:
                entry["hours"].append(_hours(row.raised_at, row.resolved_at))
    summary = []
    for entry in sorted(units.values(), key=lambda entry: str(entry["unit_code"])):
        hours = entry.pop("hours")
        summary.append(
            entry
            | {"resolved": len(hours), "median_hours_to_resolve": statistics.median(hours) if hours else None}
        )
    return summary
