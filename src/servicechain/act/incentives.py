"""Incentive rules evaluated per period on the newest results: who is eligible, what share of the bonus.

A rule (:mod:`servicechain.act.incentive_rules`) judges every unit of one level (its manager)
on one measure in one period, from the newest results snapshot (``result_scorecard``). The
value judged is the unit's shrunk (empirical-Bayes) value, so a unit with few answers is
pulled toward its peers instead of being ranked by luck, and every verdict is checked
against the interval of that value (:func:`shrunk_intervals`):

- the whole interval on the good side of the threshold (target): ``met``;
- the interval contains it: the data cannot tell, so the favourable outcome holds:
  ``met_within_noise`` (eligible; full attainment). Nobody loses a bonus to noise;
- the whole interval on the bad side: ``not_met`` (bonus: ``partly_met`` while the top of
  the interval is above the floor);
- fewer than the rule's ``min_n`` answers, or no value that may be shown: ``not_assessed``,
  counted as met (``benefit_of_doubt``) or held for HR (``hold``) as the rule says.

Bonus attainment is read at the top of the interval, the best value the data do not rule
out: it is 1 exactly when the interval reaches the target (so "met within noise" and
"full attainment" agree) and it moves continuously below that, without the jump a reading
at the shrunk value would make where the interval stops containing the target.

The threshold ``company`` is the company's own value that period: the root unit's mean over
all its answers (the number on the overview), whose sampling error is negligible next to a
unit's. Rules take measures where higher is better. Callers see the units below ``path``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from servicechain.accounts.audit import now as utc_now
from servicechain.act.incentive_rules import IncentiveRule
from servicechain.analysis.snapshot import SnapshotInfo, latest_snapshot, read_document
from servicechain.errors import Refused
from servicechain.stats.shrinkage import dersimonian_laird
from servicechain.store import Store, schema
from servicechain.store.bulk import read_frame

OUTCOMES = ("met", "met_within_noise", "partly_met", "not_met", "not_assessed")
REASONS = ("clear_above", "straddles", "clear_below", "too_few", "no_value", "no_reference")

# Messages (English, with {fields}); the web layer translates them.
NO_RESULTS = "There are no results yet: import data and refresh first."
UNKNOWN_RULE = "There is no incentive rule {rule}: choose one of {known}."
UNKNOWN_PERIOD = "There are no results of {measure} for period {period}; periods with results: {known}."
UNKNOWN_MEASURE = "The rule {rule} names {measure}, which is not a measure of the scorecard."
NOT_A_SCORE = "The rule {rule} names {measure}, which has no shrunk value (a count or a ratio)."
LOWER_BETTER = (
    "The rule {rule} names {measure}, where lower is better: rules take measures where higher is better."
)
UNKNOWN_LEVEL = "The rule {rule} judges units of level {level}, and the organisation has none."
NO_COMPANY = (
    "The rule {rule} compares with the company's value of {measure}, and there is none for {period} "
    "(it needs one top unit with results): give the rule a fixed threshold instead."
)
MESSAGES = (
    NO_COMPANY,
    NO_RESULTS,
    UNKNOWN_RULE,
    UNKNOWN_PERIOD,
    UNKNOWN_MEASURE,
    NOT_A_SCORE,
    LOWER_BETTER,
    UNKNOWN_LEVEL,
)


class IncentiveRefused(Refused):
    """An evaluation that cannot be made: ``message`` (English, ``{name}`` fields) and ``values``."""


@dataclass(frozen=True)
class UnitVerdict:
    """One unit's (manager's) outcome under one rule in one period.

    ``low``/``high`` bound the interval of ``shrunk``; ``eligible`` (threshold rules) and
    ``attainment``/``payout`` (bonus rules, ``payout`` = weight x attainment) are None when
    the outcome is held for HR."""

    unit_id: int
    unit_code: str
    unit_name: str
    manager_code: str | None
    manager_first_name: str | None
    manager_last_name: str | None
    period: str
    n: int | None
    mean: float | None
    shrunk: float | None
    low: float | None
    high: float | None
    outcome: str
    reason: str
    eligible: bool | None = None
    attainment: float | None = None
    payout: float | None = None
    manager_left_on: date | None = None
    previous: UnitVerdict | None = None
    """The same unit's verdict in the period before (None: no such period, or no results then)."""

    @property
    def manager(self) -> str | None:
        """The manager's name (first and last), or None when the unit has none on record."""
        parts = [part for part in (self.manager_first_name, self.manager_last_name) if part]
        return " ".join(parts) or self.manager_code

    @property
    def decision(self) -> bool | float | None:
        """What the person gets: eligibility (threshold rules) or the payout share rounded to 4
        decimals (bonus rules); None when held for HR."""
        if self.eligible is not None:
            return self.eligible
        return None if self.payout is None else round(self.payout, 4)

    @property
    def changed(self) -> bool:
        """True when the decision differs from the previous period's (both judged or counted)."""
        return self.previous is not None and self.previous.decision != self.decision


