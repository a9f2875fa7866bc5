"""Employer reviews as a barometer beside the engagement survey.

Per unit (its subtree) and period (quarters and the ``recent`` window of
:mod:`servicechain.analysis.text_summary`): the number of reviews, the mean overall rating on a
1..5 scale (``rating / rating_max * 5``) with its t-interval, the share that would recommend the
employer (Wilson interval), the share approving of the CEO, the mean sub-ratings, and the unit's
survey engagement (the scorecard's ``engagement_index`` mean, averaged over the window's quarters
that show it).

Where locations have both, the Pearson correlation of their recent mean rating with their recent
engagement, with the Fisher-z 95% interval and its p-value (``scipy.stats.pearsonr``), and the
Spearman rank correlation. Only locations with at least ``MIN_REVIEWS`` reviews in the window
take part: a single review says little about a store.

Employer reviews are public posts: their numbers are shown without the survey's anonymity rule;
their texts are quoted only where a unit has enough of them (see ``text_summary``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from servicechain.stats import describe, wilson_interval
from servicechain.store import schema
from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store

SUBRATINGS = ("culture", "career", "pay", "management", "work_life")
MIN_REVIEWS = 3
"""Reviews a location needs in the window to take part in the correlation."""
ENGAGEMENT = "engagement_index"


def read_employer_reviews(store: Store) -> pd.DataFrame:
    """Every dated employer review: ``unit_id, moment, rating (1..5), recommend, approve`` and the
    sub-ratings on 1..5 (NaN where missing)."""
    table = schema.employer_review
    scale = 5.0 / table.c.rating_max
    query = sa.select(
        table.c.unit_id, table.c.posted_at.label("moment"), (table.c.rating * scale).label("rating"),
        table.c.recommend, table.c.ceo_approval,
        *[(table.c[name] * scale).label(name) for name in SUBRATINGS],
    )  # fmt: skip
    with store.engine.connect() as connection:
        frame = read_frame(connection, query)
    if frame.empty:
        return frame
    frame["moment"] = pd.to_datetime(frame["moment"])
    frame["period"] = frame["moment"].dt.year.astype(str) + "-Q" + frame["moment"].dt.quarter.astype(str)
    frame["unit_id"] = frame["unit_id"].astype("int64")
    frame["recommend"] = frame["recommend"].astype("float64")  # True 1, False 0, missing NaN
    approval = frame["ceo_approval"]
    frame["approve"] = np.where(approval.isna(), np.nan, (approval == "approve").astype(float))
    return frame.drop(columns=["ceo_approval"])


def _rows(reviews: pd.DataFrame, pairs: pd.DataFrame, engagement: pd.DataFrame) -> pd.DataFrame:
    rolled = (
        reviews.merge(pairs, on="unit_id").drop(columns="unit_id").rename(columns={"ancestor_id": "unit_id"})
    )
    keys = ["unit_id", "period"]
    grouped = rolled.assign(rating_sq=rolled["rating"] ** 2).groupby(keys)
    sums = grouped.agg(n=("rating", "size"), total=("rating", "sum"), total_sq=("rating_sq", "sum"),
                       recommend_yes=("recommend", "sum"), recommend_n=("recommend", "count"),
                       approve_share=("approve", "mean"),
                       **{name: (name, "mean") for name in SUBRATINGS})  # fmt: skip
    interval = describe(sums["n"].astype(float), sums["total"], sums["total_sq"])
    out = sums.assign(rating=interval["mean"], ci_low=interval["ci_low"].clip(lower=0.0, upper=5.0),
                      ci_high=interval["ci_high"].clip(lower=0.0, upper=5.0))  # fmt: skip
    share = out["recommend_yes"] / out["recommend_n"].where(out["recommend_n"] > 0)
    low, high = wilson_interval(out["recommend_yes"], out["recommend_n"])
    out = out.assign(recommend_share=share, recommend_low=low, recommend_high=high)
    out = out.rename(columns={"approve_share": "ceo_approval_share"}).reset_index()
    out = out.merge(engagement, on=keys, how="left")
    columns = ["unit_id", "period", "n", "rating", "ci_low", "ci_high", "recommend_share", "recommend_low",
               "recommend_high", "recommend_n", "ceo_approval_share", *SUBRATINGS, "engagement"]  # fmt: skip
    return out[columns]


def _engagement(scorecard: pd.DataFrame | None, recent: list[str], recent_label: str) -> pd.DataFrame:
    """Shown ``engagement_index`` means per unit and quarter, plus their average over ``recent``."""
    if scorecard is None or scorecard.empty:
        return pd.DataFrame(columns=["unit_id", "period", "engagement"])
    shown = scorecard.loc[(scorecard["measure"] == ENGAGEMENT) & ~scorecard["suppressed"].astype(bool)]
    quarters = shown[["unit_id", "period", "mean"]].rename(columns={"mean": "engagement"}).dropna()
    quarters = quarters.astype({"unit_id": "int64", "period": str, "engagement": float})
    window = (
        quarters.loc[quarters["period"].isin(recent)].groupby("unit_id", as_index=False)["engagement"].mean()
    )
    return pd.concat([quarters, window.assign(period=recent_label)], ignore_index=True)


def correlation(rows: pd.DataFrame, location_ids: set[int], window: str) -> dict[str, Any] | None:
    """Pearson (Fisher-z interval) and Spearman correlation, over locations with at least
    ``MIN_REVIEWS`` reviews in ``window`` and a shown engagement; None below 4 locations."""
    both = rows.loc[
        (rows["period"] == window) & rows["unit_id"].isin(location_ids) & (rows["n"] >= MIN_REVIEWS)
    ]
    both = both.dropna(subset=["rating", "engagement"])
    if len(both) < 4 or both["rating"].nunique() < 2 or both["engagement"].nunique() < 2:
        return None
    pearson = stats.pearsonr(both["rating"], both["engagement"])
    low, high = pearson.confidence_interval(0.95)
    spearman = stats.spearmanr(both["rating"], both["engagement"])
    return {
        "units": len(both), "pearson": round(float(pearson.statistic), 4), "low": round(float(low), 4),
        "high": round(float(high), 4), "p": float(pearson.pvalue),
        "spearman": round(float(spearman.statistic), 4), "spearman_p": float(spearman.pvalue),
        "measure": ENGAGEMENT, "window": window,
        "min_reviews": MIN_REVIEWS,
    }  # fmt: skip


def barometer(
    store: Store,
    pairs: pd.DataFrame,
    recent: list[str],
    recent_label: str,
    scorecard: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The ``employer`` part of the text document: ``rows`` per unit and period and the
    ``correlation`` with survey engagement (None when too few locations have both)."""
    reviews = read_employer_reviews(store)
    if reviews.empty:
        return {"rows": [], "correlation": None}
    recent = recent or sorted(set(reviews["period"]))[-4:]  # no other texts: the reviews' own quarters
    window = reviews.loc[reviews["period"].isin(recent)].assign(period=recent_label)
    rows = _rows(
        pd.concat([reviews, window], ignore_index=True), pairs, _engagement(scorecard, recent, recent_label)
    )
    reviewed = pairs.loc[pairs["unit_id"].isin(reviews["unit_id"])]
    above = set(reviewed.loc[reviewed["ancestor_id"] != reviewed["unit_id"], "ancestor_id"])
    locations = set(reviewed["unit_id"]) - above  # reviewed units with no reviewed unit below them
    clean = rows.astype(object).where(rows.notna(), None)
    records = [
        {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
        for r in clean.to_dict(orient="records")
    ]
    return {"rows": records, "correlation": correlation(rows, locations, recent_label)}
