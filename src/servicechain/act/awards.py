"""Yearly awards: employee, team and location of the year, from confirmed recognition and scores.

*Employee of the year*: the most confirmed recognitions said that year; ties go to the higher
mean rating of the praising texts; equal on both, they share the place (``rank``; listed by name).

*Team* and *location of the year* combine, with equal weights, standard scores among the
units of that level in the caller's subtree that are large enough: a unit takes part when at
least ``anonymity_threshold`` employees (the minimum group size that also hides a small team's
engagement results; the strictest of the settings and that year's employee survey waves)
worked in its subtree some time that year. Below it, a team of one with three compliments
would win on recognition per person-year alone, and an award would single a person out. The
units compared and their standard scores:

* recognition per person-year (confirmed recognitions of the unit's employees that year over
  the person-years they worked that year: days employed / days of the year), as an empirical
  Bayes estimate for Poisson counts with unequal exposures (Marshall, R. J. (1991). Mapping
  disease and mortality rates using empirical Bayes estimators. *Applied Statistics* 40(2),
  283-294, the global moment estimator): with ``m`` the overall rate, ``s2`` the
  person-year-weighted variance of the units' rates and ``ybar`` the mean person-years, the
  variance of the true rates is ``tau2 = max(0, s2 - m / ybar)`` and a unit's rate is shrunk
  to ``m + C (rate - m)``, ``C = tau2 / (tau2 + m / person_years)``. Its standard score is
  standardised like the other parts: ``(shrunk - mean) / sd`` over the shrunk rates of the units
  compared (population SD), so every part has spread 1 and equal weights weigh equally
  (``(shrunk - m) / tau``, the posterior mean of the standardised true rate, spreads less than
  1: shrinking pulls the rates together, and recognition would count for less than engagement).
  When the rates differ no more than chance makes them (``tau2 = 0``, or the exact conditional
  test of Poisson homogeneity, :func:`homogeneity_p`, does not reject it at :data:`ALPHA`: a
  handful of compliments in the year) every shrunk rate is ``m`` and every unit scores 0: a
  team of three with one compliment is not ranked above a team of twenty by luck;
* the unit's shrunk engagement index (``engagement_index``), and for locations also the shrunk
  customer-engagement index (``ce_index``): the mean of the year's quarterly ``shrunk`` values
  of the newest results snapshot, never of suppressed rows (the scorecard shrinks each unit's
  mean towards its peers by its reliability, so small units are neither punished nor praised
  by chance), standardised by their spread among the units compared.

A missing score counts as the average (z = 0); the award goes to the highest mean standard
score (equal scores share the place: every unit scores 0 when nothing differs beyond chance, and
the alphabet picks no winner). Every number is returned beside the award, so pages can show the reasoning.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa

from servicechain.act.roster import display_name
from servicechain.analysis.scorecard import employee_thresholds
from servicechain.analysis.snapshot import latest_snapshot
from servicechain.settings import get_settings
from servicechain.store import Store, schema

SCORES = {"team": ("engagement_index",), "location": ("engagement_index", "ce_index")}
"""The scorecard measures (shrunk) that count for each level's award, beside recognition."""
TOP = 3
"""How many places each award lists (the winner and the runners-up)."""
ALPHA = 0.05
"""Recognition rates count only when they differ between the units beyond chance at this level."""


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def years_with_recognition(store: Store) -> list[int]:
    """The years in which some recognition was confirmed, newest first."""
    rec = schema.recognition
    with store.engine.connect() as connection:
        days = connection.execute(
            sa.select(rec.c.said_on).where(rec.c.status == "confirmed", rec.c.said_on.is_not(None))
        ).scalars()
        return sorted({day.year for day in days}, reverse=True)


