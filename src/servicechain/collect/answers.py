"""Answering an employee survey with a one-use code, so that nothing links the code to the answer.

In one transaction: the invitation is marked used only if it was unused, and one
``employee_response`` row is written with the wave and the invitation's unit, never the
person. What could otherwise link them is taken away:

- the response has no column referring to the invitation, the employee or the code;
- its ``id`` is a random 62-bit number and its ``source_key`` random hex (not derived from
  the code), so neither tells the order of submission;
- ``submitted_on`` is the wave's opening day, the same for every answer;
- every invitation of the same wave and unit is rewritten in the same statement
  (``used = used OR id = :id``), in their stored order, so the physical order of the rows
  and their transaction ids (PostgreSQL ``ctid``/``xmin``) are the same whichever one was
  used last;
- nothing is written to the audit log and the code is never logged.
"""

from __future__ import annotations

import secrets
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from servicechain.collect.tokens import normalise_token, token_hash
from servicechain.errors import UserError
from servicechain.instruments import Instrument, load_default_instruments
from servicechain.store import Store, schema

COMMENT_LIMIT = 2000
NOT_APPLICABLE = "na"
"""The form value of a "not applicable" answer."""
_RETRIES = 5
_DUCKDB_ANSWERS = threading.Lock()
"""DuckDB has one writing process, this one: its answers are taken one at a time (PostgreSQL
answers of one unit wait for each other's row locks instead)."""


class SurveyRefused(UserError):
    """The code cannot be used: ``reason`` is ``unknown``, ``used`` or ``closed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"survey code refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class AnswerProblem:
    """Why one answer (``item``; "" for the whole form, "comment") was refused: ``reason`` is one of
    ``range``, ``not_a_number``, ``not_applicable``, ``required``, ``unknown_item``, ``no_answer``,
    ``comment_too_long``; ``values`` fill in the message."""

    item: str
    reason: str
    values: dict[str, int] = field(default_factory=dict)


class AnswersInvalid(UserError):
    """The answers do not fit the instrument; nothing was written."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        super().__init__("; ".join(f"{p.item or 'answers'}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Invitation:
    """What a valid code opens: the wave's code and threshold (never who was invited)."""

    wave_code: str
    threshold: int


def employee_instrument() -> Instrument:
    """The employee survey as shipped."""
    return load_default_instruments()["employee"]


def parse_form(form: dict[str, str], instrument: Instrument | None = None
               ) -> tuple[dict[str, int | None], list[AnswerProblem]]:  # fmt: skip
    """Answers from form fields (``item_key`` -> "3", "na" or ""): ``{item: value or None}`` and
    the problems of values that are not numbers or a "not applicable" the scale does not allow."""
    instrument = instrument or employee_instrument()
    answers: dict[str, int | None] = {}
    problems = []
    for item in instrument.items:
        raw = (form.get(item.key) or "").strip()
        if raw in ("", NOT_APPLICABLE):
            if raw == NOT_APPLICABLE and not instrument.scales[item.scale].not_applicable:
                problems.append(AnswerProblem(item.key, "not_applicable"))
            answers[item.key] = None
            continue
        try:
            answers[item.key] = int(raw)
        except ValueError:
            problems.append(AnswerProblem(item.key, "not_a_number"))
    return answers, problems


def check_answers(answers: dict[str, Any], comment: str | None, instrument: Instrument | None = None
                  ) -> list[AnswerProblem]:  # fmt: skip
    """Every problem of ``answers`` (``{item: int or None}``) and the comment against the instrument:
    values within the item's scale, required items answered, at least one answer."""
    instrument = instrument or employee_instrument()
    problems = [AnswerProblem(key, "unknown_item") for key in answers if key not in instrument.item_keys]
    given = 0
    for item in instrument.items:
        value = answers.get(item.key)
        scale = instrument.scales[item.scale]
        if value is None:
            if item.required:
                problems.append(AnswerProblem(item.key, "required"))
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(AnswerProblem(item.key, "not_a_number"))
        elif not scale.min <= value <= scale.max:
            problems.append(AnswerProblem(item.key, "range", {"min": scale.min, "max": scale.max}))
        else:
            given += 1
    if given == 0 and not any(p.reason in ("range", "not_a_number") for p in problems):
        problems.append(AnswerProblem("", "no_answer"))
    if comment is not None and len(comment) > COMMENT_LIMIT:
        problems.append(AnswerProblem("comment", "comment_too_long", {"limit": COMMENT_LIMIT}))
    return problems


def open_invitation(store: Store, code: str) -> Invitation:
    """The wave a code opens, or SurveyRefused (unknown, used, closed)."""
    with store.engine.connect() as connection:
        row = _lookup(connection, code)
    if row.status != "open":
        raise SurveyRefused("closed")
    if row.used:
        raise SurveyRefused("used")
    return Invitation(row.code, int(row.anonymity_threshold))


