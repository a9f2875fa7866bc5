"""The customer panel: survey answers, churn, revenue and share of wallet per quarter.

Each location keeps ``customers_per_unit`` active customers. Every quarter each active
customer has a survey state (their answers, whether or not they respond), which sets
their engagement category; the category sets the chance they stay (churners are replaced
by new customers next quarter) and their share of wallet; their overall satisfaction
sets their revenue. Loops run over quarters only; everything inside is vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from servicechain.demo import texts
from servicechain.demo.chain import ChainParameters, Latents
from servicechain.demo.frames import Calendar, answers, categorical, codes, width_for
from servicechain.demo.surveys import CUSTOMER_KEYS, customer_answers, customer_category

SEGMENTS = ("particulier", "zakelijk", "premium")
SEGMENT_SHARES = (0.75, 0.15, 0.10)
SEGMENT_REVENUE = np.array([210.0, 950.0, 620.0])
"""Quarterly revenue (euro) of a completely satisfied customer of median wallet."""
SEGMENT_WALLET_SHARE = np.array([0.38, 0.30, 0.48])
"""Share of wallet of an average customer of the segment."""
CHANNELS = ("in_person", "phone", "chat_email", "app_web")
CHANNEL_SHARES = (0.5, 0.15, 0.15, 0.2)
COMMENT_SHARE = 0.12


@dataclass
class Panel:
    """Customer-quarter rows (``rows`` long) and the customers they belong to."""

    customer: np.ndarray
    location: np.ndarray
    period: np.ndarray
    values: np.ndarray
    missing: np.ndarray
    category: np.ndarray
    retained: np.ndarray
    home: np.ndarray
    """Home location of each customer id."""
    segment: np.ndarray
    wallet: np.ndarray


def simulate_panel(
    n_locations: int,
    per_location: int,
    lat: Latents,
    periods: int,
    params: ChainParameters,
    rng: np.random.Generator,
) -> Panel:
    """Answers, categories and churn for every active customer in every quarter."""
    slots = n_locations * per_location
    slot_loc = np.repeat(np.arange(n_locations, dtype=np.int32), per_location)
    current = np.arange(slots, dtype=np.int64)
    stable = rng.standard_normal((slots, 2), dtype=np.float32)
    homes = [slot_loc]
    rows = slots * periods
    values = np.empty((rows, len(CUSTOMER_KEYS)), dtype=np.int8)
    missing = np.empty((rows, len(CUSTOMER_KEYS)), dtype=bool)
    category = np.empty(rows, dtype=np.int8)
    retained = np.empty(rows, dtype=bool)
    customer = np.empty(rows, dtype=np.int64)
    keep = np.asarray(params.retention_by_category)
    for t in range(periods):
        block = slice(t * slots, (t + 1) * slots)
        values[block], missing[block] = customer_answers(
            rng, lat.attachment[slot_loc, t], lat.satisfaction[slot_loc, t], stable[current], params
        )
        category[block] = customer_category(values[block], missing[block])
        retained[block] = rng.random(slots) < keep[category[block]]
        customer[block] = current
        if t < periods - 1:
            churned = np.flatnonzero(~retained[block])
            first_new = len(stable)
            stable = np.concatenate([stable, rng.standard_normal((len(churned), 2), dtype=np.float32)])
            current = current.copy()
            current[churned] = np.arange(first_new, first_new + len(churned))
            homes.append(slot_loc[churned])
    home = np.concatenate(homes)
    n_customers = len(home)
    segment = rng.choice(len(SEGMENTS), n_customers, p=SEGMENT_SHARES).astype(np.int8)
    wallet = rng.lognormal(-0.18, 0.6, n_customers)  # mean 1
    return Panel(
        customer=customer,
        location=np.tile(slot_loc, periods),
        period=np.repeat(np.arange(periods, dtype=np.int16), slots),
        values=values,
        missing=missing,
        category=category,
        retained=retained,
        home=home,
        segment=segment,
        wallet=wallet,
    )


def category_multipliers(category: np.ndarray, params: ChainParameters) -> np.ndarray:
    """Share-of-wallet multiplier per category, so that relative to the average customer
    fully engaged get ``+premium`` and actively disengaged ``-discount`` (engaged = 1.0;
    not engaged absorbs the rest so the overall mean multiplier is 1)."""
    shares = np.bincount(category, minlength=4) / max(len(category), 1)
    fe, ad = 1 + params.wallet_premium_fully_engaged, 1 - params.wallet_discount_actively_disengaged
    rest = 1.0 - fe * shares[0] - 1.0 * shares[1] - ad * shares[3]
    ne = rest / shares[2] if shares[2] > 0 else 1.0
    return np.array([fe, 1.0, ne, ad])


def customer_tables(
    panel: Panel,
    location_codes: list[str],
    calendar: Calendar,
    params: ChainParameters,
    response_rate: float,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    """``customers``, ``customer-responses`` and ``customer-kpis`` from the panel."""
    n_customers = len(panel.home)
    customer_codes = codes("C", np.arange(1, n_customers + 1), width_for(n_customers, 6))
    rows = len(panel.customer)
    noise = rng.lognormal(-0.03125, 0.25, (2, rows)).astype(np.float32)  # mean 1
    seg = panel.segment[panel.customer]
    by_sat = np.asarray(params.revenue_by_satisfaction)[panel.values[:, 0] - 1]
    revenue = SEGMENT_REVENUE[seg] * panel.wallet[panel.customer] * by_sat * noise[0]
    multipliers = category_multipliers(panel.category, params)
    wallet_share = np.clip(SEGMENT_WALLET_SHARE[seg] * multipliers[panel.category] * noise[1], 0.01, 1)
    kpis = pd.DataFrame(
        {
            "customer_code": categorical(panel.customer, customer_codes),
            "period": categorical(panel.period, list(calendar.quarters)),
            "revenue": np.round(revenue, 2),
            "share_of_wallet": np.round(wallet_share, 3),
            "retained": panel.retained,
        }
    )
    customers = pd.DataFrame(
        {
            "customer_code": customer_codes,
            "home_unit_code": categorical(panel.home, location_codes),
            "segment": categorical(panel.segment, list(SEGMENTS)),
        }
    )
    answered = np.flatnonzero(rng.random(rows) < response_rate) if response_rate < 1 else None
    responses = _responses(panel, answered, customer_codes, location_codes, calendar, rng)
    return {"customers": customers, "customer-responses": responses, "customer-kpis": kpis}


def _responses(
    panel: Panel,
    answered: np.ndarray | None,
    customer_codes: pd.Series,
    location_codes: list[str],
    calendar: Calendar,
    rng: np.random.Generator,
) -> pd.DataFrame:
    def pick(values: np.ndarray) -> np.ndarray:
        return values if answered is None else values[answered]

    per, category = pick(panel.period), pick(panel.category)
    n = len(per)
    tone = np.array([2, 2, 1, 0])[category]
    group = np.ravel_multi_index((tone, texts.languages(rng, n)), (3, 2))
    comment = texts.sometimes(rng, texts.CUSTOMER_POOL.pick(rng, group), COMMENT_SHARE)
    return pd.DataFrame(
        {
            "response_id": codes("KR", np.arange(1, n + 1), width_for(n, 8)),
            "wave": categorical(per, [f"KT-{q}" for q in calendar.quarters]),
            "unit_code": categorical(pick(panel.location), location_codes),
            "customer_code": categorical(pick(panel.customer), customer_codes),
            "submitted_at": calendar.moments(rng, per),
            "channel": categorical(rng.choice(4, n, p=CHANNEL_SHARES), list(CHANNELS)),
            **answers(pick(panel.values), pick(panel.missing), CUSTOMER_KEYS),
            "comment": categorical(comment, list(texts.CUSTOMER_POOL.texts)),
        }
    )


def location_retention(panel: Panel, n_locations: int, periods: int) -> np.ndarray:
    """Share of each location's active customers retained, per quarter (L x periods)."""
    flat = panel.location.astype(np.int64) * periods + panel.period
    kept = np.bincount(flat, weights=panel.retained, minlength=n_locations * periods)
    total = np.bincount(flat, minlength=n_locations * periods)
    return (kept / np.maximum(total, 1)).reshape(n_locations, periods)
