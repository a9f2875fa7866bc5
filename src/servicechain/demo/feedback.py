"""Touchpoint micro-surveys and online reviews, both driven by the location latents.

Touchpoint satisfaction follows service climate and engagement plus the named
employee's own service skill; ease follows hygiene (staffing) and the channel. Review
ratings follow customer attachment and satisfaction; praise names a customer-facing
employee of the location who was employed in that quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from servicechain.demo import texts
from servicechain.demo.chain import Latents
from servicechain.demo.frames import TEXT, Calendar, categorical, codes, optional_ints, width_for
from servicechain.demo.workforce import active_on

CHANNELS = ("in_person", "phone", "chat_email", "app_web")
CHANNEL_SHARES = (0.5, 0.15, 0.15, 0.2)
CHANNEL_EMPLOYEE = np.array([0.75, 0.6, 0.4, 0.0])
"""Chance a touchpoint names the employee, per channel (about half overall)."""
CHANNEL_SATISFACTION = np.array([0.1, -0.15, -0.1, 0.0])
CHANNEL_EASE = np.array([0.0, -0.5, -0.3, 0.3])
SOURCES = ("google", "tripadvisor", "iens")
SOURCE_SHARES = (0.65, 0.15, 0.20)
SOURCE_MAX = np.array([5, 5, 10])
SOURCE_ASPECT_MISSING = np.array([0.7, 0.4, 0.3])
ASPECTS = ("service", "waiting_time", "cleanliness", "product_quality", "price_value")


def _likert(latent: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.rint(latent), low, high).astype(np.int16)


class Roster:
    """Customer-facing employees per (location, quarter), for picking a named employee."""

    def __init__(self, staff: pd.DataFrame, n_locations: int, calendar: Calendar) -> None:
        self.periods = calendar.periods
        keys, members = [], []
        facing = staff["customer_facing"].to_numpy() & (staff["location"].to_numpy() >= 0)
        for t in range(calendar.periods):
            middle = calendar.starts[t] + (calendar.starts[t + 1] - calendar.starts[t]) // 2
            rows = np.flatnonzero(facing & active_on(staff, middle))
            keys.append(staff["location"].to_numpy()[rows] * self.periods + t)
            members.append(rows)
        key, member = np.concatenate(keys), np.concatenate(members)
        order = np.argsort(key, kind="stable")
        self.members = member[order]
        self.counts = np.bincount(key, minlength=n_locations * self.periods)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]])

    def pick(self, rng: np.random.Generator, loc: np.ndarray, per: np.ndarray) -> np.ndarray:
        """A random staff row for each (loc, per); -1 where nobody is available."""
        key = loc * self.periods + per
        count = self.counts[key]
        index = self.offsets[key] + (rng.random(len(key)) * count).astype(np.int64)
        return np.where(count > 0, self.members[np.minimum(index, len(self.members) - 1)], -1)


def _spread(rng: np.random.Generator, rate: float, shape: tuple[int, int]):
    counts = rng.poisson(rate, shape)
    loc = np.repeat(np.arange(shape[0]).repeat(shape[1]), counts.ravel())
    per = np.repeat(np.tile(np.arange(shape[1]), shape[0]), counts.ravel())
    return loc, per


def touchpoints(
    staff: pd.DataFrame,
    roster: Roster,
    lat: Latents,
    calendar: Calendar,
    per_location: float,
    location_codes: list[str],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The ``touchpoints`` import kind: one row per answered micro-survey."""
    loc, per = _spread(rng, per_location, lat.engagement.shape)
    n = len(loc)
    channel = rng.choice(4, n, p=CHANNEL_SHARES)
    employee = np.where(rng.random(n) < CHANNEL_EMPLOYEE[channel], roster.pick(rng, loc, per), -1)
    skill = np.where(employee >= 0, staff["skill"].to_numpy()[np.maximum(employee, 0)], 0.0)
    ee, sc = lat.engagement[loc, per], lat.service_climate[loc, per]
    satisfaction = _likert(
        4.0 + 0.25 * ee + 0.25 * sc + 0.3 * skill + CHANNEL_SATISFACTION[channel] + rng.normal(0, 0.9, n),
        1,
        5,
    )
    ease = _likert(
        5.3 + 0.4 * lat.hygiene[loc, per] + 0.2 * sc + CHANNEL_EASE[channel] + rng.normal(0, 1.2, n),
        1,
        7,
    )
    valued = _likert(3.9 + 0.3 * ee + 0.35 * skill + rng.normal(0, 0.8, n), 1, 5)
    has_valued = (employee >= 0) & (rng.random(n) < 0.6)
    tone = np.select([satisfaction <= 2, satisfaction == 3], [0, 1], 2)
    group = np.ravel_multi_index((tone, texts.languages(rng, n)), (3, 2))
    comment = texts.sometimes(rng, texts.TOUCHPOINT_POOL.pick(rng, group), 0.10)
    occurred = calendar.moments(rng, per)
    order = np.argsort(occurred, kind="stable")
    return pd.DataFrame(
        {
            "response_id": codes("TP", np.arange(1, n + 1), width_for(n, 7)),
            "unit_code": categorical(loc[order], location_codes),
            "employee_code": categorical(employee[order], staff["employee_code"]),
            "channel": categorical(channel[order], list(CHANNELS)),
            "occurred_at": occurred[order],
            "satisfaction": optional_ints(satisfaction[order], np.zeros(n, bool)),
            "ease": optional_ints(ease[order], np.zeros(n, bool)),
            "valued": optional_ints(valued[order], ~has_valued[order]),
            "comment": categorical(comment[order], list(texts.TOUCHPOINT_POOL.texts)),
        }
    )


