"""Checking one customer or touchpoint response against its instrument.

The intake API and the survey pages both end here: a body (parsed JSON, or a form turned
into the same shape) becomes a :class:`~servicechain.collect.model.Submission`, or a list of
:class:`Problem` naming each field that is wrong and why. Body fields::

    {"unit": "L001", "channel": "phone", "occurred_at": "2026-11-23T10:15:00+01:00",
     "answers": {"satisfaction": 2, "ease": 5, "valued": null},
     "employee": "E0042", "comment": "...", "contact": "06 1234 5678"}

Customer responses use ``submitted_at`` instead of ``occurred_at`` and their instrument's
items; they belong to the wave ``web-<quarter>`` of that moment.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from typing import Any

from servicechain.collect.model import Kind, Submission
from servicechain.collect.units import UnitDirectory, UnitRef
from servicechain.instruments import load_default_instruments
from servicechain.instruments.model import Instrument
from servicechain.web.i18n import N_

MAX_COMMENT = 2000
MAX_CONTACT = 320
MAX_KEY = 100
"""Longest Idempotency-Key: it is stored in source_key (128 characters) after the client id."""
EARLIEST = datetime(2000, 1, 1)
"""Moments before this are typing errors (or a till whose clock was never set)."""
FUTURE_SLACK = timedelta(minutes=5)
"""Clocks of tills differ: a moment up to five minutes ahead is accepted as now."""

_COMMON = {"unit", "channel", "answers", "comment", "contact"}
FIELDS: dict[str, set[str]] = {
    "touchpoint": _COMMON | {"occurred_at", "employee"},
    "customer": _COMMON | {"submitted_at"},
}
MOMENT = {"touchpoint": "occurred_at", "customer": "submitted_at"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no person types (PostgreSQL refuses NUL in text); line breaks and tabs are fine."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a body: the field (``answers.ease``) and a translatable message."""

    field: str
    message: str
    values: dict[str, Any] = dataclass_field(default_factory=dict)


class Invalid(Exception):
    """The body does not fit the instrument; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message.format(**p.values)}" for p in problems))
        self.problems = problems


def now_utc() -> datetime:
    """The time stamps of collected responses: UTC without a time zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def body_hash(body: Any) -> str:
    """SHA-256 of the body in canonical JSON: a retry must send the same body."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def quarter(moment: datetime) -> str:
    """``2026-Q4`` for a moment in October..December 2026."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _moment(value: Any, name: str, problems: list[Problem]) -> datetime:
    if value is None:
        return now_utc()
    if not isinstance(value, str):
        problems.append(Problem(name, N_("an ISO 8601 date and time, e.g. 2026-11-23T10:15:00+01:00")))
        return now_utc()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(Problem(name, N_("an ISO 8601 date and time, e.g. 2026-11-23T10:15:00+01:00")))
        return now_utc()
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # year 1 or 9999 moved across midnight by its time zone
        problems.append(Problem(name, N_("an ISO 8601 date and time, e.g. 2026-11-23T10:15:00+01:00")))
        return now_utc()
    if moment > now_utc() + FUTURE_SLACK:
        problems.append(Problem(name, N_("lies in the future")))
    elif moment < EARLIEST:
        problems.append(Problem(name, N_("lies before {year}"), {"year": EARLIEST.year}))
    return moment


def _answers(instrument: Instrument, given: Any, problems: list[Problem]) -> dict[str, int | None]:
    if not isinstance(given, dict):
        problems.append(Problem("answers", N_("an object of item keys and answers, e.g. {example}"),
                                {"example": '{"satisfaction": 4}'}))  # fmt: skip
        return {}
    answers: dict[str, int | None] = {}
    for key in sorted(set(given) - set(instrument.item_keys)):
        problems.append(Problem(f"answers.{key}", N_("not an item of this survey; items: {items}"),
                                {"items": ", ".join(instrument.item_keys)}))  # fmt: skip
    for item in instrument.items:
        value = given.get(item.key)
        scale = instrument.scales[item.scale]
        if value is None:
            if item.required:
                problems.append(Problem(f"answers.{item.key}", N_("is required")))
            answers[item.key] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not scale.min <= value <= scale.max:
            problems.append(Problem(f"answers.{item.key}", N_("a whole number from {low} to {high}"),
                                    {"low": scale.min, "high": scale.max}))  # fmt: skip
        else:
            answers[item.key] = value
    if not problems and all(value is None for value in answers.values()):
        problems.append(Problem("answers", N_("answer at least one question")))
    return answers


