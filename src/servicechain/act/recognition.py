"""Recognition: praise of a named employee in reviews and comments, matched against the roster.

:func:`find_recognition` reads the positive texts (reviews of at least 70% of their maximum;
customer and touchpoint responses whose satisfaction answer is in the top two boxes, the
``satisfaction_item`` of the instruments), finds praised names in them
(:mod:`servicechain.act.praise`) and matches each name against the employees of the text's
unit who were employed on the day of the text (``hired_on <= day < left_on``). Exact first
names or ``known_as`` names win over variants; a team phrase in the sentence ("aan de
servicebalie") narrows the candidates to that team. One candidate: a *suggestion* for that
employee; several (or a team phrase that fits none of them): *ambiguous*, for an analyst to
resolve. Running it again adds nothing (one row per source, text and name), and reads only
texts newer than the last run (``recognition_scan`` keeps, per source, the highest id read and
a digest of the roster): a changed roster (names imported, people moved) reads every text
again, and so does ``full=True`` (``servicechain recognition find --all``). Ids a little below
the mark are read again (:data:`RESCAN_MARGIN`): writers that draw ids in blocks (the intake)
may commit a lower id after a higher one.

Deciding (:func:`decide`): managers and executives confirm or reject suggestions of their
subtree; analysts resolve ambiguous ones by choosing a candidate, or reject them. Decisions
go into the audit log. Another unit's recognition is :class:`RecognitionNotFound`, like an
unknown id.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.act import roster as roster_of
from servicechain.act.praise import Vocabulary, mentions, vocabulary
from servicechain.errors import Refused
from servicechain.instruments.model import load_default_instruments
from servicechain.store import Store, schema

STATUSES = ("suggested", "ambiguous", "confirmed", "rejected")
OPEN = ("suggested", "ambiguous")
ACTIONS = ("confirm", "reject", "choose")
DECIDERS = frozenset({"executive", "regional-manager", "unit-manager"})
"""Who confirms or rejects a suggestion (within their subtree)."""
RESOLVERS = frozenset({"analyst"})
"""Who resolves an ambiguous match."""
REVIEW_POSITIVE = 0.7
"""A review praises when its rating is at least this fraction of its maximum: 4 of 5 stars, or 7 of 10
(on a ten-point scale a 7 is "ruim voldoende", a positive mark; no five-point rating lies between
0.7 and 0.8)."""
SOURCES = ("review", "customer", "touchpoint")
TABLES = {
    "review": schema.review,
    "customer": schema.customer_response,
    "touchpoint": schema.touchpoint_response,
}
RESCAN_MARGIN = 20_000
"""Ids below the last mark read again: several intake writers each hold a block of 2,000 ids."""

# Messages (English, with {fields}); the web layer translates them.
UNKNOWN = "There is no recognition {id} among your units."
UNKNOWN_EMPLOYEE = "There is no employee {code} among your units."
UNKNOWN_UNIT = "There is no unit {code} among your units."
DECIDED = "Recognition {id} is already {status}: it cannot be decided again."
BAD_ACTION = "The decision must be confirm, reject or choose, not {action}."
NOT_A_CANDIDATE = "{code} is not one of the colleagues this name can mean: choose one of {choices}."
CHOOSE_WHOM = "Choose the colleague this praise is about."
CONFIRM_AMBIGUOUS = "Recognition {id} can mean several colleagues: an analyst chooses one."
FOR_MANAGERS = "Suggestions are confirmed or rejected by the unit's managers and executives."
FOR_ANALYSTS = "Ambiguous matches are resolved by an analyst."
BAD_STATUS = "The status must be one of open, all, suggested, ambiguous, confirmed or rejected, not {status}."
MESSAGES = (
    UNKNOWN,
    UNKNOWN_EMPLOYEE,
    UNKNOWN_UNIT,
    DECIDED,
    BAD_ACTION,
    NOT_A_CANDIDATE,
    CHOOSE_WHOM,
    CONFIRM_AMBIGUOUS,
    FOR_MANAGERS,
    FOR_ANALYSTS,
    BAD_STATUS,
)


class RecognitionRefused(Refused):
    """A decision or query refused: ``message`` (English, with ``{name}`` fields) and ``values``."""


class RecognitionNotFound(RecognitionRefused):
    """No such recognition or employee for this caller: unknown, or outside their subtree."""


class RecognitionForbidden(RecognitionRefused):
    """The caller's role does not decide this kind of recognition."""


