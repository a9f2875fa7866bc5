"""Action plans: what a unit's manager will do about one measure, by when, and whether it worked.

A plan names its unit, an owner, the scorecard measure it should move, a target and a due
date. The baseline (value and period) is read from the unit's newest unsuppressed value of
the measure in the newest results snapshot when the plan is made. "Did it work?" compares the
unit's value in the newest period after the baseline period with the baseline: the 95%
interval of the new value lies wholly above it (improved, when higher is better), wholly below
it (worse), or straddles it (no clear change). It is not a test of the change itself (the
baseline's own uncertainty is ignored); the page and the API say so in the verdict's basis.

A caller sees and changes the plans of their subtree only (``path``): another unit's plan is
:class:`PlanNotFound`, like an unknown id. Creating and changing a plan go into the audit log.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.analysis.snapshot import latest_snapshot, read_document
from servicechain.errors import Refused
from servicechain.store import Store, schema

STATUSES = ("open", "in_progress", "done", "dropped")
ACTIVE = ("open", "in_progress")
FILTERS = ("active", "all", *STATUSES)
"""What :func:`list_plans` filters on: ``active`` (open or in progress), ``all`` or one status."""
VERDICTS = ("improved", "worse", "no_change", "not_measured", "suppressed", "no_baseline")
MAX_TITLE = 200
MAX_NOTES = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Messages (English, with {fields}); the web layer translates them.
UNKNOWN_UNIT = "There is no unit {code} among your units."
UNKNOWN_PLAN = "There is no action plan {id} among your units."
NO_RESULTS = "There are no results yet: import data and refresh before making a plan."
UNKNOWN_MEASURE = "{measure} is not a measure of the scorecard."
COUNT_MEASURE = "{measure} is a count, not a score: choose a measure a plan can move."
EMPTY_TITLE = "Give the plan a title (at most {max} characters)."
BAD_OWNER = "The owner must be an e-mail address: {owner} is not."
BAD_TARGET = "The target must be a number between {low} and {high}."
BAD_DUE = "The due date must be today or later."
BAD_STATUS = "The status must be one of open, in_progress, done or dropped, not {status}."
LONG_NOTES = "Notes can be at most {max} characters."
HIDDEN_MEASURE = (
    "{code} has no value of this measure that may be shown (too few answers): a plan on it could "
    "never be judged. Choose another measure or a larger unit."
)
MESSAGES = (
    UNKNOWN_UNIT,
    UNKNOWN_PLAN,
    NO_RESULTS,
    UNKNOWN_MEASURE,
    COUNT_MEASURE,
    EMPTY_TITLE,
    BAD_OWNER,
    BAD_TARGET,
    BAD_DUE,
    BAD_STATUS,
    LONG_NOTES,
    HIDDEN_MEASURE,
)


class PlanRefused(Refused):
    """A plan cannot be made or changed: ``message`` (English, with ``{name}`` fields) and ``values``,
    so pages can translate it."""


class PlanNotFound(PlanRefused):
    """No such plan for this caller: unknown, or outside their subtree."""


@dataclass(frozen=True)
class Score:
    """One scorecard value of a unit: period, n, mean and its 95% interval, or suppressed."""

    period: str
    n: int | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool


def today() -> date:
    """Today in UTC (the store's clock)."""
    return utc_now().date()


def catalogue(store: Store) -> dict[str, dict[str, Any]]:
    """The measures of the newest results snapshot (``{key: {nl, en, kind, scale_min, ...}}``)."""
    info = latest_snapshot(store)
    if info is None:
        return {}
    return dict(read_document(store, info.id, "measures") or {})


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def scores(store: Store, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], list[Score]]:
    """Per (unit id, measure): its scorecard values in the newest snapshot, oldest period first."""
    info = latest_snapshot(store)
    found: dict[tuple[int, str], list[Score]] = {pair: [] for pair in pairs}
    if info is None or not pairs:
        return found
    table = schema.result_scorecard
    query = (
        sa.select(
            table.c.unit_id,
            table.c.measure,
            table.c.period,
            table.c.n,
            table.c.mean,
            table.c.ci_low,
            table.c.ci_high,
            table.c.suppressed,
        )
        .where(
            table.c.snapshot_id == info.id,
            table.c.unit_id.in_({unit for unit, _ in pairs}),
            table.c.measure.in_({measure for _, measure in pairs}),
        )
        .order_by(table.c.period)
    )
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            key = (int(row.unit_id), str(row.measure))
            if key in found:
                found[key].append(
                    Score(
                        str(row.period),
                        None if row.n is None else int(row.n),
                        _number(row.mean),
                        _number(row.ci_low),
                        _number(row.ci_high),
                        bool(row.suppressed),
                    )
                )
    return found


