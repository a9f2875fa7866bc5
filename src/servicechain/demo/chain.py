"""The planted service-profit chain: parameters and the latent location x quarter panel.

All unit-level latents are standardised (mean about 0, SD about 1 over location-quarters).
Each exogenous driver is a location random effect plus a slow random walk over quarters;
each endogenous latent is a weighted sum of its causes (standardised path coefficients)
plus its own location effect and drift, scaled so that its variance stays about 1::

    manager quality -> autonomy, competence, relatedness -> engagement (EE)
    manager quality, EE -> service climate;   hygiene (pay, conditions): exogenous
    EE(t), EE(t-1), service climate -> customer attachment (CA)
    CA, hygiene -> customer satisfaction
    EE(t) x CA(t, t-1) -> revenue growth (with an interaction), margin, profit
    EE, hygiene -> employee turnover and absenteeism

Hygiene moves satisfaction (of employees with pay and conditions, and of customers via
staffing) but has no path into engagement. See ``docs/demo-ground-truth.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

CATEGORIES = ("fully_engaged", "engaged", "not_engaged", "actively_disengaged")
"""Customer engagement categories (domain.md rules), in the order of the code 0..3."""


@dataclass(frozen=True)
class ChainParameters:
    """Every parameter of the planted model, with its default.

    Unit-level paths (standardised coefficients, location-quarter level)
        drift_sd (0.15): SD of the quarterly random-walk step of each location latent.
        team_sd (0.15): SD of a team's persistent offset on needs and engagement.
        autonomy_from_manager (0.70), competence_from_manager (0.50),
        relatedness_from_manager (0.60): manager quality -> basic needs.
        engagement_from_autonomy (0.45), engagement_from_competence (0.30),
        engagement_from_relatedness (0.40): basic needs -> engagement (R^2 about 0.75).
        engagement_from_hygiene (0.0): zero by design (Herzberg: pay and conditions
        satisfy but do not engage); set it above 0 only to break the model on purpose.
        climate_from_manager (0.45), climate_from_engagement (0.35): -> service climate.
        attachment_from_engagement (0.35), attachment_from_engagement_lag (0.15),
        attachment_from_climate (0.20): EE(t), EE(t-1), climate -> customer attachment.
        satisfaction_from_attachment (0.55), satisfaction_from_hygiene (0.30).

    Financial chain (per location-quarter)
        growth_mean (0.015): mean quarterly revenue growth.
        growth_from_engagement (0.325), growth_from_attachment (0.325),
        growth_interaction (0.04): growth = growth_mean * P / mean(P) + noise with
        P = exp(bE*EE + bC*CA' + bI*EE*CA'), CA' = (1-c)*CA(t) + c*CA(t-1). Calibrated so
        that both-high quarters grow about 3.4x as fast as both-low, one-high about 1.7x.
        attachment_carryover (0.35): c, the share of last quarter's attachment in CA'.
        growth_noise_sd (0.004): idiosyncratic quarterly growth noise.
        revenue_noise_sd (0.01): monthly multiplicative revenue noise.
        margin_mean (0.34), margin_from_attachment (0.01), margin_noise_sd (0.004).
        opex_share (0.28): monthly operating cost as a share of base revenue;
        opex_from_hygiene (0.03): better pay and conditions cost money.
        turnover_quarterly (0.05), turnover_from_engagement (0.35),
        turnover_from_hygiene (0.25): quarterly leave probability of staff,
        base * exp(-kE*EE - kH*hygiene).
        absenteeism_mean (0.045), absenteeism_from_engagement (0.20),
        absenteeism_from_hygiene (0.15).

    Customer value (per customer-quarter, from that quarter's survey state)
        retention_by_category ((0.97, 0.94, 0.88, 0.74)): chance to stay a customer,
        for fully engaged, engaged, not engaged, actively disengaged.
        wallet_premium_fully_engaged (0.23), wallet_discount_actively_disengaged (0.13):
        share of wallet of those categories relative to the average customer.
        revenue_by_satisfaction ((0.25, 0.30, 0.385, 0.85, 1.0)): revenue multiplier
        for overall satisfaction 1..5; completely satisfied (5) vs somewhat satisfied
        (3) = 2.6x.

    Measurement (answers on the 1..5 item scale)
        employee_between_sd (0.35): SD of location means of an employee dimension.
        employee_within_sd (0.70): SD of respondents around their location mean.
        halo_sd (0.25): respondent answer style shared by all agreement items.
        item_noise_sd (0.55): item-level noise before rounding to 1..5.
        customer_between_sd (0.35), customer_within_sd (1.05): the same for customers.
        customer_persistence (0.60): share of a customer's deviation that is stable.
        customer_item_noise_sd (0.45).
        missing_rate (0.03): share of "not applicable" answers on agreement items.
    """

    drift_sd: float = 0.15
    team_sd: float = 0.15
    autonomy_from_manager: float = 0.70
    competence_from_manager: float = 0.50
    relatedness_from_manager: float = 0.60
    engagement_from_autonomy: float = 0.45
    engagement_from_competence: float = 0.30
    engagement_from_relatedness: float = 0.40
    engagement_from_hygiene: float = 0.0
    climate_from_manager: float = 0.45
    climate_from_engagement: float = 0.35
    attachment_from_engagement: float = 0.35
    attachment_from_engagement_lag: float = 0.15
    attachment_from_climate: float = 0.20
    satisfaction_from_attachment: float = 0.55
    satisfaction_from_hygiene: float = 0.30
    growth_mean: float = 0.015
    growth_from_engagement: float = 0.325
    growth_from_attachment: float = 0.325
    growth_interaction: float = 0.04
    attachment_carryover: float = 0.35
    growth_noise_sd: float = 0.004
    revenue_noise_sd: float = 0.01
    margin_mean: float = 0.34
    margin_from_attachment: float = 0.01
    margin_noise_sd: float = 0.004
    opex_share: float = 0.28
    opex_from_hygiene: float = 0.03
    turnover_quarterly: float = 0.05
    turnover_from_engagement: float = 0.35
    turnover_from_hygiene: float = 0.25
    absenteeism_mean: float = 0.045
    absenteeism_from_engagement: float = 0.20
    absenteeism_from_hygiene: float = 0.15
    retention_by_category: tuple[float, float, float, float] = (0.97, 0.94, 0.88, 0.74)
    wallet_premium_fully_engaged: float = 0.23
    wallet_discount_actively_disengaged: float = 0.13
    revenue_by_satisfaction: tuple[float, ...] = (0.25, 0.30, 0.385, 0.85, 1.0)
    employee_between_sd: float = 0.35
    employee_within_sd: float = 0.70
    halo_sd: float = 0.25
    item_noise_sd: float = 0.55
    customer_between_sd: float = 0.35
    customer_within_sd: float = 1.05
    customer_persistence: float = 0.60
    customer_item_noise_sd: float = 0.45
    missing_rate: float = 0.03

    def as_dict(self) -> dict[str, float | list[float]]:
        """The parameters as a JSON-serialisable dict (tuples become lists)."""
        out: dict[str, float | list[float]] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            out[spec.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass
class Latents:
    """Location x quarter latents (arrays of shape (locations, periods)), z-scores."""

    manager_quality: np.ndarray
    autonomy: np.ndarray
    competence: np.ndarray
    relatedness: np.ndarray
    engagement: np.ndarray
    service_climate: np.ndarray
    hygiene: np.ndarray
    attachment: np.ndarray
    satisfaction: np.ndarray
    attachment_effective: np.ndarray
    """(1 - c) * CA(t) + c * CA(t-1): the attachment that reaches the financials."""
    performance: np.ndarray
    """P / mean(P): the financial effectiveness multiplier of the location-quarter."""
    revenue_growth: np.ndarray
    """Planted quarterly revenue growth (before noise)."""
    turnover_rate: np.ndarray
    absenteeism: np.ndarray


def _walks(rng: np.random.Generator, n: int, periods: int, drift_sd: float) -> np.ndarray:
    """A location random effect plus a random walk: shape (n, periods), variance about 1.

    The location effects are standardised within the organisation (mean 0, SD 1), so the
    company averages are the documented means whatever the seed.
    """
    base = rng.standard_normal((n, 1))
    if n > 1:
        base = (base - base.mean()) / base.std()
    steps = rng.normal(0.0, drift_sd, (n, periods))
    steps[:, 0] = 0.0
    walk = base + np.cumsum(steps, axis=1)
    return walk / math.sqrt(1.0 + drift_sd**2 * (periods - 1) / 2.0)


def _endogenous(explained: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Causes plus own variation, scaled so the total variance stays about 1."""
    explained_var = float(np.var(explained)) if explained.size > 1 else 0.0
    return explained + math.sqrt(max(1.0 - explained_var, 0.1)) * own


def simulate_latents(
    locations: int, periods: int, params: ChainParameters, rng: np.random.Generator
) -> Latents:
    """Simulate the chain for ``locations`` x ``periods`` quarters (plus one burn-in quarter).

    The burn-in quarter supplies EE(t-1) and CA(t-1) for the first reported quarter.
    """
    p = params
    span = periods + 1

    def walk() -> np.ndarray:
        return _walks(rng, locations, span, p.drift_sd)

    manager = walk()
    autonomy = _endogenous(p.autonomy_from_manager * manager, walk())
    competence = _endogenous(p.competence_from_manager * manager, walk())
    relatedness = _endogenous(p.relatedness_from_manager * manager, walk())
    hygiene = walk()
    needs = (
        p.engagement_from_autonomy * autonomy
        + p.engagement_from_competence * competence
        + p.engagement_from_relatedness * relatedness
        + p.engagement_from_hygiene * hygiene
    )
    engagement = _endogenous(needs, walk())
    climate = _endogenous(p.climate_from_manager * manager + p.climate_from_engagement * engagement, walk())
    engagement_lag = np.concatenate([engagement[:, :1], engagement[:, :-1]], axis=1)
    attachment = _endogenous(
        p.attachment_from_engagement * engagement
        + p.attachment_from_engagement_lag * engagement_lag
        + p.attachment_from_climate * climate,
        walk(),
    )
    satisfaction = _endogenous(
        p.satisfaction_from_attachment * attachment + p.satisfaction_from_hygiene * hygiene,
        walk(),
    )
    c = p.attachment_carryover
    effective = (1.0 - c) * attachment[:, 1:] + c * attachment[:, :-1]
    now = slice(1, None)
    ee = engagement[:, now]
    log_p = (
        p.growth_from_engagement * ee
        + p.growth_from_attachment * effective
        + p.growth_interaction * ee * effective
    )
    performance = np.exp(log_p)
    performance /= performance.mean()
    growth = p.growth_mean * performance
    hyg = hygiene[:, now]
    turnover = p.turnover_quarterly * np.exp(-p.turnover_from_engagement * ee - p.turnover_from_hygiene * hyg)
    absenteeism = p.absenteeism_mean * np.exp(
        -p.absenteeism_from_engagement * ee - p.absenteeism_from_hygiene * hyg
    )
    return Latents(
        manager_quality=manager[:, now],
        autonomy=autonomy[:, now],
        competence=competence[:, now],
        relatedness=relatedness[:, now],
        engagement=ee,
        service_climate=climate[:, now],
        hygiene=hyg,
        attachment=attachment[:, now],
        satisfaction=satisfaction[:, now],
        attachment_effective=effective,
        performance=performance,
        revenue_growth=growth,
        turnover_rate=np.clip(turnover, 0.0, 0.5),
        absenteeism=np.clip(absenteeism, 0.005, 0.25),
    )


def quadrants(engagement: np.ndarray, attachment: np.ndarray) -> np.ndarray:
    """Human Sigma quadrant labels at the medians: both_high, employee_only, ..."""
    ee_high = engagement >= np.median(engagement)
    ca_high = attachment >= np.median(attachment)
    labels = np.array(["both_low", "customer_only", "employee_only", "both_high"])
    return labels[ee_high.astype(int) * 2 + ca_high.astype(int)]


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[float])
    return 0.5 * (1.0 + erf(np.asarray(x, dtype=float) / math.sqrt(2.0)))


def expected_answer(mean: np.ndarray, sd: float, low: int = 1, high: int = 5) -> np.ndarray:
    """E[clip(round(X), low, high)] for X ~ N(mean, sd^2): the expected item mean.

    This is how the generator turns a latent into answers, so it is the exact value a
    location's item mean converges to.
    """
    mean = np.asarray(mean, dtype=float)
    total = np.full(mean.shape, float(low))
    for k in range(low, high):
        total += _normal_cdf((mean - (k + 0.5)) / sd)
    return total
