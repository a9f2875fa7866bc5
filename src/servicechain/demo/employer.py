"""Employer reviews (Glassdoor, Indeed): employees rating the chain, driven by the location latents.

Each review comes from an employee of one location in one quarter. Their overall view is
the location's engagement plus their own deviation::

    view = engagement[location, quarter] + N(0, VIEW_SD)

and the overall rating (1..5) cuts ``view`` at :data:`CUTS`. Each sub-rating is
``0.6 * view + driver + e`` on the same cuts, with the driver from :data:`DRIVERS`
(culture: relatedness, career: competence, pay: hygiene, management: manager quality,
work_life: hygiene and service climate) and ``e`` the employee's own view of that
dimension (N(0, 0.7)); each is empty for 30 % of reviews.

Pros praise the text aspect that is best for the employee, cons criticise the worst
(and sometimes the second best or worst too): aspect ``k`` scores ``latent_k + e_d(k)``
with the latents of :data:`TEXT_ASPECTS` and the ``e`` of the matching sub-rating, so a
review that rates pay low tends to complain about pay. Texts are Dutch (85 %) or English.

Uses its own random generator (``default_rng([seed, 8])``), so adding it changed none of
the other demo tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from servicechain.demo import employer_texts as words
from servicechain.demo.chain import Latents
from servicechain.demo.frames import TEXT, Calendar, categorical, codes, optional_ints, width_for
from servicechain.demo.texts import Pool

SOURCES = ("glassdoor", "indeed")
SOURCE_SHARES = (0.6, 0.4)
RATING_MAX = 5
VIEW_SD = 0.9
"""SD of an employee's overall view around their location's engagement (z-scores)."""
CUTS = (-1.5, -1.0, -0.25, 0.65)
"""Cut points of a view on the 1..5 stars: about 13 / 10 / 20 / 25 / 32 % (mean about 3.5)."""
SUB_FROM_VIEW = 0.6
OWN_SD = 0.7
SUB_MISSING = 0.3
SUB_RATINGS = ("culture", "career", "pay", "management", "work_life")
DRIVERS = {
    "culture": {"relatedness": 1.0},
    "career": {"competence": 1.0},
    "pay": {"hygiene": 1.0},
    "management": {"manager_quality": 1.0},
    "work_life": {"hygiene": 0.5, "service_climate": 0.5},
}
"""The location latents behind each sub-rating (weights)."""
TEXT_ASPECTS = {
    "workload": ("hygiene", "work_life"),
    "management": ("manager_quality", "management"),
    "colleagues": ("relatedness", "culture"),
    "pay": ("hygiene", "pay"),
    "development": ("competence", "career"),
}
"""Text aspect -> (location latent, the sub-rating whose own view it shares)."""
RECOMMEND_BY_RATING = np.array([0.08, 0.2, 0.5, 0.85, 0.95])
RECOMMEND_MISSING = 0.1
CEO_CHOICES = ("approve", "neutral", "disapprove")
CEO_BY_RATING = np.array(
    [[0.10, 0.30, 0.60], [0.20, 0.35, 0.45], [0.40, 0.35, 0.25], [0.60, 0.28, 0.12], [0.75, 0.20, 0.05]]
)
"""Chance of approve / neutral / disapprove of the CEO for ratings 1..5."""
CEO_MISSING = 0.2
ENGLISH = 0.15
SECOND_SENTENCE = 0.35
NO_PROS = np.array([0.35, 0.15, 0.03, 0.03, 0.03])
"""Chance pros are left out (empty or "not much"), by rating 1..5."""
NO_CONS = np.array([0.02, 0.02, 0.03, 0.1, 0.3])


def stars(view: np.ndarray) -> np.ndarray:
    """1..5 stars from a view on the z scale."""
    return np.searchsorted(np.asarray(CUTS), view).astype(np.int16) + 1


def employer_reviews(
    lat: Latents,
    calendar: Calendar,
    per_location: float,
    location_codes: list[str],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``employer-reviews`` import kind, and its planted truth (for ``truth["employer_reviews"]``)."""
    shape = lat.engagement.shape
    counts = rng.poisson(per_location, shape)
    loc = np.repeat(np.repeat(np.arange(shape[0]), shape[1]), counts.ravel())
    per = np.repeat(np.tile(np.arange(shape[1]), shape[0]), counts.ravel())
    n = len(loc)
    source = rng.choice(len(SOURCES), n, p=SOURCE_SHARES)
    view = lat.engagement[loc, per] + rng.normal(0.0, VIEW_SD, n)
    rating = stars(view)
    own = {name: rng.normal(0.0, OWN_SD, n) for name in SUB_RATINGS}
    subs = {}
    for name in SUB_RATINGS:
        driver = sum(weight * getattr(lat, latent)[loc, per] for latent, weight in DRIVERS[name].items())
        value = stars(SUB_FROM_VIEW * view + driver + own[name])
        subs[name] = optional_ints(value, rng.random(n) < SUB_MISSING)
    recommend = pd.array(rng.random(n) < RECOMMEND_BY_RATING[rating - 1], dtype="boolean")
    recommend[rng.random(n) < RECOMMEND_MISSING] = pd.NA
    ceo = _choose(rng, CEO_BY_RATING[rating - 1])
    ceo = np.where(rng.random(n) < CEO_MISSING, -1, ceo)
    english = (rng.random(n) < ENGLISH).astype(np.int64)
    scores = np.stack(
        [getattr(lat, latent)[loc, per] + own[sub] for latent, sub in TEXT_ASPECTS.values()], axis=1
    )
    ranked = np.argsort(-scores, axis=1, kind="stable")  # best aspect first
    pros, pros_about = _texts(words.PROS_POOL, ranked, english, rng, NO_PROS[rating - 1], 0)
    cons, cons_about = _texts(words.CONS_POOL, ranked[:, ::-1], english, rng, NO_CONS[rating - 1], 1)
    posted = calendar.moments(rng, per)
    order = np.argsort(posted, kind="stable")
    review_ids = codes("ER", np.arange(1, n + 1), width_for(n, 5))
    frame = pd.DataFrame(
        {
            "review_id": review_ids,
            "source": categorical(source[order], list(SOURCES)),
            "unit_code": categorical(loc[order], location_codes),
            "posted_at": posted[order],
            "rating": rating[order].astype(np.int64),
            "rating_max": np.full(n, RATING_MAX, dtype=np.int64),
            **{name: values[order] for name, values in subs.items()},
            "recommend": recommend[order],
            "ceo_approval": categorical(ceo[order], list(CEO_CHOICES)),
            "pros": pd.Series(pros[order], dtype=TEXT),
            "cons": pd.Series(cons[order], dtype=TEXT),
            "language": categorical(english[order], list(words.LANGUAGES)),
        }
    )
    ids = review_ids.to_numpy(dtype=object)
    truth = {
        "rate": per_location,
        "sources": dict(zip(SOURCES, SOURCE_SHARES, strict=True)),
        "rating_max": RATING_MAX,
        "view": f"engagement + N(0, {VIEW_SD}); stars cut at {list(CUTS)}",
        "drivers": {"rating": {"engagement": 1.0}, **DRIVERS},
        "sub_rating": f"{SUB_FROM_VIEW} * view + driver + N(0, {OWN_SD}), {SUB_MISSING:.0%} empty",
        "text_aspects": {aspect: latent for aspect, (latent, _) in TEXT_ASPECTS.items()},
        "english_share": ENGLISH,
        "pros": _about(ids, pros_about[order]),
        "cons": _about(ids, cons_about[order]),
    }
    return frame, truth