def baseline_of(values: list[Score], until: str | None = None) -> Score | None:
    """The newest unsuppressed value with a mean (of ``until`` or before, when given)."""
    usable = [
        score
        for score in values
        if not score.suppressed and score.mean is not None and (until is None or score.period <= until)
    ]
    return usable[-1] if usable else None


def hidden(values: list[Score]) -> bool:
    """The unit has values of the measure, and every one is hidden for anonymity: a plan on it
    could never be judged."""
    return bool(values) and all(score.suppressed for score in values)


def better(target: float, baseline: float | None, higher_is_better: bool = True) -> bool | None:
    """Whether ``target`` is better than ``baseline`` on the measure's direction (None: no baseline)."""
    if baseline is None:
        return None
    return target > baseline if higher_is_better else target < baseline


def dated_note(notes: str | None, note: str, email: str, on: date) -> str:
    """``notes`` with ``note`` appended on a line of its own, dated and signed (earlier notes stay)."""
    line = f"{on.isoformat()} {email}: {note.strip()}"
    return f"{notes.rstrip()}\n{line}" if notes and notes.strip() else line


def verdict(
    baseline: float | None, baseline_period: str | None, values: list[Score], higher_is_better: bool = True
) -> dict[str, Any]:
    """Did it work? The newest value after the baseline period, and how its interval lies to the baseline.

    ``verdict`` is one of :data:`VERDICTS`; ``basis`` says which comparison was made
    (``interval_above``, ``interval_below``, ``interval_straddles``, ``no_interval``) or None."""
    later = [s for s in values if baseline_period is not None and s.period > baseline_period]
    out: dict[str, Any] = {
        "period": None,
        "n": None,
        "mean": None,
        "ci_low": None,
        "ci_high": None,
        "change": None,
        "verdict": "not_measured",
        "basis": None,
    }
    if baseline is None or baseline_period is None:
        return out | {"verdict": "no_baseline"}
    if not later:
        return out
    newest = later[-1]
    out |= {"period": newest.period}
    if newest.suppressed:
        return out | {"verdict": "suppressed"}
    if newest.mean is None:
        return out
    out |= {
        "n": newest.n,
        "mean": newest.mean,
        "ci_low": newest.ci_low,
        "ci_high": newest.ci_high,
        "change": newest.mean - baseline,
    }
    if newest.ci_low is None or newest.ci_high is None:
        return out | {"verdict": "no_change", "basis": "no_interval"}
    if newest.ci_low > baseline:
        return out | {"verdict": "improved" if higher_is_better else "worse", "basis": "interval_above"}
    if newest.ci_high < baseline:
        return out | {"verdict": "worse" if higher_is_better else "improved", "basis": "interval_below"}
    return out | {"verdict": "no_change", "basis": "interval_straddles"}


def _unit(connection: sa.Connection, code: str, path: str | None) -> sa.Row:  # type: ignore[type-arg]
    unit = schema.org_unit
    row = connection.execute(
        sa.select(unit.c.id, unit.c.code, unit.c.path).where(unit.c.code == code)
    ).first()
    if row is None or (path is not None and not str(row.path).startswith(path)):
        raise PlanRefused(UNKNOWN_UNIT, code=code)
    return row


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise PlanRefused(EMPTY_TITLE, max=MAX_TITLE)
    return title


def _notes(notes: str | None) -> str | None:
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise PlanRefused(LONG_NOTES, max=MAX_NOTES)
    return notes or None


def _target(target: Any, measure: dict[str, Any]) -> float:
    low, high = measure.get("scale_min"), measure.get("scale_max")
    low = -math.inf if low is None else float(low)
    high = math.inf if high is None else float(high)
    try:
        value = float(target)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise PlanRefused(BAD_TARGET, low=_bound(low), high=_bound(high))
    return value


