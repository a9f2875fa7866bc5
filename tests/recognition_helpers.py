"""Recognition test data on a live demo store: reviews that praise a colleague (through the real import),
namesakes of a location, and recognition rows to decide (for the access probes)."""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from servicechain.ingest.pipeline import import_file
from servicechain.store import Store, schema

DAY = date(2026, 9, 15)
"""When the planted reviews are posted (inside the demo's last quarter)."""


def _employees(store: Store, unit_code: str) -> list[sa.Row]:  # type: ignore[type-arg]
    """Employees of the unit's subtree working on :data:`DAY`, with their unit's name, by code."""
    employee, unit = schema.employee, schema.org_unit
    with store.engine.connect() as connection:
        path = connection.execute(sa.select(unit.c.path).where(unit.c.code == unit_code)).scalar_one()
        rows = connection.execute(
            sa.select(employee, unit.c.name.label("unit_name"), unit.c.kind)
            .join(unit, unit.c.id == employee.c.unit_id)
            .where(unit.c.path.startswith(path), employee.c.first_name.is_not(None))
            .order_by(employee.c.code)
        )
        return [r for r in rows if (r.hired_on or DAY) <= DAY and (r.left_on is None or r.left_on > DAY)]


def namesakes(store: Store, unit_code: str) -> tuple[str, list[str]]:
    """A first name two or more colleagues of the unit share, and their codes."""
    by_name: dict[str, list[str]] = {}
    for row in _employees(store, unit_code):
        by_name.setdefault(str(row.first_name), []).append(str(row.code))
    shared = sorted((name, codes) for name, codes in by_name.items() if len(codes) >= 2)
    assert shared, f"{unit_code} has no namesakes"
    return shared[0]


def only_one(store: Store, unit_code: str) -> tuple[str, str, str]:
    """A colleague whose first name nobody else of the unit has: name, code, unit name."""
    rows = _employees(store, unit_code)
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row.first_name)] = counts.get(str(row.first_name), 0) + 1
    row = next(
        r for r in rows if counts[str(r.first_name)] == 1 and r.first_name not in ("Mei", "Wei", "Fleur")
    )
    return str(row.first_name), str(row.code), str(row.unit_name)


def plant(store: Store, unit_code: str, *texts: str) -> list[str]:
    """Import 5-star reviews of the unit with these texts (the real reviews import); their review ids."""
    keys = [f"RV-T{uuid.uuid4().hex[:10]}" for _ in texts]
    lines = ["review_id,source,unit_code,posted_at,rating,rating_max,language,text"]
    lines += [
        f'{key},google,{unit_code},{DAY.isoformat()}T12:00:00,5,5,nl,"{text}"'
        for key, text in zip(keys, texts, strict=True)
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reviews.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = import_file(store, "reviews", path)
    assert result.inserted == len(texts), result.summary()
    return keys


def recognition_of(store: Store, review_key: str) -> list[sa.Row]:  # type: ignore[type-arg]
    """The recognition rows found in the review ``review_key``."""
    rec, review = schema.recognition, schema.review
    with store.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(rec)
                .join(review, sa.and_(rec.c.source == "review", review.c.id == rec.c.source_id))
                .where(review.c.source_key == review_key)
            )
        )


def make_row(store: Store, unit_code: str, status: str) -> int:
    """A recognition row to decide at the unit: a suggestion for one colleague, or an ambiguous match
    between two; its id. The name is unique, so rows never collide."""
    people = _employees(store, unit_code)[:2]
    name = f"Probe{uuid.uuid4().hex[:8]}"
    rec, review, unit = schema.recognition, schema.review, schema.org_unit
    with store.transaction() as connection:
        unit_id = connection.execute(sa.select(unit.c.id).where(unit.c.code == unit_code)).scalar_one()
        source = connection.execute(sa.select(sa.func.min(review.c.id))).scalar_one()
        return int(
            connection.execute(
                rec.insert()
                .values(
                    unit_id=unit_id, source="review", source_id=source, said_on=DAY, rating=1.0, name=name,
                    excerpt=f"{name} was super behulpzaam.", status=status,
                    employee_id=people[0].id if status == "suggested" else None,
                    candidates=json.dumps([p.id for p in (people[:1] if status == "suggested" else people)]),
                    found_at=datetime(2026, 9, 16),
                )
                .returning(rec.c.id)
            ).scalar_one()
        )  # fmt: skip


def status_of(store: Store, recognition_id: int) -> str:
    """The status of one recognition row."""
    rec = schema.recognition
    with store.engine.connect() as connection:
        return str(connection.execute(sa.select(rec.c.status).where(rec.c.id == recognition_id)).scalar_one())
