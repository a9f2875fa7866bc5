"""How much units differ, which differ beyond chance, and what moved since last period.

For one measure at one level and period, from the scorecard's results:

- the distribution of unit means with its normal fit (``scipy.stats.norm.fit``);
- between-unit (tau², DerSimonian-Laird) against within-unit (sigma²) variance;
- the units flagged above / below the company on the funnel plot (alert 95%, alarm
  99.8%) and their share;
- per unit, the change since the previous period with a two-sided z-test on the
  difference of two independent means (se = sqrt(se_t² + se_(t-1)²));
- one sentence an executive can read, in Dutch or English.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from servicechain.analysis.scorecard import UnitResults

_LEVEL_WORDS = {
    "location": ("locations", "locaties"), "region": ("regions", "regio's"), "team": ("teams", "teams"),
}  # fmt: skip


@dataclass(frozen=True)
class Variability:
    """The spread of one measure over the units of one level in one period."""

    measure: str
    level: str
    period: str
    units: int
    mean: float
    sd: float
    between_variance: float
    within_variance: float
    above: int
    below: int
    alarms: int
    flagged: pd.DataFrame
    changes: pd.DataFrame

    @property
    def share_below(self) -> float:
        """Share of shown units significantly below the company (funnel, 95%)."""
        return self.below / self.units if self.units else float("nan")

    def sentence(self, language: str = "en") -> str:
        """One line: how many units are significantly below, and that the average hides them."""
        en, nl = _LEVEL_WORDS.get(self.level, (f"{self.level} units", f"eenheden ({self.level})"))
        if language == "nl":
            if not self.below:
                return f"Geen van de {self.units} {nl} scoort significant onder het bedrijf."
            verb, them = ("scoort", "verbergt die") if self.below == 1 else ("scoren", "verbergt ze")
            return (f"{self.below} van de {self.units} {nl} {verb} significant onder het bedrijf; "
                    f"het bedrijfsgemiddelde {them}.")  # fmt: skip
        if not self.below:
            return f"None of the {self.units} {en} is significantly below the company."
        verb, them = ("is", "it") if self.below == 1 else ("are", "them")
        return (f"{self.below} of {self.units} {en} {verb} significantly below the company; "
                f"the company average hides {them}.")  # fmt: skip


def variability(results: UnitResults, measure: str, level: str, period: str) -> Variability:
    """The :class:`Variability` of ``measure`` over the shown units of ``level`` in ``period``."""
    table = results.table
    rows = table[(table["measure"] == measure) & (table["level"] == level) & ~table["suppressed"]]
    now = rows[(rows["period"] == period) & rows["mean"].notna()]
    mean, sd = stats.norm.fit(now["mean"]) if len(now) > 1 else (float("nan"), float("nan"))
    flagged = now[now["flag"].isin(["above", "below"])][
        ["unit_code", "unit_name", "n", "mean", "shrunk", "flag", "alarm"]
    ].sort_values("shrunk")
    first = now.iloc[0] if len(now) else None
    return Variability(
        measure=measure, level=level, period=period, units=len(now), mean=float(mean), sd=float(sd),
        between_variance=float(first["tau2"]) if first is not None else float("nan"),
        within_variance=float(first["sigma2"]) if first is not None else float("nan"),
        above=int((now["flag"] == "above").sum()), below=int((now["flag"] == "below").sum()),
        alarms=int(now["alarm"].sum()), flagged=flagged.reset_index(drop=True),
        changes=changes_since_previous(rows, period),
    )  # fmt: skip


def changes_since_previous(rows: pd.DataFrame, period: str, level: float = 0.95) -> pd.DataFrame:
    """Per unit: mean now and in the previous period, difference, its p-value and a verdict."""
    periods = sorted(set(rows["period"]))
    if period not in periods or periods.index(period) == 0:
        return pd.DataFrame(columns=["unit_code", "mean", "previous", "change", "p_value", "verdict"])
    before = periods[periods.index(period) - 1]
    now = rows[rows["period"] == period].set_index("unit_code")
    then = rows[rows["period"] == before].set_index("unit_code")
    both = now.join(then[["mean", "se"]].add_suffix("_previous"), how="inner")
    change = both["mean"] - both["mean_previous"]
    se = np.sqrt(both["se"] ** 2 + both["se_previous"] ** 2)
    p_value = 2 * stats.norm.sf(np.abs(change / se))
    verdict = np.where(p_value < 1 - level, np.where(change > 0, "improved", "declined"), "unchanged")
    return pd.DataFrame({
        "unit_code": both.index, "mean": both["mean"].to_numpy(),
        "previous": both["mean_previous"].to_numpy(), "change": change.to_numpy(), "p_value": p_value,
        "verdict": pd.Series(verdict, dtype=object).where(~np.isnan(p_value), None).to_numpy(),
    }).reset_index(drop=True)  # fmt: skip