@dataclass(frozen=True)
class Text:
    """One positive text: where it came from, its unit, day, rating (fraction) and words."""

    source: str
    source_id: int
    unit_id: int
    said_on: date | None
    rating: float
    text: str
    employee_id: int | None = None
    """Touchpoints: the employee the contact was with, when the till knew."""


@dataclass
class FindResult:
    """What one run of :func:`find_recognition` did."""

    texts: int = 0
    suggested: int = 0
    ambiguous: int = 0
    seconds: float = 0.0
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def added(self) -> int:
        """New rows (suggested and ambiguous)."""
        return self.suggested + self.ambiguous


def _top_two(instrument: str) -> tuple[str, int, int]:
    """The satisfaction item of an instrument, the lowest top-two-box answer and the scale's maximum."""
    found = load_default_instruments()[instrument]
    item = str(found.scoring.get("satisfaction_item", "satisfaction"))
    scale = found.scale_of(item)
    return item, scale.max - 1, scale.max


def _day(moment: Any) -> date | None:
    if moment is None:
        return None
    return moment.date() if isinstance(moment, datetime) else moment  # type: ignore[no-any-return]


def positive_texts(
    connection: sa.Connection, window: dict[str, tuple[int, int]] | None = None
) -> Iterator[Text]:
    """Reviews of at least :data:`REVIEW_POSITIVE` of their maximum, and customer and touchpoint
    comments whose satisfaction answer is in the top two boxes; with ``window`` ({source: (after,
    upto)}) only those with ``after < id <= upto``."""

    def within(source: str, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        if window is None:
            return sa.true()
        after, upto = window[source]
        return sa.and_(column > after, column <= upto)

    review = schema.review
    rows = connection.execute(
        sa.select(
            review.c.id,
            review.c.unit_id,
            review.c.posted_at,
            review.c.rating,
            review.c.rating_max,
            review.c.text,
        ).where(
            review.c.text.is_not(None),
            review.c.rating_max > 0,
            review.c.rating >= review.c.rating_max * REVIEW_POSITIVE,
            within("review", review.c.id),
        )
    )
    for row in rows:
        yield Text(
            "review",
            int(row.id),
            int(row.unit_id),
            _day(row.posted_at),
            float(row.rating) / float(row.rating_max),
            str(row.text),
        )
    for source, table, when in (
        ("customer", schema.customer_response, "submitted_at"),
        ("touchpoint", schema.touchpoint_response, "occurred_at"),
    ):
        item, lowest, top = _top_two(source)
        who = table.c.employee_id if "employee_id" in table.c else sa.null()
        query = sa.select(
            table.c.id,
            table.c.unit_id,
            table.c[when],
            table.c[item],
            table.c.comment,
            who.label("employee_id"),
        )
        query = query.where(table.c.comment.is_not(None), table.c[item] >= lowest, within(source, table.c.id))
        for row in connection.execute(query):
            yield Text(
                source,
                int(row.id),
                int(row.unit_id),
                _day(row[2]),
                float(row[3]) / top,
                str(row.comment),
                None if row.employee_id is None else int(row.employee_id),
            )


def match(text: Text, staff: roster_of.Staff, words: Vocabulary, moment: datetime) -> list[dict[str, Any]]:
    """The recognition rows (not yet stored) for the praised names of one text."""
    rows = []
    for mention in mentions(text.text, staff.known, staff.team_names, words):
        people = [e for e in staff.named(mention.folded) if e.could_have_served(text.said_on)]
        exact = [e for e in people if mention.folded in e.own_forms]
        people = exact or people
        fits = True
        if mention.teams:
            narrowed = [e for e in people if e.team in mention.teams]
            fits = bool(narrowed) or not people
            people = narrowed or people
        if text.employee_id is not None and any(e.id == text.employee_id for e in people):
            people = [e for e in people if e.id == text.employee_id]
        if not people:
            continue
        single = len(people) == 1 and fits
        rows.append(
            {
                "unit_id": text.unit_id,
                "source": text.source,
                "source_id": text.source_id,
                "said_on": text.said_on,
                "rating": text.rating,
                "name": mention.name[:100],
                "excerpt": mention.sentence[:1000],
                "employee_id": people[0].id if single else None,
                "candidates": json.dumps(sorted(e.id for e in people)),
                "status": "suggested" if single else "ambiguous",
                "found_at": moment,
            }
        )
    return rows


def find_recognition(
    store: Store,
    *,
    email: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    full: bool = False,
) -> FindResult:
    """Find praise of named employees in the positive texts not read before (``full``: in every
    one) and store the new suggestions and ambiguous matches; rows found before stay as they are
    (and are not added again).

    ``email``: who asked (their run goes into the audit log); None for the automatic run after a
    refresh. Two runs at once (a refresh and an analyst) do not add a row twice: the unique
    constraint refuses the second insert, and that run reads what is stored and tries once more."""
    with _RUNNING:
        try:
            return _find(store, email, client, now, full)
        except sa.exc.IntegrityError:  # another process stored the same rows a moment ago
            return _find(store, email, client, now, full)


_RUNNING = threading.Lock()
"""One run at a time per process (the web server's refresher and an analyst's button)."""


def _window(connection: sa.Connection, digest: str, full: bool) -> dict[str, tuple[int, int]]:
    """Per source, the ids to read: (after, upto]; upto is the highest id now, so texts that
    arrive during the run wait for the next."""
    scan = schema.recognition_scan
    marks = {row.source: (int(row.last_id), row.roster) for row in connection.execute(sa.select(scan))}
    window = {}
    for source, table in TABLES.items():
        upto = int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one())
        last, roster = marks.get(source, (0, ""))
        window[source] = (0 if full or roster != digest else max(0, last - RESCAN_MARGIN), upto)
    return window