def _confirmed(connection: sa.Connection, year: int, path: str | None) -> list[Any]:
    """Confirmed recognitions of ``year`` naming employees of the subtree: employee, unit path, rating."""
    rec, employee, unit = schema.recognition, schema.employee, schema.org_unit
    start, end = _year_bounds(year)
    query = (
        sa.select(
            employee.c.id,
            employee.c.code,
            employee.c.first_name,
            employee.c.last_name,
            employee.c.known_as,
            unit.c.path,
            unit.c.name.label("unit_name"),
            rec.c.rating,
        )
        .join(employee, employee.c.id == rec.c.employee_id)
        .join(unit, unit.c.id == employee.c.unit_id)
        .where(rec.c.status == "confirmed", rec.c.said_on >= start, rec.c.said_on < end)
    )
    if path is not None:
        query = query.where(unit.c.path.startswith(path, autoescape=True))
    return list(connection.execute(query))


def employee_of_the_year(rows: list[Any]) -> list[dict[str, Any]]:
    """Employees by confirmed recognitions (most first), then mean rating, then name; the top places."""
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(
            int(row.id),
            {
                "code": str(row.code),
                "name": display_name(row.first_name, row.last_name, row.known_as),
                "unit_name": str(row.unit_name),
                "count": 0,
                "ratings": [],
            },
        )
        person["count"] += 1
        if row.rating is not None:
            person["ratings"].append(float(row.rating))
    ranked = []
    for person in people.values():
        ratings = person.pop("ratings")
        person["mean_rating"] = statistics.fmean(ratings) if ratings else None
        ranked.append(person)
    ranked.sort(key=lambda p: (-p["count"], -(p["mean_rating"] or 0.0), p["name"], p["code"]))
    return _places(ranked, lambda p: (p["count"], round(p["mean_rating"] or 0.0, 9)))