def _choose(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row from its row of ``probabilities``."""
    cumulative = np.cumsum(probabilities, axis=1)
    return (rng.random((len(probabilities), 1)) > cumulative[:, :-1]).sum(axis=1)


def _texts(
    pool: Pool,
    ranked: np.ndarray,
    english: np.ndarray,
    rng: np.random.Generator,
    left_out: np.ndarray,
    kind: int,
) -> tuple[np.ndarray, np.ndarray]:
    """One or two sentences on the first aspects of ``ranked``; some left empty or "nothing".

    Returns the texts (NaN when empty) and, per row, the aspects written about (-1: none).
    """
    n = len(english)
    first = pool.pick(rng, np.ravel_multi_index((ranked[:, 0], english), (len(words.ASPECTS), 2)))
    second = pool.pick(rng, np.ravel_multi_index((ranked[:, 1], english), (len(words.ASPECTS), 2)))
    texts = np.asarray(pool.texts, dtype=object)
    two = rng.random(n) < SECOND_SENTENCE
    text = np.where(two, texts[first] + " " + texts[second], texts[first])
    about = np.stack([ranked[:, 0], np.where(two, ranked[:, 1], -1)], axis=1)
    out = rng.random(n) < left_out
    nothing = out & (rng.random(n) < 0.5)
    filler = np.asarray(words.NOTHING_POOL.texts, dtype=object)[
        words.NOTHING_POOL.pick(rng, np.ravel_multi_index((np.full(n, kind), english), (2, 2)))
    ]
    text = np.where(nothing, filler, np.where(out, np.nan, text))
    about[out] = -1
    return text, about


def _about(ids: np.ndarray, about: np.ndarray) -> dict[str, list[str]]:
    """``{review_id: [aspect, ...]}`` of the reviews whose text is about an aspect."""
    return {
        str(review_id): [words.ASPECTS[a] for a in row if a >= 0]
        for review_id, row in zip(ids, about, strict=True)
        if row[0] >= 0
    }