def _lookup(connection: sa.Connection, code: str) -> Any:
    token = normalise_token(code)
    if token is None:
        raise SurveyRefused("unknown")
    invitation, wave = schema.survey_invitation, schema.survey_wave
    row = connection.execute(
        sa.select(invitation.c.id, invitation.c.wave_id, invitation.c.unit_id, invitation.c.used,
                  wave.c.code, wave.c.status, wave.c.opened_on, wave.c.anonymity_threshold)
        .join(wave, wave.c.id == invitation.c.wave_id)
        .where(invitation.c.token_hash == token_hash(token))
    ).first()  # fmt: skip
    if row is None:
        raise SurveyRefused("unknown")
    return row


def submit_employee_answers(store: Store, code: str, answers: dict[str, int | None],
                            comment: str | None = None) -> None:  # fmt: skip
    """Store one anonymous response for the invitation of ``code`` and mark it used, in one
    transaction; SurveyRefused or AnswersInvalid write nothing."""
    problems = check_answers(answers, comment)
    if problems:
        raise AnswersInvalid(problems)
    comment = (comment or "").strip() or None
    for attempt in range(_RETRIES):
        try:
            one_at_a_time = _DUCKDB_ANSWERS if store.dialect == "duckdb" else nullcontext()
            with one_at_a_time, store.transaction() as connection:
                _store_answer(connection, code, answers, comment)
            return
        except sa.exc.DBAPIError as error:  # a concurrent answer in the same unit: try again
            if attempt == _RETRIES - 1 or not _is_conflict(error):
                raise
            time.sleep(0.01 * (attempt + 1) + secrets.randbelow(10) / 1000)


def _is_conflict(error: sa.exc.DBAPIError) -> bool:
    text = str(error.orig).lower()
    return any(word in text for word in ("conflict", "deadlock", "could not serialize", "duplicate key"))


def _store_answer(connection: sa.Connection, code: str, answers: dict[str, int | None],
                  comment: str | None) -> None:  # fmt: skip
    row = _lookup(connection, code)
    if row.status != "open":
        raise SurveyRefused("closed")
    invitation = schema.survey_invitation
    of_unit = sa.and_(invitation.c.wave_id == row.wave_id, invitation.c.unit_id == row.unit_id)
    if connection.dialect.name == "postgresql":  # answers in one unit wait for each other, in id order
        connection.execute(
            sa.select(invitation.c.id).where(of_unit).order_by(invitation.c.id).with_for_update()
        )
    used = connection.execute(sa.select(invitation.c.used).where(invitation.c.id == row.id)).scalar_one()
    if used:
        raise SurveyRefused("used")
    connection.execute(
        invitation.update().where(of_unit).values(used=invitation.c.used | (invitation.c.id == row.id))
    )
    connection.execute(schema.employee_response.insert().values(
        id=1 + secrets.randbelow(2**62 - 1), source_key=secrets.token_hex(32), wave_id=row.wave_id,
        unit_id=row.unit_id, submitted_on=row.opened_on, comment=comment, import_id=0,
        **{key: answers.get(key) for key in employee_instrument().item_keys}))  # fmt: skip
    _shuffle_group(connection, row.wave_id, row.unit_id)


def _shuffle_group(connection: sa.Connection, wave_id: int, unit_id: int) -> None:
    """Deal the answers of this wave and unit (those collected here) over their rows again, at random.

    A new row lands at the end of the table (DuckDB's ``rowid``, PostgreSQL's ``ctid``), so
    physical order would tell which answer came last; together with who left the reminders
    list in between, that names the person. After the deal, the last row holds any answer
    of the unit, and on PostgreSQL every row of the unit is rewritten (same ``xmin``), in
    random order.
    """
    responses = schema.employee_response
    of_group = sa.and_(
        responses.c.wave_id == wave_id, responses.c.unit_id == unit_id, responses.c.import_id == 0
    )
    rows = [dict(found) for found in connection.execute(sa.select(responses).where(of_group)).mappings()]
    fixed = {"id", "source_key"}  # random per row, unrelated to the answer: they stay with their row
    contents = [{name: value for name, value in found.items() if name not in fixed} for found in rows]
    deal = secrets.SystemRandom()
    deal.shuffle(contents)
    slots = [found["id"] for found in rows]
    deal.shuffle(slots)
    update = responses.update().where(responses.c.id == sa.bindparam("slot"))
    for slot, content in zip(slots, contents, strict=True):
        connection.execute(
            update.values(**{name: sa.bindparam(name) for name in content}), {"slot": slot, **content}
        )