def _places(ranked: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
    """The top :data:`TOP` places of ``ranked`` (best first), each with its ``rank`` and how many share
    it (``shared``): equal keys share a place (1, 1, 3), so a tie is shown as one, not decided by the
    alphabet (every unit scores 0 when nothing sets them apart: they all share the first place)."""
    for i, entry in enumerate(ranked):
        same = i > 0 and key(entry) == key(ranked[i - 1])
        entry["rank"] = ranked[i - 1]["rank"] if same else i + 1
    sizes: dict[int, int] = {}
    for entry in ranked:
        sizes[entry["rank"]] = sizes.get(entry["rank"], 0) + 1
    for entry in ranked:
        entry["shared"] = sizes[entry["rank"]]
    return ranked[:TOP]


def minimum_size(store: Store, year: int) -> int:
    """How many employees a team or location needs to compete: the anonymity threshold that hides
    small units' engagement (the settings' ``anonymity_threshold``, or a stricter one of an
    employee survey wave of ``year``)."""
    waves = employee_thresholds(store, get_settings())
    return max(
        [
            get_settings().anonymity_threshold,
            *(n for period, n in waves.items() if period.startswith(f"{year}-")),
        ]
    )


def _ancestors(path: str) -> list[str]:
    """``/1/5/9/`` -> ``/1/``, ``/1/5/``, ``/1/5/9/``: the paths of a unit and the units above it."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _by_subtree(paths: dict[str, float]) -> dict[str, float]:
    """Per unit path, the sum of the values of ``paths`` (value per unit path) of its subtree."""
    totals: dict[str, float] = {}
    for path, value in paths.items():
        for above in _ancestors(path):
            totals[above] = totals.get(above, 0.0) + value
    return totals


def _person_years(connection: sa.Connection, year: int, path: str | None) -> dict[int, tuple[str, float]]:
    """Per employee id: the path of their unit and the share of ``year`` they were employed."""
    employee, unit = schema.employee, schema.org_unit
    start, end = _year_bounds(year)
    days = (end - start).days
    query = sa.select(employee.c.id, employee.c.hired_on, employee.c.left_on, unit.c.path).join(
        unit, unit.c.id == employee.c.unit_id
    )
    if path is not None:
        query = query.where(unit.c.path.startswith(path, autoescape=True))
    out = {}
    for row in connection.execute(query):
        first = max(row.hired_on or start, start)
        last = min(row.left_on or end, end)
        if last > first:
            out[int(row.id)] = (str(row.path), (last - first).days / days)
    return out


def _shrunk_scores(store: Store, unit_ids: list[int], year: int) -> dict[tuple[int, str], float]:
    """Per (unit, measure): the mean of the year's unsuppressed quarterly shrunk values (newest snapshot)."""
    info = latest_snapshot(store)
    if info is None or not unit_ids:
        return {}
    card = schema.result_scorecard
    measures = sorted({m for ms in SCORES.values() for m in ms})
    query = (
        sa.select(card.c.unit_id, card.c.measure, sa.func.avg(card.c.shrunk).label("shrunk"))
        .where(
            card.c.snapshot_id == info.id,
            card.c.unit_id.in_(unit_ids),
            card.c.measure.in_(measures),
            card.c.period.startswith(f"{year}-"),
            card.c.suppressed.is_(False),
            card.c.shrunk.is_not(None),
        )
        .group_by(card.c.unit_id, card.c.measure)
    )
    with store.engine.connect() as connection:
        return {(int(r.unit_id), str(r.measure)): float(r.shrunk) for r in connection.execute(query)}


def _z_scores(values: list[float | None]) -> list[float]:
    """Standard scores of the present values (missing ones, and all when they hardly differ: 0)."""
    present = [v for v in values if v is not None]
    if len(present) < 2:
        return [0.0 for _ in values]
    mean, spread = statistics.fmean(present), statistics.pstdev(present)
    if spread <= 1e-12 * max(1.0, abs(mean)):
        return [0.0 for _ in values]
    return [0.0 if v is None else (v - mean) / spread for v in values]


def homogeneity_p(counts: list[int], person_years: list[float], draws: int = 2000) -> float:
    """Do the units' rates differ more than chance? The p-value of the dispersion statistic
    ``X2 = sum((count - m * years)**2 / (m * years))`` in the exact conditional test of Poisson
    homogeneity (given the total, the counts are multinomial with shares years / total; Potthoff,
    R. F. & Whittinghill, M. (1966). Testing for homogeneity II: the Poisson distribution.
    *Biometrika* 53, 183-190), by Monte Carlo with a fixed seed (the same data, the same answer)."""
    total, exposure = sum(counts), np.asarray(person_years, dtype="float64")
    if total == 0 or len(counts) < 2:
        return 1.0
    expected = total * exposure / exposure.sum()
    observed = float((((np.asarray(counts) - expected) ** 2) / expected).sum())
    simulated = np.random.default_rng(20240601).multinomial(total, exposure / exposure.sum(), size=draws)
    statistics_ = (((simulated - expected) ** 2) / expected).sum(axis=1)
    return float((1 + np.count_nonzero(statistics_ >= observed - 1e-9)) / (draws + 1))


def shrink_rates(counts: list[int], person_years: list[float]) -> dict[str, Any]:
    """Empirical Bayes rates for counts over unequal exposures (Marshall 1991, the global moment
    estimator; see the module docstring): ``overall`` (m), ``spread`` (tau, the SD of the true
    rates), and per unit ``shrunk`` rates and ``z`` = (shrunk - m) / tau. When the counts do not
    differ beyond chance (:func:`homogeneity_p` at least :data:`ALPHA`) tau is 0: every rate is m
    and every z 0."""
    total = sum(person_years)
    m = sum(counts) / total
    rates = [c / y for c, y in zip(counts, person_years, strict=True)]
    s2 = sum(y * (r - m) ** 2 for r, y in zip(rates, person_years, strict=True)) / total
    tau2 = max(0.0, s2 - m / (total / len(counts)))
    p = homogeneity_p(counts, person_years)
    if m == 0 or tau2 == 0 or p >= ALPHA:
        return {
            "overall": m,
            "spread": 0.0,
            "p": p,
            "shrunk": [m for _ in counts],
            "z": [0.0 for _ in counts],
        }
    shares = [tau2 / (tau2 + m / y) for y in person_years]
    shrunk = [m + c * (r - m) for c, r in zip(shares, rates, strict=True)]
    tau = math.sqrt(tau2)
    return {"overall": m, "spread": tau, "p": p, "shrunk": shrunk, "z": [(v - m) / tau for v in shrunk]}


def unit_of_the_year(
    store: Store, level: str, year: int, path: str | None, rows: list[Any], min_size: int = 1
) -> list[dict[str, Any]]:
    """Units of ``level`` (team or location) with at least ``min_size`` employees that year,
    ranked by the combined score; the top places, with their components (count, employees,
    person-years, rates, shrunk scores, z-scores)."""
    unit = schema.org_unit
    query = sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.path).where(unit.c.kind == level)
    if path is not None:
        query = query.where(unit.c.path.startswith(path, autoescape=True))
    with store.engine.connect() as connection:
        units = list(connection.execute(query.order_by(unit.c.code)))
        staff = _person_years(connection, year, path)
    years_at: dict[str, float] = {}  # per unit path: its own people, then summed over subtrees
    people_at: dict[str, float] = {}
    for own, share in staff.values():
        years_at[own] = years_at.get(own, 0.0) + share
        people_at[own] = people_at.get(own, 0.0) + 1
    said_at: dict[str, float] = {}
    for row in rows:
        said_at[str(row.path)] = said_at.get(str(row.path), 0.0) + 1
    years_in, people_in, said_in = _by_subtree(years_at), _by_subtree(people_at), _by_subtree(said_at)
    entries: list[dict[str, Any]] = []
    for u in units:
        years, people = years_in.get(str(u.path), 0.0), int(people_in.get(str(u.path), 0))
        if years > 0 and people >= min_size:
            count = int(said_in.get(str(u.path), 0))
            entries.append(
                {
                    "unit_id": int(u.id),
                    "code": str(u.code),
                    "name": str(u.name),
                    "employees": people,
                    "count": count,
                    "person_years": years,
                    "rate": count / years,
                }
            )
    if not entries:
        return []
    rates = shrink_rates([e["count"] for e in entries], [e["person_years"] for e in entries])
    scores = _shrunk_scores(store, [e["unit_id"] for e in entries], year)
    for i, e in enumerate(entries):
        e |= {
            "shrunk_rate": rates["shrunk"][i],
            "overall_rate": rates["overall"],
            "rate_spread": rates["spread"],
            "rate_p": rates["p"],
        }
        for measure in SCORES[level]:
            e[measure] = scores.get((e["unit_id"], measure))
    for measure in ("shrunk_rate", *SCORES[level]):  # every part standardised alike: spread 1
        for e, z in zip(entries, _z_scores([e[measure] for e in entries]), strict=True):
            e[f"z_{measure}"] = z
    components = ["shrunk_rate", *SCORES[level]]
    for e in entries:
        e["score"] = statistics.fmean(e[f"z_{key}"] for key in components)
    entries.sort(key=lambda e: (-e["score"], e["name"]))
    return _places(entries, lambda e: round(e["score"], 9))


def awards(
    store: Store, year: int, *, path: str | None = None, min_size: int | None = None
) -> dict[str, Any]:
    """The awards of ``year`` within the subtree below ``path`` (None: the whole organisation):
    ``employee``, ``team`` and ``location``, each a list of the top places with their numbers;
    ``min_size`` the employees a team or location needs (default :func:`minimum_size`)."""
    size = minimum_size(store, year) if min_size is None else min_size
    with store.engine.connect() as connection:
        rows = _confirmed(connection, year, path)
    return {
        "year": year,
        "recognitions": len(rows),
        "min_size": size,
        "employee": employee_of_the_year(rows),
        "team": unit_of_the_year(store, "team", year, path, rows, size),
        "location": unit_of_the_year(store, "location", year, path, rows, size),
    }
