"""The catalogue of measures: what each one means, its kind and how it is labelled.

Every measure is a per-respondent value (see :mod:`servicechain.metrics.respondent`)
summarised per unit and period by n, sum and sum of squares:

- ``score``: a mean on the instrument's scale (engagement index, CE index, dimensions);
- ``share``: a 0/1 value reported as a percentage (CSAT top box, segment shares);
- ``nps``: -1 / 0 / +1 per respondent, reported as a net score from -100 to 100;
- ``count``: number of respondents (n only);
- ``ratio``: one category per another (engagement ratio), derived from two shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["score", "share", "nps", "count", "ratio"]
Source = Literal["employee", "customer", "touchpoint"]


@dataclass(frozen=True)
class Measure:
    """One reported measure of one source (``employee``, ``customer`` or ``touchpoint``)."""

    key: str
    source: Source
    kind: Kind
    nl: str
    en: str
    scale_min: float | None = None
    scale_max: float | None = None
    higher_is_better: bool = True

    def label(self, language: str = "en") -> str:
        """The measure's name in ``nl`` or ``en``."""
        return self.nl if language == "nl" else self.en

    @property
    def is_employee(self) -> bool:
        """Employee measures pass the anonymity rules."""
        return self.source == "employee"


def score(key: str, source: Source, nl: str, en: str, low: float, high: float) -> Measure:
    """A mean on a ``low..high`` scale."""
    return Measure(key, source, "score", nl, en, low, high)


def share(key: str, source: Source, nl: str, en: str, *, higher_is_better: bool = True) -> Measure:
    """A percentage of respondents."""
    return Measure(key, source, "share", nl, en, 0.0, 100.0, higher_is_better)


def net_score(key: str, source: Source, nl: str, en: str) -> Measure:
    """A net promoter style score on -100..100."""
    return Measure(key, source, "nps", nl, en, -100.0, 100.0)


_RESPONDENTS = {
    "employee": ("employee_respondents", "Medewerkers die antwoordden", "Employees responding"),
    "customer": ("customer_respondents", "Klanten die antwoordden", "Customers responding"),
    "touchpoint": ("touchpoints", "Beoordeelde contactmomenten", "Rated touchpoints"),
}


def respondents(source: Source) -> Measure:
    """The number of respondents (touchpoint ratings) of ``source``."""
    key, nl, en = _RESPONDENTS[source]
    return Measure(key, source, "count", nl, en)