def _aspect_drivers(lat: Latents, rng: np.random.Generator) -> dict[str, np.ndarray]:
    shape = lat.engagement.shape
    product = np.repeat(rng.standard_normal((shape[0], 1)), shape[1], axis=1)
    price = np.repeat(rng.standard_normal((shape[0], 1)), shape[1], axis=1)
    return {
        "service": 0.5 * lat.engagement + 0.5 * lat.service_climate,
        "waiting_time": lat.hygiene,
        "cleanliness": 0.5 * lat.manager_quality + 0.5 * lat.hygiene,
        "product_quality": product,
        "price_value": price,
    }


def _on_scale(latent: np.ndarray, top: np.ndarray) -> np.ndarray:
    stars = 1 + sum((latent > cut).astype(np.int16) for cut in (-1.2, -0.7, -0.2, 0.4))
    tens = _likert(6.3 + 1.5 * latent, 1, 10)
    return np.where(top == 10, tens, stars)


def reviews(
    staff: pd.DataFrame,
    roster: Roster,
    lat: Latents,
    calendar: Calendar,
    per_location: float,
    location_codes: list[str],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[str, float]]]:
    """The ``reviews`` import kind: Google, Tripadvisor and Iens reviews with aspects; the planted
    praise, ``{review_id: employee_code}`` of the employee a review names; and the planted aspect
    effects, ``{text aspect: {unit_code: mean driver}}`` (z-scores), which the review sentences
    about each aspect follow."""
    loc, per = _spread(rng, per_location, lat.engagement.shape)
    n = len(loc)
    source = rng.choice(3, n, p=SOURCE_SHARES)
    top = SOURCE_MAX[source]
    overall = (
        0.55 * lat.attachment[loc, per]
        + 0.25 * lat.satisfaction[loc, per]
        + 0.2 * lat.service_climate[loc, per]
        + rng.normal(0, 1.0, n)
    )
    rating = _on_scale(overall, top)
    aspects, values = {}, {}
    drivers = _aspect_drivers(lat, rng)
    for name, driver in drivers.items():
        value = _on_scale(0.6 * overall + 0.5 * driver[loc, per] + rng.normal(0, 0.6, n), top)
        values[name] = value
        aspects[f"aspect_{name}"] = optional_ints(value, rng.random(n) < SOURCE_ASPECT_MISSING[source])
    english = texts.languages(rng, n, 0.12) | (rng.random(n) < np.where(source == 1, 0.3, 0.0))
    fraction = rating / top
    tone = np.select([fraction <= 0.4, fraction <= 0.6], [0, 1], 2)
    opening = texts.REVIEW_POOL.pick(rng, np.ravel_multi_index((tone, english), (3, 2)))
    text = pd.Series(np.asarray(texts.REVIEW_POOL.texts, dtype=object)[opening])
    praised = np.where((tone == 2) & (rng.random(n) < 0.3), roster.pick(rng, loc, per), -1)
    text = text + _praise(staff, praised, english, rng)
    text = text + _remarks(values, top, english, rng)
    posted = calendar.moments(rng, per)
    order = np.argsort(posted, kind="stable")
    frame = pd.DataFrame(
        {
            "review_id": codes("RV", np.arange(1, n + 1), width_for(n, 6)),
            "source": categorical(source[order], list(SOURCES)),
            "unit_code": categorical(loc[order], location_codes),
            "posted_at": posted[order],
            "rating": rating[order].astype(np.int64),
            "rating_max": top[order].astype(np.int64),
            **{name: values[order] for name, values in aspects.items()},
            "language": categorical(english[order], list(texts.LANGUAGES)),
            "text": pd.Series(text.to_numpy()[order], dtype=TEXT),
        }
    )
    who = praised[order]
    named = np.flatnonzero(who >= 0)
    employee_codes = staff["employee_code"].to_numpy(dtype=object)[who[named]]
    review_ids = frame["review_id"].to_numpy(dtype=object)[named]
    planted = {
        text_aspect: dict(zip(location_codes, drivers[name].mean(axis=1).round(4).tolist(), strict=True))
        for name, text_aspect in zip(ASPECTS, texts.REVIEW_ASPECTS, strict=True)
    }
    return frame, dict(zip(review_ids.tolist(), employee_codes.tolist(), strict=True)), planted