@dataclass(frozen=True)
class Evaluation:
    """A rule in a period: the reference value (threshold or target) and every unit's verdict, the
    judged units best value first, then those not assessed (best value first)."""

    rule: IncentiveRule
    period: str
    periods: list[str]
    measure: dict[str, Any]
    reference: float | None
    reference_n: int | None
    verdicts: list[UnitVerdict] = field(default_factory=list)
    ended: bool = True
    """False while the period (a quarter) is still running: the outcome is provisional."""
    snapshot_id: int | None = None
    built_at: datetime | None = None
    """The results snapshot the verdicts come from, and when it was built (the basis for HR)."""
    previous_period: str | None = None

    def counts(self) -> dict[str, int]:
        """How many units got each outcome."""
        return {outcome: sum(1 for v in self.verdicts if v.outcome == outcome) for outcome in OUTCOMES}


def shrunk_intervals(
    n: Any, mean: Any, se: Any, shrunk: Any = None, confidence: float = 0.95
) -> pd.DataFrame:
    r"""The interval of each unit's shrunk value, from the scorecard's own numbers of one peer group.

    Parameters
    ----------
    n, mean, se : array_like
        Per unit of one level, period and measure: answers, mean and standard error
        (``sd / sqrt(n)``); units without answers (n missing or 0) get NaN.
    shrunk : array_like, optional
        The stored shrunk values; default: recomputed (they agree, see the tests).
    confidence : float
        Coverage of the interval (0.95: z = 1.96).

    Returns
    -------
    pandas.DataFrame
        ``weight, shrunk, sd, low, high`` per unit and the group's ``k, sigma2, tau2, grand``.

    Notes
    -----
    The scorecard shrinks as :func:`servicechain.stats.peers.compare_with_peers` does: the pooled
    within-unit variance :math:`\sigma^2 = \sum (n_i-1) n_i se_i^2 / \sum (n_i-1)`,
    :math:`v_i = \sigma^2/n_i`, :math:`\tau^2` and the grand mean :math:`\mu` (with standard
    error :math:`s_\mu`) by DerSimonian-Laird, and :math:`w_i = \tau^2/(\tau^2+v_i)`. Those are
    recomputed here (the snapshot stores no weights). The posterior variance of the unit's true
    value is then approximated as in Morris (1983):

    .. math:: s_i^2 = w_i v_i + (1-w_i)^2 s_\mu^2 + \frac{2}{\max(k-3, 1)} (1-w_i)^2 (\bar y_i-\mu)^2

    the conditional posterior variance, plus the uncertainty of the grand mean, plus the
    uncertainty of the shrinkage factor :math:`B_i = 1-w_i` (Morris's :math:`2/(k-3)` term,
    which keeps the interval honest when :math:`\hat\tau^2` is near 0). The interval is
    shrunk :math:`\pm z\, s_i`. A group of one unit is not shrunk: its interval is
    mean :math:`\pm z\, \sqrt{v_i}`.

    References
    ----------
    Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications. *JASA*
    78(381), 47-55. DerSimonian, R. & Laird, N. (1986). *Controlled Clinical Trials* 7, 177-188.
    """
    count = (
        pd.to_numeric(pd.Series(np.asarray(n, dtype=object)), errors="coerce").astype("float64").to_numpy()
    )
    y, error = np.asarray(mean, dtype="float64"), np.asarray(se, dtype="float64")
    present = np.isfinite(count) & (count > 0) & np.isfinite(y)
    within = np.where(present & (count >= 2), (count - 1) * count * np.nan_to_num(error) ** 2, 0.0)
    degrees = float(np.sum(np.where(present, np.clip(count - 1, 0, None), 0.0)))
    sigma2 = float(np.sum(within) / degrees) if degrees > 0 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(present, sigma2 / count, np.nan)
    pooled = dersimonian_laird(y[present], v[present])
    k, tau2, grand = pooled.k, pooled.tau2, pooled.mean
    if k < 2:
        weight = np.where(present, 1.0, np.nan)
        centre, variance = y, v
    else:
        weight = np.where(present, tau2 / (tau2 + v) if tau2 > 0 else 0.0, np.nan)
        centre = grand + weight * (y - grand)
        pull = (1 - weight) ** 2
        variance = weight * v + pull * pooled.se**2 + 2 / max(k - 3, 1) * pull * (y - grand) ** 2
    if shrunk is not None:
        stored = np.asarray(shrunk, dtype="float64")
        centre = np.where(np.isfinite(stored), stored, centre)
    centre = np.where(present, centre, np.nan)
    z = float(stats.norm.ppf((1 + confidence) / 2))
    sd = np.sqrt(variance)
    return pd.DataFrame(
        {
            "weight": weight,
            "shrunk": centre,
            "sd": sd,
            "low": centre - z * sd,
            "high": centre + z * sd,
            "k": k,
            "sigma2": sigma2,
            "tau2": tau2,
            "grand": grand,
        }
    )