def _text(body: dict[str, Any], name: str, limit: int, problems: list[Problem]) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, N_("text")))
        return None
    if len(value) > limit:
        problems.append(Problem(name, N_("at most {limit} characters"), {"limit": limit}))
    elif CONTROL.search(value):
        problems.append(Problem(name, N_("contains control characters")))
    return value.strip() or None


def check(
    kind: Kind,
    body: Any,
    *,
    units: UnitDirectory,
    client_id: int,
    idempotency_key: str,
    scope: str | None = None,
) -> Submission:
    """The submission of ``body``, or :class:`Invalid` with every problem found.

    ``scope`` is the path of the subtree the caller may send for (None: any unit).
    """
    if not isinstance(body, dict):
        raise Invalid([Problem("", N_("the body must be a JSON object"))])
    instrument = load_default_instruments()[kind]
    known = {"fields": ", ".join(sorted(FIELDS[kind]))}
    problems = [
        Problem(name, N_("unknown field; fields: {fields}"), known)
        for name in sorted(set(body) - FIELDS[kind])
    ]
    unit = _unit(body.get("unit"), units, scope, problems)
    channel = _channel(kind, instrument, body.get("channel"), problems)
    moment = _moment(body.get(MOMENT[kind]), MOMENT[kind], problems)
    answers = _answers(instrument, body.get("answers"), problems)
    comment = _text(body, "comment", MAX_COMMENT, problems)
    contact = _text(body, "contact", MAX_CONTACT, problems)
    row: dict[str, Any] = {**answers, "unit_id": unit.id if unit else 0, "channel": channel}
    row.update({"comment": comment, MOMENT[kind]: moment})
    extra: dict[str, Any] = {}
    if kind == "touchpoint":
        row["employee_id"] = _employee(body.get("employee"), units, scope, problems)
    else:
        extra["wave"] = f"web-{quarter(moment)}"
    if problems:
        raise Invalid(problems)
    assert unit is not None
    return Submission(kind=kind, client_id=client_id, idempotency_key=idempotency_key, unit_id=unit.id,
                      row=row, body_hash=body_hash(body), contact=contact, unit_code=unit.code,
                      extra=extra)  # fmt: skip


def _unit(code: Any, units: UnitDirectory, scope: str | None, problems: list[Problem]) -> UnitRef | None:
    if not isinstance(code, str) or not code:
        problems.append(Problem("unit", N_("is required: the code of the unit")))
        return None
    unit = units.unit(code)
    if unit is None or (scope is not None and not unit.path.startswith(scope)):
        problems.append(Problem("unit", N_("unknown unit {code}, or not one this key may send for"),
                                {"code": code[:64]}))  # fmt: skip
        return None
    return unit


def _channel(kind: Kind, instrument: Instrument, value: Any, problems: list[Problem]) -> str | None:
    if not instrument.channels:
        if value is not None and (not isinstance(value, str) or len(value) > 32 or CONTROL.search(value)):
            problems.append(Problem("channel", N_("at most {limit} characters"), {"limit": 32}))
            return None
        return value  # type: ignore[no-any-return]
    if value not in instrument.channels:
        problems.append(
            Problem("channel", N_("one of {choices}"), {"choices": ", ".join(instrument.channels)})
        )
        return None
    return str(value)


def _employee(code: Any, units: UnitDirectory, scope: str | None, problems: list[Problem]) -> int | None:
    if code is None or code == "":
        return None
    found = units.employee(code) if isinstance(code, str) else None
    unit = units.unit_by_id(found[1]) if found else None
    if found is None or unit is None or (scope is not None and not unit.path.startswith(scope)):
        problems.append(Problem("employee", N_("unknown employee code, or not one this key may send for")))
        return None
    return found[0]
