"""Helpers of the alert tests: store a response and raise its alerts the way the intake's writer does."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.collect.alerts import load_rules, raise_alerts
from servicechain.collect.model import Kind, Submission
from servicechain.store import Store, schema


def unit_id(store: Store, code: str) -> int:
    """The id of the unit ``code``."""
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(schema.org_unit.c.id).where(schema.org_unit.c.code == code))
                   .scalar_one())  # fmt: skip


def submission(kind: Kind, unit: int, *, contact: str | None = None, **row: Any) -> Submission:
    """A submission of ``kind`` for the unit with id ``unit``; ``row`` holds answers, comment, channel."""
    return Submission(kind=kind, client_id=0, idempotency_key=uuid.uuid4().hex, unit_id=unit, row=row,
                      body_hash="0" * 64, contact=contact)  # fmt: skip


def respond(store: Store, kind: Kind, unit_code: str, *, contact: str | None = None,
            raised_at: datetime | None = None, **answers: Any) -> list[int]:  # fmt: skip
    """Store one response of ``kind`` at ``unit_code`` and raise its alerts in the same transaction
    (as the intake's writer does); the ids of the new alerts."""
    moment = raised_at or utc_now()
    unit = unit_id(store, unit_code)
    common = {"source_key": uuid.uuid4().hex, "unit_id": unit, "import_id": 0,
              "comment": answers.get("comment"), "channel": answers.get("channel")}  # fmt: skip
    if kind == "touchpoint":
        table = schema.touchpoint_response
        row = common | {"occurred_at": moment, "channel": answers.get("channel") or "in_person"}
        row |= {key: answers.get(key) for key in ("satisfaction", "ease", "valued")}
    else:
        table = schema.customer_response
        row = common | {"wave_id": 0, "submitted_at": moment}
        row |= {key: answers.get(key) for key in ("satisfaction", "continue", "recommend")}
    with store.transaction() as connection:
        response_id = int(connection.execute(table.insert().values(**row).returning(table.c.id)).scalar_one())
        before = connection.execute(sa.select(sa.func.max(schema.alert.c.id))).scalar() or 0
        raise_alerts(connection, load_rules(), submission(kind, unit, contact=contact, **row), response_id,
                     moment)  # fmt: skip
        ids = connection.execute(sa.select(schema.alert.c.id).where(schema.alert.c.id > before)
                                 .order_by(schema.alert.c.id)).scalars()  # fmt: skip
        return [int(i) for i in ids]
