"""Employee survey waves opened here: invitations per current employee of a subtree, links, close.

A wave fixes its anonymity threshold when it opens (from the argument or the settings; no
code path changes it later). Each invitation holds a random salt and the hash of its code
(:mod:`servicechain.collect.tokens`); the links are derived again whenever they are
exported. Invitations record only *whether* they were used: the answers
(:mod:`servicechain.collect.answers`) carry the wave and the unit, never the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from servicechain.collect.tokens import derive_token, format_token, new_salt, token_hash
from servicechain.errors import UserError
from servicechain.ingest.cells import normalise_period
from servicechain.settings import Settings
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids

INSTRUMENT = "employee"
THRESHOLDS = range(3, 11)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# The messages of WaveRefused (English; the web pages translate them, see web/waves.py).
WAVE_EXISTS = "A wave {code} exists already: choose another code."
UNKNOWN_UNIT = "There is no unit {unit}."
NO_EMPLOYEES = "{unit} and the units below it have no current employees: there is nobody to invite."
BAD_THRESHOLD = "The anonymity threshold must be a whole number from 3 to 10."
BAD_PERIOD = "{period} is not a period: use 2026-Q4, 2026-09 or 2026."
BAD_CODE = "A wave code has 1 to 64 letters, digits, dots, dashes or underscores."
UNKNOWN_WAVE = "There is no employee survey wave {code}."
ALREADY_CLOSED = "Wave {code} is closed already."
MESSAGES = (WAVE_EXISTS, UNKNOWN_UNIT, NO_EMPLOYEES, BAD_THRESHOLD, BAD_PERIOD, BAD_CODE, UNKNOWN_WAVE,
            ALREADY_CLOSED)  # fmt: skip


class WaveRefused(UserError):
    """A wave cannot be opened, found or closed: ``message`` (English, with ``{name}`` fields) and
    ``values``, so pages can translate it."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values


@dataclass(frozen=True)
class UnitCount:
    """Invited and answered in one unit of a wave."""

    unit_code: str
    unit_name: str
    invited: int
    answered: int


@dataclass(frozen=True)
class Wave:
    """An employee survey wave with its counts."""

    id: int
    code: str
    period: str | None
    threshold: int | None
    status: str
    opened_on: date | None
    closed_on: date | None
    unit_code: str | None
    """Root of the invited subtree (None: a wave that came in by import)."""
    unit_name: str | None
    invited: int = 0
    answered: int = 0
    units: list[UnitCount] = field(default_factory=list)
    """Per unit, only units with at least ``threshold`` invitations (smaller ones are not shown)."""

    @property
    def response_rate(self) -> float | None:
        """Answered / invited (0..1), None without invitations."""
        return self.answered / self.invited if self.invited else None

    def as_json(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "code": self.code, "period": self.period, "threshold": self.threshold, "status": self.status,
            "opened_on": self.opened_on.isoformat() if self.opened_on else None,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "unit": self.unit_code, "unit_name": self.unit_name, "invited": self.invited,
            "answered": self.answered, "response_rate": self.response_rate,
            "units": [vars(unit) for unit in self.units],
        }  # fmt: skip


@dataclass(frozen=True)
class LinkRow:
    """One line of the links CSV for the HR mail system."""

    employee_code: str
    unit_code: str
    link: str
    kiosk_code: str


LINK_COLUMNS = ("employee_code", "unit_code", "link", "kiosk_code")


def _check_opening(code: str, period: str, threshold: int | None, settings: Settings) -> tuple[str, int]:
    if not _CODE.match(code):
        raise WaveRefused(BAD_CODE)
    normalised = normalise_period(period)
    if normalised is None:
        raise WaveRefused(BAD_PERIOD, period=period)
    fixed = settings.anonymity_threshold if threshold is None else threshold
    if fixed not in THRESHOLDS:
        raise WaveRefused(BAD_THRESHOLD)
    return normalised, fixed


def _unit(connection: sa.Connection, unit_code: str) -> Any:
    unit = schema.org_unit
    row = connection.execute(sa.select(unit.c.id, unit.c.path).where(unit.c.code == unit_code)).first()
    if row is None:
        raise WaveRefused(UNKNOWN_UNIT, unit=unit_code)
    return row


def open_wave(store: Store, code: str, unit_code: str, period: str, threshold: int | None = None, *,
              settings: Settings) -> Wave:  # fmt: skip
    """Open wave ``code`` for every current employee of ``unit_code``'s subtree; one transaction."""
    code, unit_code = code.strip(), unit_code.strip()
    period, fixed = _check_opening(code, period, threshold, settings)
    wave, unit, employee = schema.survey_wave, schema.org_unit, schema.employee
    with store.transaction() as connection:
        root = _unit(connection, unit_code)
        exists = sa.select(wave.c.id).where(wave.c.instrument_key == INSTRUMENT, wave.c.code == code)
        if connection.execute(exists).first() is not None:
            raise WaveRefused(WAVE_EXISTS, code=code)
        invited = connection.execute(
            sa.select(employee.c.id, employee.c.unit_id)
            .join(unit, unit.c.id == employee.c.unit_id)
            .where(unit.c.path.startswith(root.path), employee.c.left_on.is_(None))
            .order_by(employee.c.id)
        ).all()
        if not invited:
            raise WaveRefused(NO_EMPLOYEES, unit=unit_code)
        wave_id = int(allocate_ids(connection, wave, 1)[0])
        connection.execute(wave.insert().values(
            id=wave_id, code=code, instrument_key=INSTRUMENT, period=period, anonymity_threshold=fixed,
            status="open", opened_on=date.today(), unit_id=root.id))  # fmt: skip
        ids = allocate_ids(connection, schema.survey_invitation, len(invited)).tolist()
        rows = []
        for invitation_id, person in zip(ids, invited, strict=True):
            salt = new_salt()
            token = derive_token(settings.response_digest_key, invitation_id, salt)
            rows.append({"id": invitation_id, "wave_id": wave_id, "employee_id": person.id,
                         "unit_id": person.unit_id, "salt": salt, "token_hash": token_hash(token),
                         "used": False})  # fmt: skip
        connection.execute(schema.survey_invitation.insert(), rows)
    return find_wave(store, code)


