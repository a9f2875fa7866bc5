"""Action plans in the demo: so ``make demo`` shows "did it work?" and the overdue list.

The demo's unit manager and regional manager made a few plans some months ago on their units'
focus areas (from the driver analysis; in a small demo without every verdict among them, another
of their units' scores too), with the baseline of an earlier period, so the newest
period already judges them: one improved, one worse, one without a clear change, and one whose
due date has passed while it is still open. Which unit, measure and period gives which verdict is
read from the scorecard, so the plans say what the demo's numbers say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.act.plans import Score, baseline_of, catalogue, create_plan, scores, update_plan, verdict
from servicechain.analysis.snapshot import latest_snapshot, read_document
from servicechain.demo.accounts import DOMAIN
from servicechain.store import Store, schema

WANTED = ("improved", "worse", "no_change", "overdue")
"""The plans the demo makes, in this order: one per verdict, then one overdue."""
TITLES = {
    "improved": ("Korte briefing voor elke dienst", "in_progress", "Briefing staat, iedereen doet mee."),
    "worse": ("Vaste aanspreekpunten op zaterdag", "in_progress", "Rooster loopt achter, twee mensen ziek."),
    "no_change": ("Inwerkmaatje voor nieuwe collega's", "in_progress", "Drie maatjes gekoppeld."),
    "overdue": ("Maandelijks gesprek over werkdruk", "open", None),
}


@dataclass(frozen=True)
class Candidate:
    """A unit's focus measure with a baseline period and the verdict the newest period gives it."""

    email: str
    code: str
    unit_id: int
    measure: str
    period: str
    baseline: float
    verdict: str


def _logins(store: Store) -> dict[str, tuple[str, int]]:
    users = schema.app_user
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(users.c.email, users.c.role, users.c.unit_id).where(users.c.email.like(f"%@{DOMAIN}"))
        ).all()
    return {str(row.role): (str(row.email), int(row.unit_id)) for row in rows}


def _units(store: Store, unit_id: int) -> list[tuple[int, str]]:
    """The manager's unit and the locations below it (id, code), the unit itself first."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        top = connection.execute(
            sa.select(unit.c.id, unit.c.code, unit.c.path).where(unit.c.id == unit_id)
        ).one()
        below = connection.execute(
            sa.select(unit.c.id, unit.c.code)
            .where(unit.c.path.startswith(str(top.path), autoescape=True), unit.c.kind == "location")
            .order_by(unit.c.code)
        ).all()
    return [(int(top.id), str(top.code))] + [(int(r.id), str(r.code)) for r in below if int(r.id) != unit_id]


def _focus(store: Store) -> dict[str, list[str]]:
    """Per unit code: its focus measures from the driver analysis, by priority."""
    info = latest_snapshot(store)
    report = (read_document(store, info.id, "report:nl") if info else None) or {}
    found: dict[str, list[str]] = {}
    for area in report.get("drivers", {}).get("focus_areas", []):
        keys = found.setdefault(str(area.get("unit_code")), [])
        if area.get("driver") and area["driver"] not in keys:
            keys.append(str(area["driver"]))
    return found


def _candidates(store: Store, managers: list[tuple[str, int]], *, focus_only: bool = True) -> list[Candidate]:
    """Each unit's focus measures (or, not ``focus_only``, its other score measures) with every
    period before the newest as the baseline, and the verdict the newest period gives."""
    measures = catalogue(store)
    focus = _focus(store)
    pairs: list[tuple[str, int, str, str]] = []
    for email, unit_id in managers:
        for uid, code in _units(store, unit_id):
            keys = focus.get(code, [])
            if not focus_only:
                keys = [k for k, e in measures.items() if e.get("kind") == "score" and k not in keys]
            pairs += [(email, uid, code, key) for key in keys if key in measures]
    found = scores(store, {(uid, key) for _, uid, _, key in pairs})
    out = []
    for email, uid, code, key in pairs:
        values: list[Score] = found[(uid, key)]
        higher = bool(measures[key].get("higher_is_better", True))
        periods = sorted({s.period for s in values}, reverse=True)[1:]  # a plan made before the newest
        for period in periods:
            base = baseline_of(values, period)
            if base is None or base.mean is None:
                continue
            judged = verdict(base.mean, base.period, values, higher)["verdict"]
            out.append(Candidate(email, code, uid, key, base.period, base.mean, judged))
    return out


def _target(entry: dict[str, Any], baseline: float) -> float:
    low, high = entry.get("scale_min"), entry.get("scale_max")
    step = 0.08 * (float(high) - float(low)) if low is not None and high is not None else 0.3
    target = baseline + (step if entry.get("higher_is_better", True) else -step)
    if high is not None:
        target = min(target, float(high))
    if low is not None:
        target = max(target, float(low))
    return round(target, 2)


def demo_plans(store: Store, *, now: datetime | None = None) -> int:
    """Make the demo's action plans (see the module); 0 when the demo logins have made plans already
    (a second ``make demo`` adds none) or there are no demo managers or results."""
    logins = _logins(store)
    managers = [logins[role] for role in ("unit-manager", "regional-manager") if role in logins]
    if not managers:
        return 0
    plan = schema.action_plan
    with store.engine.connect() as connection:
        made = connection.execute(
            sa.select(sa.func.count()).where(plan.c.created_by.like(f"%@{DOMAIN}"))
        ).scalar_one()
    if made:
        return 0
    candidates = _candidates(store, managers)
    if not {"improved", "worse", "no_change"} <= {c.verdict for c in candidates}:
        candidates += _candidates(store, managers, focus_only=False)  # a small demo: another measure
    measures = catalogue(store)
    moment = now or utc_now()
    used: set[tuple[str, str]] = set()
    count = 0
    for wanted in WANTED:
        fits = [c for c in candidates if (c.code, c.measure) not in used]
        if wanted != "overdue":
            fits = [c for c in fits if c.verdict == wanted]
        fits.sort(key=lambda c: c.period, reverse=True)  # the most recent baseline that shows it
        if not fits:
            continue
        chosen = fits[0]
        used.add((chosen.code, chosen.measure))
        title, status, note = TITLES[wanted]
        made_on = moment - timedelta(days=120 if wanted != "overdue" else 90)
        due = (
            (moment - timedelta(days=14)).date()
            if wanted == "overdue"
            else (moment + timedelta(days=75)).date()
        )
        created = create_plan(
            store,
            chosen.code,
            title,
            chosen.email,
            chosen.measure,
            _target(measures[chosen.measure], chosen.baseline),
            due,
            None,
            chosen.email,
            now=made_on,
            baseline_period=chosen.period,
        )
        if status != "open" or note:
            update_plan(
                store,
                int(created["id"]),
                chosen.email,
                status=status,
                note=note,
                now=made_on + timedelta(days=30),
            )
        count += 1
    return count
