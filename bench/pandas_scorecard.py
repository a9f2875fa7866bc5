"""The customer scorecard as an analyst would write it in pandas: the benchmark's reference.

Reads nothing itself: it takes the raw ``customer_response`` rows (a plain ``SELECT *``),
``org_unit`` and ``survey_wave`` as DataFrames, scores every respondent with pandas and
numpy following ``shared/design/domain.md`` ("Respondent-level scoring"), sums per unit
and wave, rolls the sums up to every ancestor unit (from ``org_unit.path``) and returns
the long table of :func:`servicechain.metrics.measure_sums`: ``source, unit_id, period,
measure, n, total, total_sq`` with the same keys and scaling (shares 0/100, NPS
-100/0/100 per respondent). :func:`pandas_scorecard` adds mean, SD, SE and the t 95%
interval per row.

The rules are written out here from the domain document, independently of
:mod:`servicechain.metrics.respondent`, so ``tests/test_metrics_reference.py`` can check
one against the other. Plain vectorised pandas: no tricks, no deliberate slowness.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

RATIONAL = ["satisfaction", "continue", "recommend"]
DIMENSIONS = {
    "confidence": ["confidence_promises", "confidence_competent"],
    "integrity": ["integrity_fair", "integrity_fix"],
    "pride": ["pride_proud", "pride_respect"],
    "passion": ["passion_irreplaceable", "passion_fit"],
}
ATTACHMENT = [item for items in DIMENSIONS.values() for item in items]
ITEMS = RATIONAL + ATTACHMENT

SCORES = ["ce_index", "attachment", *DIMENSIONS, "satisfaction"]
SEGMENTS = ["fully_engaged_customers", "engaged_customers", "not_engaged_customers",
            "actively_disengaged_customers"]  # fmt: skip
SHARES = ["csat_top_box", "rationally_loyal", *SEGMENTS, "emotionally_satisfied"]
NET = ["nps"]
MEASURES = SCORES + NET + SHARES
RESPONDENTS = "customer_respondents"
LONG_COLUMNS = ["source", "unit_id", "period", "measure", "n", "total", "total_sq"]


def _mean_of_answered(answers: pd.DataFrame) -> pd.Series:
    """Row mean of the answered items; missing when fewer than half of them are answered."""
    answered = answers.notna().sum(axis=1)
    return answers.mean(axis=1).where(answered >= answers.shape[1] / 2)


def _flag(condition: pd.Series, defined: pd.Series) -> pd.Series:
    """1.0 / 0.0, missing where the respondent is not ``defined``."""
    return condition.astype("float64").where(defined)


def score_respondents(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per response: ``unit_id``, ``wave_id`` and one column per measure."""
    answers = pd.DataFrame(
        {item: pd.to_numeric(responses[item]).astype("float64") for item in ITEMS}, index=responses.index
    )
    satisfaction, proceed, recommend = answers["satisfaction"], answers["continue"], answers["recommend"]
    everything = answers.assign(recommend=1 + 0.4 * recommend)
    attachment = _mean_of_answered(answers[ATTACHMENT])
    has_attachment = attachment.notna()

    promoter = recommend >= 9
    detractor = recommend <= 6
    loyal = (satisfaction == 5) & (proceed == 5) & promoter
    fully = loyal & (attachment >= 4.5)
    engaged = ~fully & (attachment >= 4.0)
    disengaged = ~fully & ~engaged & ((attachment <= 2.5) | (satisfaction <= 2))
    not_engaged = ~fully & ~engaged & ~disengaged

    scored = pd.DataFrame(
        {
            "unit_id": responses["unit_id"].to_numpy(),
            "wave_id": responses["wave_id"].to_numpy(),
            "ce_index": _mean_of_answered(everything),
            "attachment": attachment,
            **{key: _mean_of_answered(answers[items]) for key, items in DIMENSIONS.items()},
            "satisfaction": satisfaction,
            "nps": pd.Series(np.select([promoter, detractor], [1.0, -1.0], 0.0), index=answers.index).where(
                recommend.notna()
            ),
            "csat_top_box": _flag(satisfaction == 5, satisfaction.notna()),
            "rationally_loyal": _flag(loyal, satisfaction.notna() & proceed.notna() & recommend.notna()),
            **{
                key: _flag(segment, has_attachment)
                for key, segment in zip(SEGMENTS, [fully, engaged, not_engaged, disengaged], strict=True)
            },
            "emotionally_satisfied": _flag(attachment >= 4.5, (satisfaction == 5) & has_attachment),
        },
        index=responses.index,
    )
    return scored