def attainment(value: float, rule: IncentiveRule) -> float:
    """0 at or below the floor, 1 at or above the target, linear in between."""
    assert rule.target is not None and rule.floor is not None
    return min(1.0, max(0.0, (value - rule.floor) / (rule.target - rule.floor)))


def judge(
    rule: IncentiveRule,
    n: int | None,
    shrunk: float | None,
    low: float | None,
    high: float | None,
    reference: float | None,
) -> dict[str, Any]:
    """The outcome of one unit: ``outcome, reason, eligible, attainment, payout`` (see the module)."""
    reason = None
    if n is None or n <= 0 or shrunk is None or low is None or high is None:
        reason = "no_value"
    elif n < rule.min_n:
        reason = "too_few"
    elif reference is None:
        reason = "no_reference"
    if reason is not None:
        return _not_assessed(rule, reason)
    assert low is not None and high is not None and reference is not None
    reason = "clear_above" if low >= reference else "clear_below" if high < reference else "straddles"
    if rule.kind == "threshold":
        eligible = reason != "clear_below"
        outcome = {"clear_above": "met", "straddles": "met_within_noise", "clear_below": "not_met"}[reason]
        return {
            "outcome": outcome,
            "reason": reason,
            "eligible": eligible,
            "attainment": None,
            "payout": None,
        }
    reached = 1.0 if reason != "clear_below" else attainment(high, rule)
    outcome = {"clear_above": "met", "straddles": "met_within_noise"}.get(reason) or (
        "partly_met" if reached > 0 else "not_met"
    )
    assert rule.weight is not None
    return {
        "outcome": outcome,
        "reason": reason,
        "eligible": None,
        "attainment": reached,
        "payout": rule.weight * reached,
    }


def _not_assessed(rule: IncentiveRule, reason: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "outcome": "not_assessed",
        "reason": reason,
        "eligible": None,
        "attainment": None,
        "payout": None,
    }
    if rule.below_min_n == "benefit_of_doubt":
        if rule.kind == "threshold":
            out["eligible"] = True
        else:
            out |= {"attainment": 1.0, "payout": rule.weight}
    return out


def measure_entry(store: Store, rule: IncentiveRule) -> tuple[int, dict[str, Any]]:
    """The newest snapshot's id and the catalogue entry of the rule's measure; IncentiveRefused
    when there are no results or the measure cannot carry a rule."""
    info, entry = _snapshot_and_measure(store, rule)
    return info.id, entry


