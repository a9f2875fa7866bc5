"""Build every demo table from the planted chain: :func:`generate_demo`.

Usage::

    from servicechain.demo import DemoConfig, generate_demo
    data = generate_demo(DemoConfig(units=24, periods=8))
    data["customer-responses"].head()
    data.truth_units.query("period == '2026-Q3'")
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from servicechain.demo import customers, employer, feedback, organisation, workforce
from servicechain.demo.chain import ChainParameters, Latents, simulate_latents
from servicechain.demo.frames import TEXT, Calendar
from servicechain.demo.truth import build_truth

KINDS = (
    "units", "employees", "customers", "employee-responses", "customer-responses",
    "touchpoints", "reviews", "kpis", "customer-kpis", "employer-reviews",
)  # fmt: skip
"""Import kinds in dependency order (a kind only references kinds before it)."""


@dataclass(frozen=True)
class DemoConfig:
    """Size and randomness of the demo organisation.

    ``DemoConfig(units=500, periods=8, customers_per_unit=2500)`` gives 10 million
    customer responses (every active customer answers once a quarter by default).
    """

    units: int = 24
    """Number of locations (stores)."""
    periods: int = 8
    """Number of quarters, ending with the last complete quarter before ``as_of``."""
    customers_per_unit: int = 60
    """Active customers per location in every quarter (churners are replaced)."""
    seed: int = 7
    customer_response_rate: float = 1.0
    """Share of active customers answering the relationship survey each quarter."""
    employee_response_rate: float = 0.8
    employees_per_location: tuple[int, int] = (10, 40)
    """Inclusive range of staff per location (manager and team leaders included)."""
    touchpoints_per_customer: float = 0.25
    """Answered touchpoint micro-surveys per active customer per quarter."""
    reviews_per_location: float = 6.0
    """Online reviews per location per quarter (Poisson mean)."""
    employer_reviews_per_location: float = 2.0
    """Employer reviews (Glassdoor, Indeed) per location per quarter (Poisson mean)."""
    as_of: date = date(2026, 10, 1)
    parameters: ChainParameters = field(default_factory=ChainParameters)

    def __post_init__(self) -> None:
        low, high = self.employees_per_location
        checks = {
            "units must be at least 2": self.units >= 2,
            "periods must be at least 2": self.periods >= 2,
            "customers_per_unit must be at least 1": self.customers_per_unit >= 1,
            "response rates must be in (0, 1]": 0 < self.customer_response_rate <= 1
            and 0 < self.employee_response_rate <= 1,
            "employees_per_location must be a range within 6..500": 6 <= low <= high <= 500,
            "touchpoint and review rates must not be negative": self.touchpoints_per_customer >= 0
            and self.reviews_per_location >= 0
            and self.employer_reviews_per_location >= 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(message)


@dataclass
class DemoData:
    """The generated import tables (by kind), and the truth that analyses should recover.

    ``tables`` holds one DataFrame per import kind with exactly the contract columns, in
    contract order. Unique text columns (codes, ids, texts) use pandas' Arrow-backed
    string dtype; repeated ones (wave, unit_code in responses, channel, comment) are
    categoricals; answers are nullable ``Int8``/``Int16``; moments are ``datetime64[s]``
    (local time); dates in ``employees`` are ISO text.
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, Any]
    """JSON-serialisable: parameters, config, calendar, realised figures, per-unit truth."""
    truth_units: pd.DataFrame
    """One row per location and quarter with every planted latent (see the docs)."""
    staff: pd.DataFrame
    """Employee names and service skill (not an import kind: reviews name staff)."""

    def __getitem__(self, kind: str) -> pd.DataFrame:
        return self.tables[kind]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The import kinds, in dependency order."""
        return KINDS


def generate_demo(config: DemoConfig | None = None) -> DemoData:
    """Generate a whole demo organisation with a planted service-profit chain.

    Deterministic: the same config (seed included) gives identical tables.
    """
    config = config or DemoConfig()
    params = config.parameters
    rng = np.random.default_rng(config.seed)
    calendar = Calendar.ending_before(config.as_of, config.periods)
    lat = simulate_latents(config.units, config.periods, params, rng)
    org = organisation.build_organisation(config.units, config.employees_per_location, params.team_sd, rng)
    staff = organisation.initial_staff(org, calendar.starts[0], rng)
    staff = organisation.simulate_turnover(staff, lat, calendar, rng)
    staff = organisation.finish_staff(org, staff, rng)
    location_codes = org.locations["unit_code"].tolist()
    panel = customers.simulate_panel(
        config.units, config.customers_per_unit, lat, config.periods, params, rng
    )
    roster = feedback.Roster(staff, config.units, calendar)
    tables = {
        "units": org.units.astype(TEXT),
        "employees": workforce.employees_table(staff),
        "employee-responses": workforce.employee_responses(
            staff,
            org.teams["offset"].to_numpy(),
            lat,
            calendar,
            params,
            config.employee_response_rate,
            rng,
        ),
        **customers.customer_tables(
            panel, location_codes, calendar, params, config.customer_response_rate, rng
        ),
        "touchpoints": feedback.touchpoints(
            staff,
            roster,
            lat,
            calendar,
            config.touchpoints_per_customer * config.customers_per_unit,
            location_codes,
            rng,
        ),
    }
    tables["reviews"], praise, review_aspects = feedback.reviews(
        staff, roster, lat, calendar, config.reviews_per_location, location_codes, rng
    )
    retention = customers.location_retention(panel, config.units, config.periods)
    turnover = workforce.monthly_turnover(staff, config.units, calendar)
    kpis, financials = unit_kpis(org.locations, lat, retention, turnover, calendar, params, rng)
    tables["kpis"] = kpis
    truth_units, truth = build_truth(
        org,
        lat,
        financials,
        retention,
        panel,
        tables,
        calendar,
        params,
        {**asdict(config), "as_of": config.as_of.isoformat(), "parameters": None},
    )
    truth["praise"] = praise
    truth["review_aspects"] = review_aspects
    # Last, from a generator of its own: the tables above stay as they were before it was added.
    tables["employer-reviews"], truth["employer_reviews"] = employer.employer_reviews(
        lat,
        calendar,
        config.employer_reviews_per_location,
        location_codes,
        np.random.default_rng([config.seed, 8]),
    )
    people = staff[["employee_code", "first_name", "last_name", "skill"]].copy()
    return DemoData({kind: tables[kind] for kind in KINDS}, truth, truth_units, people)


def unit_kpis(
    locations: pd.DataFrame,
    lat: Latents,
    retention: np.ndarray,
    turnover: np.ndarray,
    calendar: Calendar,
    params: ChainParameters,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Monthly location KPIs in long form, and the quarterly financial truth.

    Revenue is flat within a quarter (plus monthly noise), so quarter-on-quarter growth of
    summed monthly revenue equals the realised growth of that quarter.
    """
    p = params
    n, periods = lat.engagement.shape
    base = 19_000.0 * locations["size"].to_numpy() * rng.lognormal(0.0, 0.12, n)
    realised = lat.revenue_growth + rng.normal(0.0, p.growth_noise_sd, (n, periods))
    level = base[:, None] * np.cumprod(1.0 + realised, axis=1)
    month_q = np.repeat(np.arange(periods), 3)
    months = len(calendar.months)
    revenue = level[:, month_q] * np.exp(rng.normal(0.0, p.revenue_noise_sd, (n, months)))
    margin = p.margin_mean + p.margin_from_attachment * lat.attachment_effective[:, month_q]
    margin = margin + rng.normal(0.0, p.margin_noise_sd, (n, months))
    opex = p.opex_share * base[:, None] * (1.0 + p.opex_from_hygiene * lat.hygiene[:, month_q])
    profit = revenue * margin - opex
    monthly_retention = retention[:, month_q] ** (1 / 3) + rng.normal(0.0, 0.002, (n, months))
    absenteeism = lat.absenteeism[:, month_q] * rng.lognormal(0.0, 0.1, (n, months))
    metrics = {
        "revenue": np.round(revenue, 2),
        "gross_margin": np.round(margin, 4),
        "profit": np.round(profit, 2),
        "customer_retention": np.round(np.clip(monthly_retention, 0, 1), 4),
        "employee_turnover": np.round(turnover, 4),
        "absenteeism": np.round(np.clip(absenteeism, 0, 1), 4),
    }
    names = list(metrics)
    stacked = np.stack([metrics[m] for m in names], axis=-1)  # (n, months, metrics)
    loc_i, month_i, metric_i = np.indices(stacked.shape).reshape(3, -1)
    kpis = pd.DataFrame(
        {
            "unit_code": pd.Series(locations["unit_code"].to_numpy()[loc_i], dtype=TEXT),
            "period": pd.Series(np.asarray(calendar.months)[month_i], dtype=TEXT),
            "metric": pd.Series(np.asarray(names)[metric_i], dtype=TEXT),
            "value": stacked.reshape(-1),
        }
    )
    quarterly_profit = profit.reshape(n, periods, 3).sum(axis=2)
    return kpis, {"base_revenue": base, "realised_growth": realised, "profit": quarterly_profit}