def _wave_row(connection: sa.Connection, code: str) -> Any:
    wave = schema.survey_wave
    row = connection.execute(
        sa.select(wave).where(wave.c.instrument_key == INSTRUMENT, wave.c.code == code.strip())
    ).first()
    if row is None:
        raise WaveRefused(UNKNOWN_WAVE, code=code)
    return row


def close_wave(store: Store, code: str) -> Wave:
    """Close an open wave: its links answer "closed" from now on."""
    wave = schema.survey_wave
    with store.transaction() as connection:
        row = _wave_row(connection, code)
        if row.status == "closed":
            raise WaveRefused(ALREADY_CLOSED, code=row.code)
        connection.execute(
            wave.update().where(wave.c.id == row.id).values(status="closed", closed_on=date.today())
        )
    return find_wave(store, code)


def list_waves(store: Store) -> list[Wave]:
    """Every employee survey wave, newest first, with invited and answered counts."""
    wave, unit = schema.survey_wave, schema.org_unit
    invitation, response = schema.survey_invitation, schema.employee_response
    with store.engine.connect() as connection:
        waves = connection.execute(
            sa.select(wave, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"))
            .outerjoin(unit, unit.c.id == wave.c.unit_id)
            .where(wave.c.instrument_key == INSTRUMENT)
            .order_by(wave.c.opened_on.desc().nulls_last(), wave.c.id.desc())
        ).all()
        invited = connection.execute(
            sa.select(invitation.c.wave_id, invitation.c.unit_id, sa.func.count().label("n")).group_by(
                invitation.c.wave_id, invitation.c.unit_id
            )
        ).all()
        answered = connection.execute(
            sa.select(response.c.wave_id, response.c.unit_id, sa.func.count().label("n")).group_by(
                response.c.wave_id, response.c.unit_id
            )
        ).all()
        everyone = connection.execute(sa.select(unit.c.id, unit.c.code, unit.c.name))
        names = {row.id: (row.code, row.name) for row in everyone}
    invited_by = {(row.wave_id, row.unit_id): int(row.n) for row in invited}
    answered_by = {(row.wave_id, row.unit_id): int(row.n) for row in answered}
    return [_wave(row, invited_by, answered_by, names) for row in waves]


def _wave(row: sa.Row[Any], invited: dict[tuple[int, int], int], answered: dict[tuple[int, int], int],
          names: dict[int, tuple[str, str]]) -> Wave:  # fmt: skip
    mine = sorted(unit_id for wave_id, unit_id in invited if wave_id == row.id)
    threshold = row.anonymity_threshold
    units = [
        UnitCount(names[u][0], names[u][1], invited[(row.id, u)], answered.get((row.id, u), 0))
        for u in mine
        if threshold is not None and invited[(row.id, u)] >= threshold
    ]
    return Wave(
        id=row.id, code=row.code, period=row.period, threshold=threshold, status=row.status,
        opened_on=row.opened_on, closed_on=row.closed_on, unit_code=row.unit_code, unit_name=row.unit_name,
        invited=sum(invited[(row.id, u)] for u in mine),
        answered=sum(n for (wave_id, _u), n in answered.items() if wave_id == row.id),
        units=sorted(units, key=lambda count: count.unit_code),
    )  # fmt: skip


def find_wave(store: Store, code: str) -> Wave:
    """One employee survey wave with its counts."""
    for wave in list_waves(store):
        if wave.code == code.strip():
            return wave
    raise WaveRefused(UNKNOWN_WAVE, code=code)



def wave_links(store: Store, code: str, settings: Settings, *, unused_only: bool = False) -> list[LinkRow]:
    """The personal link and kiosk code of every invitation of wave ``code`` (derived again, the
    same every time), by unit and employee code; ``unused_only``: the reminders list."""
    invitation, employee, unit = schema.survey_invitation, schema.employee, schema.org_unit
    with store.engine.connect() as connection:
        wave = _wave_row(connection, code)
        query = (
            sa.select(invitation.c.id, invitation.c.salt, employee.c.code.label("employee_code"),
                      unit.c.code.label("unit_code"))
            .join(employee, employee.c.id == invitation.c.employee_id)
            .join(unit, unit.c.id == invitation.c.unit_id)
            .where(invitation.c.wave_id == wave.id)
            .order_by(unit.c.code, employee.c.code)
        )  # fmt: skip
        if unused_only:
            query = query.where(invitation.c.used.is_(False))
        rows = connection.execute(query).all()
    base = settings.site_url
    links = []
    for row in rows:
        shown = format_token(derive_token(settings.response_digest_key, row.id, row.salt))
        links.append(LinkRow(row.employee_code, row.unit_code, f"{base}/e/{shown}", shown))
    return links


def reminders(store: Store, code: str, settings: Settings) -> list[LinkRow]:
    """The links of the invitations not used yet (for a reminder mail)."""
    return wave_links(store, code, settings, unused_only=True)


def links_csv(rows: list[LinkRow]) -> str:
    """The links as CSV (comma, UTF-8, a header line) for the HR mail system."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LINK_COLUMNS)
    writer.writerows((row.employee_code, row.unit_code, row.link, row.kiosk_code) for row in rows)
    return buffer.getvalue()
