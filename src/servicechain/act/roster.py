"""The roster as recognition reads it: employees with their name forms, team and employment dates.

A text about a unit is matched against the employees of that unit's subtree; a text about a
team against its whole location (customers praise a colleague of the next team too). A
team is a unit of kind ``team``, named "<location> - <team>"; its last part ("Servicebalie")
is what a team phrase in a text is compared with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from servicechain.act.praise import Vocabulary, fold, vocabulary
from servicechain.store import schema


def team_part(unit_name: str) -> str:
    """The team's own name: the part after the last " - " ("Utrecht Centraal - Servicebalie")."""
    return unit_name.rsplit(" - ", 1)[-1].strip()


def display_name(first: str | None, last: str | None, known_as: str | None = None) -> str:
    """How a page names an employee: "Sanne de Vries", or "Johannes (Hans) Bakker"."""
    first = (first or "").strip()
    nick = (known_as or "").strip()
    if nick and fold(nick) != fold(first):
        first = f"{first} ({nick})" if first else nick
    return " ".join(part for part in (first, (last or "").strip()) if part)


@dataclass(frozen=True)
class Employee:
    """One employee of the roster, as far as matching needs."""

    id: int
    code: str
    unit_id: int
    hired_on: date | None
    left_on: date | None
    own_forms: frozenset[str]
    """The folded first name and known-as name."""
    forms: frozenset[str]
    """``own_forms`` and their variants."""
    team: str | None
    """The folded team name, or None outside a team."""

    def employed_on(self, day: date | None) -> bool:
        """True when hired on or before ``day`` and not left by then (any day: None)."""
        if day is None:
            return True
        return (self.hired_on is None or self.hired_on <= day) and (
            self.left_on is None or self.left_on > day
        )

    def could_have_served(self, day: date | None) -> bool:
        """True when the writer of a text of ``day`` may have met them: hired by then, and not left
        more than :data:`WRITTEN_WITHIN` before it (a review is often written days after the visit)."""
        if day is None:
            return True
        return (self.hired_on is None or self.hired_on <= day) and (
            self.left_on is None or self.left_on > day - WRITTEN_WITHIN
        )


WRITTEN_WITHIN = timedelta(days=30)
"""How long after a visit its review may be written: a colleague who left in that time may be
the one praised."""


@dataclass
class Staff:
    """The employees of one location (or other unit's subtree), indexed by folded name form."""

    team_names: list[str]
    index: dict[str, list[Employee]] = field(default_factory=dict)

    @property
    def known(self) -> dict[str, list[Employee]]:
        """Every folded name form of these employees (the index itself: ``in`` is what callers ask)."""
        return self.index

    def named(self, form: str) -> list[Employee]:
        """The employees a folded name form can mean."""
        return self.index.get(form, [])


@dataclass
class Roster:
    """Units (id -> path, kind, name, parent) and employees with a name, ready for matching."""

    units: dict[int, tuple[str, str, str, int | None]]
    employees: list[Employee]
    digest: str = ""
    """SHA-256 of the units and employees as matched: a new digest means texts read before may
    match differently now (a name added, someone moved), so they are read again."""
    _staff: dict[int, Staff] = field(default_factory=dict)

    def scope_of(self, unit_id: int) -> int | None:
        """The unit whose subtree a text about ``unit_id`` is matched against (a team: its parent)."""
        unit = self.units.get(unit_id)
        if unit is None:
            return None
        if unit[1] == "team" and unit[3] is not None:
            return unit[3]
        return unit_id

    def of_unit(self, unit_id: int) -> Staff | None:
        """The staff a text about ``unit_id`` can name (cached); None for an unknown unit."""
        scope = self.scope_of(unit_id)
        if scope is None:
            return None
        if not self._staff:
            self._index()
        return self._staff.get(scope) or Staff([])

    def _index(self) -> None:
        """Staff per unit, in one pass: a unit's path ('/1/4/17/') names every unit above it."""
        teams: dict[int, set[str]] = {}
        for path, kind, name, _ in self.units.values():
            if kind == "team":
                for above in _ids(path):
                    teams.setdefault(above, set()).add(team_part(name))
        staff = {unit: Staff(sorted(teams.get(unit, ()))) for unit in self.units}
        for employee in self.employees:
            for above in _ids(self.units[employee.unit_id][0]):
                if above in staff:
                    for form in employee.forms:
                        staff[above].index.setdefault(form, []).append(employee)
        self._staff = dict(staff)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part.isdigit()]


def load(connection: sa.Connection, words: Vocabulary | None = None) -> Roster:
    """The units and the employees that have a first name or a known-as name."""
    words = words or vocabulary()
    unit, employee = schema.org_unit, schema.employee
    units = {
        int(r.id): (str(r.path), str(r.kind), str(r.name), None if r.parent_id is None else int(r.parent_id))
        for r in connection.execute(
            sa.select(unit.c.id, unit.c.path, unit.c.kind, unit.c.name, unit.c.parent_id)
        )
    }
    rows = connection.execute(
        sa.select(
            employee.c.id,
            employee.c.code,
            employee.c.unit_id,
            employee.c.hired_on,
            employee.c.left_on,
            employee.c.first_name,
            employee.c.known_as,
        ).where(sa.or_(employee.c.first_name.is_not(None), employee.c.known_as.is_not(None)))
    )
    people = []
    for row in rows:
        if int(row.unit_id) not in units:
            continue
        own = frozenset(
            fold(name.strip()) for name in (row.first_name, row.known_as) if name and name.strip()
        )
        forms = frozenset().union(*(words.forms(name) for name in own)) if own else frozenset()
        _path, kind, name, _ = units[int(row.unit_id)]
        team = fold(team_part(name)) if kind == "team" else None
        people.append(
            Employee(
                int(row.id),
                str(row.code),
                int(row.unit_id),
                row.hired_on,
                row.left_on,
                own,
                frozenset(forms),
                team,
            )
        )
    summary = repr((sorted(units.items()), sorted((e.id, e.unit_id, e.hired_on, e.left_on,
                                                      sorted(e.own_forms)) for e in people)))  # fmt: skip
    return Roster(units, people, hashlib.sha256(summary.encode()).hexdigest())