def _praise(
    staff: pd.DataFrame, praised: np.ndarray, english: np.ndarray, rng: np.random.Generator
) -> pd.Series:
    """Text to append to praised rows (e.g. " Sanne aan de servicebalie was super
    behulpzaam."); empty for the others."""
    out = np.full(len(praised), "", dtype=object)
    rows = np.flatnonzero(praised >= 0)
    who = staff.iloc[praised[rows]]
    for i, lang in enumerate(texts.LANGUAGES):
        mine = english[rows] == i
        templates = texts.PRAISE[lang]
        choice = rng.integers(0, len(templates), int(mine.sum()))
        before = np.array([t[0] for t in templates], dtype=object)[choice]
        after = np.array([t[1] for t in templates], dtype=object)[choice]
        place = who["team_name"].map({k: v[lang] for k, v in texts.PLACES.items()})
        names = who["first_name"].to_numpy(dtype=object)[mine]
        out[rows[mine]] = " " + before + names + " " + place.to_numpy(dtype=object)[mine] + after
    return pd.Series(out)


def _remarks(
    values: dict[str, np.ndarray], top: np.ndarray, english: np.ndarray, rng: np.random.Generator
) -> pd.Series:
    """Sentences about the rated aspects (" Het personeel was ontzettend vriendelijk."): each aspect
    is written about in half of the reviews, positively when its rating is at least 70% of the
    scale, negatively at 40% or less, not at all in between. A review with praise and a complaint
    joins them into one mixed sentence half of the time ("..., maar de winkel mocht wel wat
    schoner.")."""
    n = len(top)
    fraction = np.stack([values[name] for name in ASPECTS]) / top
    tone = np.where(fraction >= 0.7, 1, np.where(fraction <= 0.4, 0, -1))
    written = (rng.random(tone.shape) < 0.5) & (tone >= 0)
    group = np.ravel_multi_index((np.arange(len(ASPECTS))[:, None], np.maximum(tone, 0), english[None, :]),
                                 (len(ASPECTS), 2, 2))  # fmt: skip
    index = texts.REMARK_POOL.pick(rng, group.ravel()).reshape(group.shape)
    pool = np.asarray(texts.REMARK_POOL.texts, dtype=object)
    mixing = rng.random(n) < 0.5
    out = np.full(n, "", dtype=object)
    for row in np.flatnonzero(written.any(axis=0)):
        said = [(int(tone[a, row]), str(pool[index[a, row]])) for a in np.flatnonzero(written[:, row])]
        good = [t for tone_, t in said if tone_ == 1]
        bad = [t for tone_, t in said if tone_ == 0]
        if good and bad and mixing[row]:
            but = texts.CONTRAST[texts.LANGUAGES[english[row]]]
            joined = good[0].rstrip(".!") + but + bad[0][0].lower() + bad[0][1:]
            said = [(1, joined)] + [(1, t) for t in good[1:]] + [(0, t) for t in bad[1:]]
        out[row] = "".join(" " + t for _, t in said)
    return pd.Series(out)