def _find(
    store: Store, email: str | None, client: str | None, now: datetime | None, full: bool
) -> FindResult:
    started, moment = time.perf_counter(), now or utc_now()
    words, result = vocabulary(), FindResult()
    table = schema.recognition
    with store.engine.connect() as connection:
        staff = roster_of.load(connection)
        window = _window(connection, staff.digest, full)
        newer = [sa.and_(table.c.source == s, table.c.source_id > after) for s, (after, _) in window.items()]
        have = {
            (r.source, int(r.source_id), r.name)
            for r in connection.execute(
                sa.select(table.c.source, table.c.source_id, table.c.name).where(sa.or_(*newer))
            )
        }
        for text in positive_texts(connection, window):
            result.texts += 1
            unit_staff = staff.of_unit(text.unit_id)
            if unit_staff is None:
                continue
            for row in match(text, unit_staff, words, moment):
                if (row["source"], row["source_id"], row["name"]) not in have:
                    have.add((row["source"], row["source_id"], row["name"]))
                    result.rows.append(row)
    with store.transaction() as connection:
        if result.rows:
            connection.execute(table.insert(), result.rows)
        scan = schema.recognition_scan
        connection.execute(scan.delete())
        connection.execute(
            scan.insert(),
            [{"source": s, "last_id": upto, "roster": staff.digest, "scanned_at": moment}
             for s, (_, upto) in window.items()],
        )  # fmt: skip
        if email is not None:
            record(
                connection,
                email,
                "recognition_found",
                f"{len(result.rows)} new from {result.texts} texts",
                client,
            )
    result.suggested = sum(1 for row in result.rows if row["status"] == "suggested")
    result.ambiguous = len(result.rows) - result.suggested
    result.seconds = time.perf_counter() - started
    return result
