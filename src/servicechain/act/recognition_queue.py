"""Listing and deciding recognition: the queue of suggestions, the confirmed praise per unit and employee.

A caller sees the recognition of their subtree (``path``): rows about a unit in it, or naming
an employee of it. Suggestions are confirmed or rejected by :data:`~servicechain.act.recognition.DECIDERS`;
ambiguous matches are resolved by :data:`~servicechain.act.recognition.RESOLVERS` choosing a
candidate (the choice confirms it) or rejecting. Every decision is written to the audit log in
the transaction that makes it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.act.recognition import (
    ACTIONS,
    BAD_ACTION,
    BAD_STATUS,
    CHOOSE_WHOM,
    CONFIRM_AMBIGUOUS,
    DECIDED,
    DECIDERS,
    FOR_ANALYSTS,
    FOR_MANAGERS,
    NOT_A_CANDIDATE,
    OPEN,
    RESOLVERS,
    STATUSES,
    UNKNOWN,
    UNKNOWN_EMPLOYEE,
    UNKNOWN_UNIT,
    RecognitionForbidden,
    RecognitionNotFound,
    RecognitionRefused,
)
from servicechain.act.roster import display_name, team_part
from servicechain.store import Store, schema

STAFF_UNIT = schema.org_unit.alias("staff_unit")
"""The unit of the employee a recognition names (the recognition's own unit is ``org_unit``)."""
FILTERS = ("open", "all", *STATUSES)
"""What :func:`list_recognition` filters on: ``open`` (suggested and ambiguous), ``all`` or one status."""


def _select() -> sa.Select:  # type: ignore[type-arg]
    rec, unit, employee, staff_unit = schema.recognition, schema.org_unit, schema.employee, STAFF_UNIT
    return (
        sa.select(
            rec,
            unit.c.code.label("unit_code"),
            unit.c.name.label("unit_name"),
            unit.c.path.label("unit_path"),
            employee.c.code.label("employee_code"),
            employee.c.first_name,
            employee.c.last_name,
            employee.c.known_as,
            staff_unit.c.code.label("employee_unit_code"),
            staff_unit.c.name.label("employee_unit_name"),
            staff_unit.c.path.label("employee_unit_path"),
        )
        .join(unit, unit.c.id == rec.c.unit_id)
        .outerjoin(employee, employee.c.id == rec.c.employee_id)
        .outerjoin(staff_unit, staff_unit.c.id == employee.c.unit_id)
    )


def _in_scope(path: str | None) -> sa.ColumnElement[bool]:
    if path is None:
        return sa.true()
    return sa.or_(
        schema.org_unit.c.path.startswith(path, autoescape=True),
        STAFF_UNIT.c.path.startswith(path, autoescape=True),
    )


def _visible(row: sa.Row, path: str | None) -> bool:  # type: ignore[type-arg]
    if path is None:
        return True
    return str(row.unit_path).startswith(path) or str(row.employee_unit_path or "").startswith(path)


def _people(connection: sa.Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    """Employees by id: code, name, unit code and name, team."""
    if not ids:
        return {}
    employee, unit = schema.employee, schema.org_unit
    rows = connection.execute(
        sa.select(
            employee.c.id,
            employee.c.code,
            employee.c.first_name,
            employee.c.last_name,
            employee.c.known_as,
            unit.c.code.label("unit_code"),
            unit.c.name.label("unit_name"),
            unit.c.kind,
        )
        .join(unit, unit.c.id == employee.c.unit_id)
        .where(employee.c.id.in_(ids))
    )
    return {int(r.id): _person(r) for r in rows}


def _person(row: Any) -> dict[str, Any]:
    return {
        "code": str(row.code),
        "name": display_name(row.first_name, row.last_name, row.known_as),
        "unit_code": str(row.unit_code),
        "unit_name": str(row.unit_name),
        "team": team_part(str(row.unit_name)) if row.kind == "team" else None,
    }


def _views(connection: sa.Connection, rows: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts: the employee (or None), the candidates with their teams, the excerpt split
    around the name (``before``, ``name``, ``after``) so pages can highlight it."""
    wanted = {int(i) for row in rows for i in json.loads(row.candidates)}
    wanted |= {int(row.employee_id) for row in rows if row.employee_id is not None}
    people = _people(connection, wanted)
    views = []
    for row in rows:
        excerpt, name = str(row.excerpt), str(row.name)
        at = excerpt.find(name)
        view = {
            key: row._mapping[key]
            for key in (
                "id",
                "unit_id",
                "unit_code",
                "unit_name",
                "source",
                "source_id",
                "said_on",
                "rating",
                "name",
                "excerpt",
                "status",
                "found_at",
                "decided_at",
                "decided_by",
            )
        }
        view["parts"] = (excerpt[:at], name, excerpt[at + len(name) :]) if at >= 0 else (excerpt, "", "")
        view["employee"] = people.get(int(row.employee_id)) if row.employee_id is not None else None
        view["candidates"] = [people[int(i)] for i in json.loads(row.candidates) if int(i) in people]
        views.append(view)
    return views


def list_recognition(
    store: Store,
    *,
    path: str | None = None,
    status: str = "open",
    unit_code: str | None = None,
    employee_code: str | None = None,
    year: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The recognition of the subtree below ``path`` (None: all): open ones ambiguous first, then newest
    first. ``unit_code``: about that unit's subtree (RecognitionNotFound outside the caller's);
    ``employee_code``: naming that employee; ``year``: said in that year."""
    if status not in FILTERS:
        raise RecognitionRefused(BAD_STATUS, status=status)
    rec, unit = schema.recognition, schema.org_unit
    query = _select().where(_in_scope(path))
    if status == "open":
        query = query.where(rec.c.status.in_(OPEN))
    elif status != "all":
        query = query.where(rec.c.status == status)
    if year is not None:
        query = query.where(
            rec.c.said_on >= datetime(year, 1, 1).date(), rec.c.said_on < datetime(year + 1, 1, 1).date()
        )
    with store.engine.connect() as connection:
        if unit_code is not None:
            found = connection.execute(sa.select(unit.c.path).where(unit.c.code == unit_code)).scalar()
            if found is None or (path is not None and not str(found).startswith(path)):
                raise RecognitionNotFound(UNKNOWN_UNIT, code=unit_code)
            query = query.where(_in_scope(str(found)))
        if employee_code is not None:
            query = query.where(schema.employee.c.code == employee_code, rec.c.status == "confirmed")
        order = [sa.case((rec.c.status == "ambiguous", 0), else_=1), rec.c.said_on.desc(), rec.c.id.desc()]
        rows = list(connection.execute(query.order_by(*order).limit(limit)))
        return _views(connection, rows)


def count_open(store: Store, *, path: str | None = None) -> int:
    """How many suggestions and ambiguous matches wait in the subtree below ``path``."""
    query = _select().where(_in_scope(path), schema.recognition.c.status.in_(OPEN)).subquery()
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(query)).scalar_one())


def get_recognition(store: Store, recognition_id: int, *, path: str | None = None) -> dict[str, Any]:
    """One recognition of the subtree below ``path``; RecognitionNotFound otherwise."""
    with store.engine.connect() as connection:
        row = _find(connection, recognition_id, path)
        return _views(connection, [row])[0]


def _find(connection: sa.Connection, recognition_id: int, path: str | None) -> Any:
    row = connection.execute(_select().where(schema.recognition.c.id == recognition_id)).first()
    if row is None or not _visible(row, path):
        raise RecognitionNotFound(UNKNOWN, id=recognition_id)
    return row


def employee_of(store: Store, code: str, *, path: str | None = None) -> dict[str, Any]:
    """The employee ``code`` of the subtree below ``path`` (code, name, unit, team, hired and left on)."""
    employee, unit = schema.employee, schema.org_unit
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(
                employee,
                unit.c.code.label("unit_code"),
                unit.c.name.label("unit_name"),
                unit.c.kind,
                unit.c.path,
            )
            .join(unit, unit.c.id == employee.c.unit_id)
            .where(employee.c.code == code)
        ).first()
    if row is None or (path is not None and not str(row.path).startswith(path)):
        raise RecognitionNotFound(UNKNOWN_EMPLOYEE, code=code)
    return _person(row) | {"role": row.role, "hired_on": row.hired_on, "left_on": row.left_on}