def _snapshot_and_measure(store: Store, rule: IncentiveRule) -> tuple[SnapshotInfo, dict[str, Any]]:
    info = latest_snapshot(store)
    if info is None:
        raise IncentiveRefused(NO_RESULTS)
    measures = read_document(store, info.id, "measures") or {}
    entry = measures.get(rule.measure)
    if entry is None:
        raise IncentiveRefused(UNKNOWN_MEASURE, rule=rule.key, measure=rule.measure)
    if entry.get("kind") in ("count", "ratio"):
        raise IncentiveRefused(NOT_A_SCORE, rule=rule.key, measure=rule.measure)
    if not entry.get("higher_is_better", True):
        raise IncentiveRefused(LOWER_BETTER, rule=rule.key, measure=rule.measure)
    return info, dict(entry)


def _units(store: Store, level: str) -> tuple[pd.DataFrame, int | None]:
    """Units of ``level`` with their manager's code and names; and the root unit's id."""
    unit, person = schema.org_unit, schema.employee
    query = (
        sa.select(
            unit.c.id.label("unit_id"),
            unit.c.code.label("unit_code"),
            unit.c.name.label("unit_name"),
            unit.c.path,
            unit.c.manager_employee_code.label("manager_code"),
            person.c.first_name.label("manager_first_name"),
            person.c.last_name.label("manager_last_name"),
            person.c.left_on.label("manager_left_on"),
        )
        .select_from(unit.outerjoin(person, person.c.code == unit.c.manager_employee_code))
        .where(unit.c.kind == level)
    )
    with store.engine.connect() as connection:
        units = read_frame(connection, query)
        root = connection.execute(sa.select(unit.c.id).where(unit.c.parent_id.is_(None))).scalars().all()
    return units, (int(root[0]) if len(root) == 1 else None)


def _scores(store: Store, snapshot_id: int, rule: IncentiveRule, root: int | None) -> pd.DataFrame:
    table = schema.result_scorecard
    query = sa.select(
        table.c.unit_id,
        table.c.period,
        table.c.level,
        table.c.n,
        table.c.mean,
        table.c.se,
        table.c.shrunk,
        table.c.suppressed,
    ).where(
        table.c.snapshot_id == snapshot_id,
        table.c.measure == rule.measure,
        sa.or_(table.c.level == rule.level, table.c.unit_id == (root if root is not None else -1)),
    )
    with store.engine.connect() as connection:
        return read_frame(connection, query).astype({"period": str, "level": str})


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def default_period(periods: list[str], today: date | None = None) -> str | None:
    """The newest of ``periods`` (sorted) that has ended: a bonus is judged on a whole quarter,
    not on the first answers collected in the current one. Periods that are not quarters
    (``2026-Q3``) count as ended; when none has ended, the newest."""
    today = today or utc_now().date()
    ended = [period for period in periods if not _runs_on(period, today)]
    chosen = ended or periods
    return chosen[-1] if chosen else None


