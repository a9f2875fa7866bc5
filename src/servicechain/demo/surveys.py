"""Respondent answers from location latents: the measurement half of the demo model.

A respondent's latent on a dimension, on the 1..5 item scale, is
``mean_dim + between_sd * Z_location + within_sd * D_respondent (+ halo)``; each item adds
its offset and item noise and is rounded and clipped to the scale. So a location's item
mean converges to :func:`servicechain.demo.chain.expected_answer` of its latent.
"""

from __future__ import annotations

import math

import numpy as np

from servicechain.demo.chain import ChainParameters, Latents, expected_answer

EMPLOYEE_ITEMS: tuple[tuple[str, str, float], ...] = (
    ("eng_enthusiasm", "engagement", 0.05), ("eng_pride", "engagement", 0.15),
    ("eng_extra_mile", "engagement", -0.10), ("eng_commitment", "engagement", -0.10),
    ("autonomy_1", "autonomy", 0.0), ("autonomy_2", "autonomy", 0.1),
    ("autonomy_3", "autonomy", -0.1), ("competence_1", "competence", 0.1),
    ("competence_2", "competence", 0.0), ("competence_3", "competence", -0.1),
    ("relatedness_1", "relatedness", 0.1), ("relatedness_2", "relatedness", 0.0),
    ("relatedness_3", "relatedness", -0.1), ("climate_resources", "climate", -0.15),
    ("climate_development", "climate", -0.05), ("climate_quality", "climate", 0.15),
    ("climate_backing", "climate", 0.05), ("trust_solve", "trust", 0.1),
    ("trust_initiative", "trust", -0.1), ("values_fit", "values", 0.0),
    ("hygiene_pay", "hygiene", -0.2), ("hygiene_conditions", "hygiene", 0.2),
    ("wellbeing", "wellbeing", 0.0), ("enps", "advocacy", -0.1),
    ("intent_stay", "advocacy", 0.1),
)  # fmt: skip
"""(item key, dimension, offset on the 1..5 scale), in the order of domain.md."""

EMPLOYEE_KEYS = tuple(key for key, _, _ in EMPLOYEE_ITEMS)
EMPLOYEE_MEANS = {
    "engagement": 3.5, "autonomy": 3.5, "competence": 3.8, "relatedness": 3.9,
    "climate": 3.4, "trust": 3.3, "values": 3.7, "hygiene": 3.0, "wellbeing": 3.4,
    "advocacy": 3.6,
}  # fmt: skip
"""Mean of a dimension's respondent latent (1..5) at an average location."""

CUSTOMER_KEYS = (
    "satisfaction", "continue", "recommend", "confidence_promises", "confidence_competent",
    "integrity_fair", "integrity_fix", "pride_proud", "pride_respect",
    "passion_irreplaceable", "passion_fit",
)  # fmt: skip
ATTACHMENT_OFFSETS = np.array([0.25, 0.25, 0.10, 0.10, -0.05, -0.05, -0.30, -0.30])
"""Offsets of the 8 attachment items: confidence is easiest to earn, passion hardest."""
ATTACHMENT_MEAN = 3.85
SATISFACTION_MEAN = 4.1
SATISFACTION_ATTACHMENT_CORRELATION = 0.8
"""Correlation of a customer's satisfaction and attachment deviations."""
SATISFACTION_NOISE_SD = 0.35


def _likert(latent: np.ndarray, low: int = 1, high: int = 5) -> np.ndarray:
    return np.clip(np.rint(latent), low, high).astype(np.int8)


def _normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


def employee_location_z(lat: Latents, loc: np.ndarray, per: np.ndarray) -> dict[str, np.ndarray]:
    """Location-level z of each employee dimension for respondents at (loc, per)."""

    def at(values: np.ndarray) -> np.ndarray:
        return values[loc, per]

    ee, hyg = at(lat.engagement), at(lat.hygiene)
    return {
        "engagement": ee,
        "autonomy": at(lat.autonomy),
        "competence": at(lat.competence),
        "relatedness": at(lat.relatedness),
        "climate": at(lat.service_climate),
        "trust": 0.6 * at(lat.manager_quality) + 0.4 * at(lat.autonomy),
        "values": 0.7 * ee + 0.3 * at(lat.service_climate),
        "hygiene": hyg,
        "wellbeing": 0.5 * hyg + 0.3 * ee,
        "advocacy": 0.55 * ee + 0.45 * hyg,
    }