def _check_role(row: Any, action: str, role: str | None) -> None:
    if action not in ACTIONS:
        raise RecognitionRefused(BAD_ACTION, action=action)
    if row.status not in OPEN:
        raise RecognitionRefused(DECIDED, id=row.id, status=row.status)
    if row.status == "suggested" and role is not None and role not in DECIDERS:
        raise RecognitionForbidden(FOR_MANAGERS)
    if row.status == "ambiguous":
        if role is not None and role not in RESOLVERS:
            raise RecognitionForbidden(FOR_ANALYSTS)
        if action == "confirm":
            raise RecognitionRefused(CONFIRM_AMBIGUOUS, id=row.id)


def _chosen(connection: sa.Connection, row: Any, employee_code: str | None) -> int:
    """The id of the candidate ``employee_code`` (RecognitionRefused when it is none of them)."""
    candidates = [int(i) for i in json.loads(row.candidates)]
    people = _people(connection, set(candidates))
    choices = ", ".join(people[i]["code"] for i in candidates if i in people)
    if not employee_code:
        raise RecognitionRefused(CHOOSE_WHOM)
    for i in candidates:
        if i in people and people[i]["code"] == employee_code:
            return i
    raise RecognitionRefused(NOT_A_CANDIDATE, code=employee_code, choices=choices)


