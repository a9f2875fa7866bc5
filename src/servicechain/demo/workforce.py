"""The employees table, the anonymous engagement survey, and staff KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicechain.demo import texts
from servicechain.demo.chain import ChainParameters, Latents
from servicechain.demo.frames import TEXT, Calendar, answers, categorical, codes, width_for
from servicechain.demo.surveys import (
    EMPLOYEE_KEYS,
    EMPLOYEE_MEANS,
    employee_answers,
    employee_location_z,
)

FIELD_START_DAY = 35
"""The engagement survey opens five weeks into the quarter ..."""
FIELD_DAYS = 21
"""... and runs for three weeks."""
COMMENT_SHARE = 0.3
TEAM_EFFECT_DIMENSIONS = ("engagement", "autonomy", "competence", "relatedness")


def employees_table(staff: pd.DataFrame) -> pd.DataFrame:
    """The ``employees`` import kind: contract columns, dates as ISO text, names."""

    def iso(values: pd.Series) -> pd.Series:
        return pd.Series(values.dt.strftime("%Y-%m-%d"), dtype=TEXT)

    return pd.DataFrame(
        {
            "employee_code": pd.Series(staff["employee_code"], dtype=TEXT),
            "unit_code": pd.Series(staff["unit_code"], dtype=TEXT),
            "role": pd.Series(staff["role"], dtype=TEXT),
            "is_manager": staff["is_manager"].astype(bool),
            "customer_facing": staff["customer_facing"].astype(bool),
            "hired_on": iso(staff["hired_on"]),
            "left_on": iso(staff["left_on"]),
            "first_name": pd.Series(staff["first_name"], dtype=TEXT),
            "last_name": pd.Series(staff["last_name"], dtype=TEXT),
        }
    )


def active_on(staff: pd.DataFrame, day: np.datetime64) -> np.ndarray:
    """Mask of employees employed on ``day``."""
    left = staff["left_on"].to_numpy()
    return (staff["hired_on"].to_numpy() <= day) & (np.isnat(left) | (left > day))


def employee_responses(
    staff: pd.DataFrame,
    team_offsets: np.ndarray,
    lat: Latents,
    calendar: Calendar,
    params: ChainParameters,
    response_rate: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One anonymous wave per quarter (``MW-2026-Q3``) among location and team staff."""
    picked, period = [], []
    at_location = staff["location"].to_numpy() >= 0
    for t in range(calendar.periods):
        opens = calendar.starts[t] + np.timedelta64(FIELD_START_DAY, "D")
        eligible = np.flatnonzero(active_on(staff, opens) & at_location)
        responding = eligible[rng.random(len(eligible)) < response_rate]
        picked.append(responding)
        period.append(np.full(len(responding), t))
    who, per = np.concatenate(picked), np.concatenate(period)
    loc, team = staff["location"].to_numpy()[who], staff["team"].to_numpy()[who]
    z = employee_location_z(lat, loc, per)
    offset = np.where(team >= 0, team_offsets[np.maximum(team, 0)], 0.0)
    for dim in TEAM_EFFECT_DIMENSIONS:
        z[dim] = z[dim] + offset
    values, missing, latent = employee_answers(rng, z, params)
    submitted = calendar.moments(rng, per, FIELD_START_DAY, FIELD_DAYS)
    comment = _comments(rng, latent)
    # Rows in time order within a wave: file order must not reveal who answered.
    order = np.lexsort((submitted, per))
    frame = pd.DataFrame(
        {
            "response_id": codes("MR", np.arange(1, len(who) + 1), width_for(len(who), 6)),
            "wave": categorical(per[order], [f"MW-{q}" for q in calendar.quarters]),
            "unit_code": pd.Series(staff["unit_code"].to_numpy()[who][order], dtype=TEXT),
            "submitted_at": submitted[order],
            **answers(values[order], missing[order], EMPLOYEE_KEYS),
            "comment": categorical(comment[order], list(texts.EMPLOYEE_POOL.texts)),
        }
    )
    return frame


def _comments(rng: np.random.Generator, latent: dict[str, np.ndarray]) -> np.ndarray:
    """Template index per respondent (-1: no comment); the tone follows their own scores."""
    n = len(latent["engagement"])
    topic = rng.integers(0, len(texts.EMPLOYEE_TOPICS), n)
    score = np.stack([latent[dim] for dim in texts.EMPLOYEE_TOPICS])[topic, np.arange(n)]
    centre = np.array([EMPLOYEE_MEANS[dim] for dim in texts.EMPLOYEE_TOPICS])[topic]
    positive = (score + rng.normal(0.0, 0.3, n) > centre).astype(np.int64)
    group = np.ravel_multi_index((topic, positive, texts.languages(rng, n)), (6, 2, 2))
    return texts.sometimes(rng, texts.EMPLOYEE_POOL.pick(rng, group), COMMENT_SHARE)


def monthly_turnover(staff: pd.DataFrame, n_locations: int, calendar: Calendar) -> np.ndarray:
    """Leavers in the month / headcount on the first of the month, per location (L x months)."""
    loc = staff["location"].to_numpy()
    hired, left = staff["hired_on"].to_numpy(), staff["left_on"].to_numpy()
    rate = np.zeros((n_locations, len(calendar.months)))
    valid = loc >= 0
    for m in range(len(calendar.months)):
        first, nxt = calendar.month_starts[m], calendar.month_starts[m + 1]
        present = valid & (hired <= first) & (np.isnat(left) | (left > first))
        leaving = present & ~np.isnat(left) & (left < nxt)
        heads = np.bincount(loc[present], minlength=n_locations)
        gone = np.bincount(loc[leaving], minlength=n_locations)
        rate[:, m] = gone / np.maximum(heads, 1)
    return rate
