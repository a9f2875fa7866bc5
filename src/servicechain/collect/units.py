"""Unit codes to ids, held in memory for the intake path (reloaded when a code is new)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from servicechain.store import Store, schema

RELOAD_AFTER_SECONDS = 5.0
"""An unknown code reloads the units at most this often (bad codes must not hammer the store)."""
REFRESH_SECONDS = 60.0
"""Known codes are read again this often: a unit moved to another region moves out of scopes."""


@dataclass(frozen=True)
class UnitRef:
    """A unit as the intake path needs it."""

    id: int
    code: str
    path: str


class UnitDirectory:
    """``code -> UnitRef`` and ``employee code -> id``, thread-safe, refreshed lazily."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._units: dict[str, UnitRef] = {}
        self._by_id: dict[int, UnitRef] = {}
        self._employees: dict[str, tuple[int, int]] = {}
        self._loaded_at = -RELOAD_AFTER_SECONDS

    def _reload(self) -> None:
        now = time.monotonic()
        if now - self._loaded_at < RELOAD_AFTER_SECONDS:
            return
        units, employees = schema.org_unit, schema.employee
        with self._store.engine.connect() as connection:
            rows = connection.execute(sa.select(units.c.id, units.c.code, units.c.path)).all()
            staff = connection.execute(sa.select(employees.c.code, employees.c.id, employees.c.unit_id)).all()
        self._units = {row.code: UnitRef(int(row.id), row.code, row.path) for row in rows}
        self._by_id = {ref.id: ref for ref in self._units.values()}
        self._employees = {row.code: (int(row.id), int(row.unit_id)) for row in staff}
        self._loaded_at = now

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            with self._lock:
                self._reload()

    def unit(self, code: str) -> UnitRef | None:
        """The unit with this code, or None."""
        self._fresh()
        found = self._units.get(code)
        if found is None:
            with self._lock:
                self._reload()
                found = self._units.get(code)
        return found

    def unit_by_id(self, unit_id: int) -> UnitRef | None:
        """The unit with this id, or None."""
        self._fresh()
        found = self._by_id.get(unit_id)
        if found is None:
            with self._lock:
                self._reload()
                found = self._by_id.get(unit_id)
        return found

    def employee(self, code: str) -> tuple[int, int] | None:
        """``(id, unit id)`` of the employee with this code, or None."""
        self._fresh()
        found = self._employees.get(code)
        if found is None:
            with self._lock:
                self._reload()
                found = self._employees.get(code)
        return found