def _bound(value: float) -> str:
    return "−∞" if value == -math.inf else "∞" if value == math.inf else f"{value:g}"


def _due(due_on: date, now: date | None) -> date:
    if due_on < (now or today()):
        raise PlanRefused(BAD_DUE)
    return due_on


def _status(status: str) -> str:
    if status not in STATUSES:
        raise PlanRefused(BAD_STATUS, status=status)
    return status


def measure_of(store: Store, measure: str) -> dict[str, Any]:
    """The catalogue entry of ``measure``; PlanRefused when it is no scorecard measure a plan can move."""
    measures = catalogue(store)
    if not measures:
        raise PlanRefused(NO_RESULTS)
    if measure not in measures:
        raise PlanRefused(UNKNOWN_MEASURE, measure=measure)
    if measures[measure].get("kind") == "count":
        raise PlanRefused(COUNT_MEASURE, measure=measure)
    return dict(measures[measure])


def create_plan(
    store: Store,
    unit_code: str,
    title: str,
    owner_email: str,
    measure: str,
    target: Any,
    due_on: date,
    notes: str | None,
    created_by: str,
    *,
    path: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
    baseline_period: str | None = None,
) -> dict[str, Any]:
    """Make a plan for a unit of the subtree below ``path`` (None: any unit); the plan as
    :func:`get_plan` gives it. The baseline is the unit's newest unsuppressed value of ``measure``
    (of ``baseline_period`` or before: for the demo, as if the plan had been made back then, with
    ``now`` the day it was made). A measure whose every value of the unit is hidden for anonymity
    is refused: the plan could never be judged."""
    moment = now or utc_now()
    entry = measure_of(store, measure)
    title, notes = _title(title), _notes(notes)
    owner = (owner_email or "").strip().lower()
    if not _EMAIL.match(owner) or len(owner) > 320:
        raise PlanRefused(BAD_OWNER, owner=owner_email)
    value = _target(target, entry)
    due = _due(due_on, moment.date())
    with store.engine.connect() as connection:
        unit = _unit(connection, unit_code, path)
    values = scores(store, {(int(unit.id), measure)})[(int(unit.id), measure)]
    if hidden(values):
        raise PlanRefused(HIDDEN_MEASURE, code=unit.code)
    base = baseline_of(values, baseline_period)
    plan = schema.action_plan
    with store.transaction() as connection:
        plan_id = connection.execute(
            plan.insert()
            .values(
                unit_id=int(unit.id),
                title=title,
                owner_email=owner,
                measure=measure,
                baseline_period=base.period if base else None,
                baseline=base.mean if base else None,
                target=value,
                due_on=due,
                status="open",
                notes=notes,
                created_at=moment,
                created_by=created_by.lower(),
                updated_at=moment,
            )
            .returning(plan.c.id)
        ).scalar_one()
        record(
            connection,
            created_by,
            "plan_created",
            f"plan {plan_id} {unit.code} {measure} target {value:g} due {due.isoformat()}",
            client,
        )
    return get_plan(store, int(plan_id), path=path, now=moment.date())