def _runs_on(period: str, today: date) -> bool:
    """True when ``period`` is a quarter that has not ended by ``today``."""
    found = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if found is None:
        return False
    year, number = int(found.group(1)), int(found.group(2))
    return (year, number) >= (today.year, (today.month - 1) // 3 + 1)


def evaluate(
    store: Store,
    rule: IncentiveRule,
    period: str | None = None,
    *,
    path: str | None = None,
    today: date | None = None,
) -> Evaluation:
    """The rule for ``period`` (None: the newest ended period with results of its measure, see
    :func:`default_period`) for the units below ``path`` (None: all); the threshold is always the
    whole company's. Each verdict carries the unit's verdict in the period before (``previous``),
    so a change of outcome is shown and explained; ``ended`` is False for a quarter still running
    on ``today`` (default: now)."""
    info, entry = _snapshot_and_measure(store, rule)
    units, root = _units(store, rule.level)
    if units.empty:
        raise IncentiveRefused(UNKNOWN_LEVEL, rule=rule.key, level=rule.level)
    scores = _scores(store, info.id, rule, root)
    peers = scores[(scores["level"] == rule.level) & scores["mean"].notna()]
    periods = sorted(set(peers["period"]))
    today = today or utc_now().date()
    period = period or default_period(periods, today)
    if period is None or period not in periods:
        raise IncentiveRefused(
            UNKNOWN_PERIOD,
            measure=rule.measure,
            period=period or "–",
            known=", ".join(periods[-8:]) or "none yet",
        )
    if path is not None:
        units = units[units["path"].str.startswith(path)]
    reference, reference_n = _reference(scores, rule, root, period)
    verdicts = _judge_period(scores, units, rule, entry, period, reference)
    before = periods[periods.index(period) - 1] if periods.index(period) > 0 else None
    if before is not None:
        try:
            earlier = _judge_period(
                scores, units, rule, entry, before, _reference(scores, rule, root, before)[0]
            )
        except IncentiveRefused:  # no company value then: nothing to compare with
            before, earlier = None, []
        previous = {verdict.unit_id: verdict for verdict in earlier}
        verdicts = [replace(verdict, previous=previous.get(verdict.unit_id)) for verdict in verdicts]
    verdicts.sort(
        key=lambda v: (v.outcome == "not_assessed", v.shrunk is None, -(v.shrunk or 0.0), v.unit_code)
    )
    return Evaluation(
        rule,
        period,
        periods,
        entry,
        reference,
        reference_n,
        verdicts,
        ended=not _runs_on(period, today),
        snapshot_id=info.id,
        built_at=info.built_at,
        previous_period=before,
    )


def _judge_period(
    scores: pd.DataFrame,
    units: pd.DataFrame,
    rule: IncentiveRule,
    entry: dict[str, Any],
    period: str,
    reference: float | None,
) -> list[UnitVerdict]:
    """Every unit of ``units`` judged in ``period``; the intervals come from the whole peer group
    (all units of the level, not only those below the caller's path)."""
    group = scores[(scores["level"] == rule.level) & (scores["period"] == period)].reset_index(drop=True)
    intervals = shrunk_intervals(group["n"], group["mean"], group["se"], group["shrunk"], rule.confidence)
    group = pd.concat([group.drop(columns="shrunk"), intervals], axis=1)  # the stored value, else recomputed
    lowest, highest = entry.get("scale_min"), entry.get("scale_max")  # an interval stays on the scale
    group["low"], group["high"] = group["low"].clip(lower=lowest), group["high"].clip(upper=highest)
    merged = units.merge(group, on="unit_id", how="left")
    return [_verdict(row, rule, period, reference) for row in merged.to_dict("records")]


def _reference(
    scores: pd.DataFrame, rule: IncentiveRule, root: int | None, period: str
) -> tuple[float | None, int | None]:
    if rule.kind == "bonus_share":
        return rule.target, None
    if rule.threshold is not None:
        return rule.threshold, None
    company = scores[(scores["unit_id"] == root) & (scores["period"] == period)]
    if company.empty or _number(company["mean"].iloc[0]) is None:  # never judge without it
        raise IncentiveRefused(NO_COMPANY, rule=rule.key, measure=rule.measure, period=period)
    return float(company["mean"].iloc[0]), int(company["n"].iloc[0])


def _verdict(row: dict[Any, Any], rule: IncentiveRule, period: str, reference: float | None) -> UnitVerdict:
    n = None if _number(row.get("n")) is None else int(row["n"])
    shrunk, low, high = _number(row.get("shrunk")), _number(row.get("low")), _number(row.get("high"))
    decided = judge(rule, n, shrunk, low, high, reference)

    def text(key: str) -> str | None:
        value = row.get(key)
        return None if value is None or pd.isna(value) or str(value) == "" else str(value)

    return UnitVerdict(
        int(row["unit_id"]),
        str(row["unit_code"]),
        str(row["unit_name"]),
        text("manager_code"),
        text("manager_first_name"),
        text("manager_last_name"),
        period,
        n,
        _number(row.get("mean")),
        shrunk,
        low,
        high,
        **decided,
        manager_left_on=_day(row.get("manager_left_on")),
    )


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else pd.Timestamp(value).date()