def _respondent_deviations(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Standardised individual deviations; needs drive engagement within locations too."""
    factor = _normal(rng, n)
    a, c, r = (0.6 * factor + 0.8 * _normal(rng, n) for _ in range(3))
    weights = np.array([0.45, 0.30, 0.40])
    composite_sd = math.sqrt(weights @ (np.full((3, 3), 0.36) + 0.64 * np.eye(3)) @ weights)
    needs = (weights[0] * a + weights[1] * c + weights[2] * r) / composite_sd
    ee = 0.7 * needs + math.sqrt(0.51) * _normal(rng, n)
    hyg = _normal(rng, n)
    return {
        "engagement": ee,
        "autonomy": a,
        "competence": c,
        "relatedness": r,
        "climate": 0.35 * ee + math.sqrt(1 - 0.35**2) * _normal(rng, n),
        "trust": 0.5 * a + math.sqrt(0.75) * _normal(rng, n),
        "values": 0.5 * ee + math.sqrt(0.75) * _normal(rng, n),
        "hygiene": hyg,
        "wellbeing": 0.35 * hyg + 0.35 * ee + math.sqrt(1 - 0.245) * _normal(rng, n),
        "advocacy": 0.5 * ee + 0.4 * hyg + math.sqrt(1 - 0.41) * _normal(rng, n),
    }


def employee_answers(
    rng: np.random.Generator, z: dict[str, np.ndarray], params: ChainParameters
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Answers (n x 25, int8), the "not applicable" mask, and respondent latents (1..5)."""
    n = len(z["engagement"])
    deviations = _respondent_deviations(rng, n)
    halo = params.halo_sd * _normal(rng, n)
    latent = {
        dim: EMPLOYEE_MEANS[dim]
        + params.employee_between_sd * z[dim]
        + params.employee_within_sd * deviations[dim]
        + halo
        for dim in EMPLOYEE_MEANS
    }
    answers = np.empty((n, len(EMPLOYEE_ITEMS)), dtype=np.int8)
    for j, (key, dim, offset) in enumerate(EMPLOYEE_ITEMS):
        noisy = latent[dim] + offset + params.item_noise_sd * _normal(rng, n)
        if key == "enps":
            answers[:, j] = _likert(2.5 * (noisy - 1.0), 0, 10)
        else:
            answers[:, j] = _likert(noisy)
    missing = rng.random((n, len(EMPLOYEE_ITEMS)), dtype=np.float32) < params.missing_rate
    missing[:, EMPLOYEE_KEYS.index("enps")] = False  # eNPS has no "not applicable"
    return answers, missing, latent


def customer_answers(
    rng: np.random.Generator,
    attachment_z: np.ndarray,
    satisfaction_z: np.ndarray,
    stable: np.ndarray,
    params: ChainParameters,
) -> tuple[np.ndarray, np.ndarray]:
    """Answers (n x 11, int8) and the "not applicable" mask for one quarter.

    ``stable`` (n x 2) holds each customer's persistent attachment and satisfaction
    deviations; the quarter adds fresh ones with weight ``1 - customer_persistence``.
    """
    n = len(attachment_z)
    keep = math.sqrt(params.customer_persistence)
    fresh = math.sqrt(1.0 - params.customer_persistence)
    rho = SATISFACTION_ATTACHMENT_CORRELATION
    d_att = keep * stable[:, 0] + fresh * _normal(rng, n)
    d_own = keep * stable[:, 1] + fresh * _normal(rng, n)
    d_sat = rho * d_att + math.sqrt(1 - rho**2) * d_own
    w, b = params.customer_within_sd, params.customer_between_sd
    att = ATTACHMENT_MEAN + b * attachment_z + w * d_att
    sat = SATISFACTION_MEAN + b * satisfaction_z + w * d_sat
    loyal = 0.5 * (att + sat)
    answers = np.empty((n, len(CUSTOMER_KEYS)), dtype=np.int8)
    answers[:, 0] = _likert(sat + SATISFACTION_NOISE_SD * _normal(rng, n))
    answers[:, 1] = _likert(loyal + 0.15 + params.customer_item_noise_sd * _normal(rng, n))
    answers[:, 2] = _likert(2.5 * (loyal - 1.0) + 0.2 + _normal(rng, n), 0, 10)
    noise = _normal(rng, n, 8)
    noise *= params.customer_item_noise_sd
    noise += att[:, None]
    noise += ATTACHMENT_OFFSETS.astype(np.float32)
    answers[:, 3:] = _likert(noise)
    missing = np.zeros((n, len(CUSTOMER_KEYS)), dtype=bool)
    missing[:, 3:] = rng.random((n, 8), dtype=np.float32) < params.missing_rate
    return answers, missing


def customer_category(answers: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Category codes 0..3 (chain.CATEGORIES) by the domain.md rules, vectorised."""
    items = answers[:, 3:].astype(np.float32)
    answered = ~missing[:, 3:]
    count = answered.sum(axis=1)
    attachment = np.where(answered, items, 0).sum(axis=1) / np.maximum(count, 1)
    attachment = np.where(count >= 4, attachment, np.nan)
    sat, cont, rec = answers[:, 0], answers[:, 1], answers[:, 2]
    loyal = (sat == 5) & (cont == 5) & (rec >= 9)
    fully = loyal & (attachment >= 4.5)
    engaged = ~fully & (attachment >= 4.0)
    disengaged = ~fully & ~engaged & ((attachment <= 2.5) | (sat <= 2))
    category = np.full(len(answers), 2, dtype=np.int8)
    category[fully], category[engaged], category[disengaged] = 0, 1, 3
    return category


def expected_means(lat: Latents, params: ChainParameters) -> dict[str, np.ndarray]:
    """Expected location-quarter item means (1..5) of the main dimensions: the truth."""
    p = params
    emp_sd = math.sqrt(p.employee_within_sd**2 + p.halo_sd**2 + p.item_noise_sd**2)

    def employee(dim: str, z: np.ndarray) -> np.ndarray:
        offsets = [offset for _, d, offset in EMPLOYEE_ITEMS if d == dim]
        mean = EMPLOYEE_MEANS[dim] + p.employee_between_sd * z
        return np.mean([expected_answer(mean + o, emp_sd) for o in offsets], axis=0)

    cust_sd = math.sqrt(p.customer_within_sd**2 + p.customer_item_noise_sd**2)
    att_mean = ATTACHMENT_MEAN + p.customer_between_sd * lat.attachment
    sat_mean = SATISFACTION_MEAN + p.customer_between_sd * lat.satisfaction
    sat_sd = math.sqrt(p.customer_within_sd**2 + SATISFACTION_NOISE_SD**2)
    return {
        "true_ee": employee("engagement", lat.engagement),
        "true_climate": employee("climate", lat.service_climate),
        "true_hygiene": employee("hygiene", lat.hygiene),
        "true_attachment": np.mean(
            [expected_answer(att_mean + o, cust_sd) for o in ATTACHMENT_OFFSETS], axis=0
        ),
        "true_satisfaction": expected_answer(sat_mean, sat_sd),
    }