def update_plan(
    store: Store,
    plan_id: int,
    email: str,
    *,
    status: str | None = None,
    notes: str | None = None,
    note: str | None = None,
    target: Any = None,
    due_on: date | None = None,
    path: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Change the status, notes, target or due date of a plan of the subtree below ``path`` (what
    is None stays); the plan. ``notes`` replaces the notes, ``note`` adds a dated, signed line to
    them (earlier notes stay). A due date may be moved to today or later only."""
    moment = now or utc_now()
    plan = schema.action_plan
    with store.engine.connect() as connection:
        row = _find(connection, plan_id, path)
    changes: dict[str, Any] = {}
    if status is not None and status != row.status:
        changes["status"] = _status(status)
    if notes is not None and _notes(notes) != row.notes:
        changes["notes"] = _notes(notes)
    if note is not None and note.strip():
        earlier = changes.get("notes", row.notes)
        changes["notes"] = _notes(dated_note(earlier, note, email.lower(), moment.date()))
    if target is not None:
        value = _target(target, measure_of(store, str(row.measure)))
        if value != row.target:
            changes["target"] = value
    if due_on is not None and due_on != row.due_on:
        changes["due_on"] = _due(due_on, moment.date())
    with store.transaction() as connection:
        _find(connection, plan_id, path)
        if changes:
            connection.execute(plan.update().where(plan.c.id == plan_id).values(**changes, updated_at=moment))
            what = " ".join(f"{key}={value}" for key, value in changes.items() if key != "notes")
            record(
                connection,
                email,
                "plan_updated",
                f"plan {plan_id} {row.unit_code} {what}{' notes' if 'notes' in changes else ''}".strip(),
                client,
            )
    return get_plan(store, plan_id, path=path, now=moment.date())


def _select() -> sa.Select:  # type: ignore[type-arg]
    plan, unit = schema.action_plan, schema.org_unit
    return sa.select(
        plan, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"), unit.c.path.label("unit_path")
    ).join(unit, unit.c.id == plan.c.unit_id)


def _find(connection: sa.Connection, plan_id: int, path: str | None) -> sa.Row:  # type: ignore[type-arg]
    row = connection.execute(_select().where(schema.action_plan.c.id == plan_id)).first()
    if row is None or (path is not None and not str(row.unit_path).startswith(path)):
        raise PlanNotFound(UNKNOWN_PLAN, id=plan_id)
    return row


def _views(store: Store, rows: list[sa.Row], now: date) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """Plans as dicts with ``overdue`` and ``result`` (the verdict)."""
    found = scores(store, {(int(row.unit_id), str(row.measure)) for row in rows})
    measures = catalogue(store) if rows else {}
    views = []
    for row in rows:
        plan = {key: value for key, value in row._mapping.items() if key != "unit_path"}
        higher = bool(measures.get(plan["measure"], {}).get("higher_is_better", True))
        plan["overdue"] = plan["due_on"] < now and plan["status"] in ACTIVE
        plan["result"] = verdict(
            plan["baseline"], plan["baseline_period"], found[(int(row.unit_id), str(row.measure))], higher
        )
        mean = plan["result"]["mean"]
        plan["target_better"] = better(plan["target"], plan["baseline"], higher)
        plan["target_reached"] = (
            None if mean is None else (mean >= plan["target"] if higher else mean <= plan["target"])
        )
        views.append(plan)
    return views


def get_plan(
    store: Store, plan_id: int, *, path: str | None = None, now: date | None = None
) -> dict[str, Any]:
    """One plan of the subtree below ``path``, with its verdict; PlanNotFound otherwise."""
    with store.engine.connect() as connection:
        row = _find(connection, plan_id, path)
    return _views(store, [row], now or today())[0]


def list_plans(
    store: Store,
    *,
    path: str | None = None,
    status: str = "active",
    unit_code: str | None = None,
    overdue_only: bool = False,
    now: date | None = None,
) -> list[dict[str, Any]]:
    """The plans of the subtree below ``path`` (None: all), overdue ones first (longest overdue
    first), then by due date; each with its unit, ``overdue``, ``result`` and ``target_reached``.

    ``status``: one of :data:`FILTERS`; ``unit_code``: that unit's plans only (PlanRefused when it
    is not in the subtree)."""
    if status not in FILTERS:
        raise PlanRefused(BAD_STATUS, status=status)
    plan = schema.action_plan
    query = _select()
    if path is not None:
        query = query.where(schema.org_unit.c.path.startswith(path, autoescape=True))
    if status == "active":
        query = query.where(plan.c.status.in_(ACTIVE))
    elif status != "all":
        query = query.where(plan.c.status == status)
    moment = now or today()
    with store.engine.connect() as connection:
        if unit_code is not None:
            query = query.where(plan.c.unit_id == int(_unit(connection, unit_code, path).id))
        if overdue_only:
            query = query.where(plan.c.due_on < moment, plan.c.status.in_(ACTIVE))
        rows = list(connection.execute(query.order_by(plan.c.due_on, plan.c.id)))
    views = _views(store, rows, moment)
    return sorted(views, key=lambda p: not p["overdue"])  # stable: due date order within each group
