"""Human Sigma: one number for the health of the employee-customer encounter of a unit.

Our documented version (``shared/design/domain.md``, after P. Sherman's description of
Gallup's method in Fleming, Coffman & Harter, "Manage Your Human Sigma", HBR 2005):

- pEE, pCE: percentile ranks (0..100) of a unit's shrunk employee-engagement index and
  shrunk CE index among the units of the same level and period;
- composite HS = sqrt(pEE * pCE) * (min(pEE, pCE) / max(pEE, pCE)) ** 0.125, a geometric
  mean with a penalty for imbalance (a unit strong on one side only scores lower than
  one equally strong on both);
- six levels on HS with cut-offs 20, 35, 50, 65 and 80 (configurable);
- quadrants at the median of each axis: both high, employee only, customer only, both low.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

DEFAULT_CUTOFFS = (20.0, 35.0, 50.0, 65.0, 80.0)
BALANCE_EXPONENT = 0.125
QUADRANTS = ("both_high", "employee_only", "customer_only", "both_low")


def composite(p_ee: npt.ArrayLike, p_ce: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Human Sigma composite on 0..100 from the two percentiles; NaN where either is missing.

    Equal percentiles give that percentile; (90, 10) gives sqrt(900) * (1/9) ** 0.125 = 22.8,
    well below the geometric mean 30 and the arithmetic mean 50.
    """
    ee, ce = np.asarray(p_ee, dtype=np.float64), np.asarray(p_ce, dtype=np.float64)
    low, high = np.fmin(ee, ce), np.fmax(ee, ce)
    with np.errstate(divide="ignore", invalid="ignore"):
        balance = np.where(high > 0, low / high, 1.0)
    value = np.sqrt(ee * ce) * balance**BALANCE_EXPONENT
    return np.where(np.isnan(ee) | np.isnan(ce), np.nan, value)


def level(hs: npt.ArrayLike, cutoffs: Sequence[float] = DEFAULT_CUTOFFS) -> npt.NDArray[np.float64]:
    """Level 1..6: 1 below the first cut-off, 6 at or above the last; NaN stays NaN."""
    values = np.asarray(hs, dtype=np.float64)
    bands = np.searchsorted(np.asarray(cutoffs, dtype=np.float64), values, side="right") + 1.0
    return np.where(np.isnan(values), np.nan, bands)


def quadrant(p_ee: npt.ArrayLike, p_ce: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Quadrant of each unit at the median of each axis (at or above the median is high)."""
    ee, ce = np.asarray(p_ee, dtype=np.float64), np.asarray(p_ce, dtype=np.float64)
    known = ~(np.isnan(ee) | np.isnan(ce))
    result = np.full(ee.shape, None, dtype=object)
    if not known.any():
        return result
    high_ee = ee >= np.median(ee[known])
    high_ce = ce >= np.median(ce[known])
    names = np.array(QUADRANTS, dtype=object)
    code = np.where(high_ee, np.where(high_ce, 0, 1), np.where(high_ce, 2, 3))
    result[known] = names[code[known]]
    return result