def decide(
    store: Store,
    recognition_id: int,
    action: str,
    email: str,
    role: str | None,
    *,
    employee_code: str | None = None,
    path: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Confirm or reject a suggestion, or choose a candidate of (or reject) an ambiguous match, as
    ``email`` with ``role`` (None: the operator of the command line, who may do both); the
    recognition after the decision. ``choose`` on a suggestion is
    allowed too (a manager picking the one candidate is a confirmation)."""
    moment = now or utc_now()
    rec = schema.recognition
    with store.transaction() as connection:
        row = _find(connection, recognition_id, path)
        _check_role(row, action, role)
        values: dict[str, Any] = {"decided_at": moment, "decided_by": email.lower()}
        if action == "reject":
            values["status"] = "rejected"
        elif action == "choose" or row.status == "ambiguous":
            values |= {"status": "confirmed", "employee_id": _chosen(connection, row, employee_code)}
        else:
            values["status"] = "confirmed"
        done = connection.execute(
            rec.update().where(rec.c.id == recognition_id, rec.c.status == row.status).values(**values)
        ).rowcount
        if done != 1:  # someone decided it a moment ago
            raise RecognitionRefused(DECIDED, id=recognition_id, status="decided")
        whom = values.get("employee_id", row.employee_id)
        record(
            connection,
            email,
            f"recognition_{values['status']}",
            f"recognition {recognition_id} {row.unit_code} {row.source} {row.source_id} "
            f"{row.name} employee {whom}",
            client,
        )
    return get_recognition(store, recognition_id, path=path)


def wall_path(store: Store, unit_id: int) -> str:
    """The subtree whose praise a user of ``unit_id`` sees on the compliments wall: a team's whole
    location (its parent), any other unit's own subtree."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(unit.c.kind, unit.c.path, unit.c.parent_id).where(unit.c.id == unit_id)
        ).first()
        if row is None:
            return "/none/"
        if row.kind == "team" and row.parent_id is not None:
            parent = connection.execute(sa.select(unit.c.path).where(unit.c.id == row.parent_id)).scalar()
            return str(parent or row.path)
        return str(row.path)