def _wave_periods(responses: pd.DataFrame, waves: pd.DataFrame) -> pd.Series:
    """Period of each wave id: its own, else the quarter of its last response."""
    own = waves.set_index("id")["period"]
    last = pd.to_datetime(responses.groupby("wave_id")["submitted_at"].max())
    fallback = last.dt.year.astype(str) + "-Q" + last.dt.quarter.astype(str)
    return own.where(own.notna(), fallback.reindex(own.index))


def _ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """``unit_id, ancestor_id`` for every unit and every unit above it (itself included)."""
    steps = units["path"].str.strip("/").str.split("/")
    pairs = pd.DataFrame({"unit_id": units["id"].to_numpy(), "ancestor_id": steps.to_numpy()})
    pairs = pairs.explode("ancestor_id")
    return pairs.astype({"unit_id": "int64", "ancestor_id": "int64"})


def pandas_customer_sums(responses: pd.DataFrame, units: pd.DataFrame, waves: pd.DataFrame) -> pd.DataFrame:
    """``source, unit_id, period, measure, n, total, total_sq``, rolled up over each subtree."""
    scored = score_respondents(responses)
    keys = ["unit_id", "wave_id"]
    groups = scored.groupby(keys)
    leaf = pd.concat(
        {
            "n": groups[MEASURES].count(),
            "total": groups[MEASURES].sum(),
            "total_sq": (scored[MEASURES] ** 2).groupby([scored[k] for k in keys]).sum(),
        },
        axis=1,
    )
    leaf.columns = [f"{stat}__{measure}" for stat, measure in leaf.columns]
    leaf[f"n__{RESPONDENTS}"] = groups.size()
    leaf = leaf.reset_index()
    leaf["period"] = leaf["wave_id"].map(_wave_periods(responses, waves))
    leaf = leaf.dropna(subset=["period"]).drop(columns="wave_id")

    rolled = leaf.merge(_ancestors(units), on="unit_id")
    rolled = rolled.drop(columns="unit_id").groupby(["ancestor_id", "period"]).sum()
    rolled.index = rolled.index.rename(["unit_id", "period"])

    parts = []
    for measure in [RESPONDENTS, *MEASURES]:
        n = rolled[f"n__{measure}"].astype("int64")
        if measure == RESPONDENTS:
            total, total_sq = n.astype("float64"), n.astype("float64")
        elif measure in SCORES:
            total, total_sq = rolled[f"total__{measure}"], rolled[f"total_sq__{measure}"]
        elif measure in NET:
            total, total_sq = 100 * rolled[f"total__{measure}"], 10_000 * rolled[f"total_sq__{measure}"]
        else:
            total = 100 * rolled[f"total__{measure}"]
            total_sq = 100 * total
        parts.append(pd.DataFrame({"measure": measure, "n": n, "total": total, "total_sq": total_sq}))
    long = pd.concat(parts).reset_index()
    long.insert(0, "source", "customer")
    long = long.sort_values(["source", "unit_id", "period", "measure"], ignore_index=True)
    return long[LONG_COLUMNS]


def pandas_scorecard(responses: pd.DataFrame, units: pd.DataFrame, waves: pd.DataFrame) -> pd.DataFrame:
    """The sums plus unit code, mean, SD, SE and the t 95% interval of every row."""
    card = pandas_customer_sums(responses, units, waves)
    card.insert(1, "unit_code", card["unit_id"].map(units.set_index("id")["code"]))
    n = card["n"].astype("float64")
    card["mean"] = card["total"] / n.where(n > 0)
    variance = (card["total_sq"] - card["total"] ** 2 / n.where(n > 0)) / (n - 1).where(n > 1)
    card["sd"] = np.sqrt(variance.clip(lower=0))
    card["se"] = card["sd"] / np.sqrt(n)
    half = stats.t.ppf(0.975, (n - 1).where(n > 1)) * card["se"]
    card["ci_low"] = card["mean"] - half
    card["ci_high"] = card["mean"] + half
    counts = card["measure"] == RESPONDENTS
    card.loc[counts, ["mean", "sd", "se", "ci_low", "ci_high"]] = np.nan
    return card
