"""Incentive rules: read and check a YAML rules file (the shipped one is ``act/incentive_rules.yaml``).

A file is a list of rules of two kinds::

    - key: promotion_ce
      kind: threshold                 # eligible when the unit's shrunk value is at or above
      name: {nl: ..., en: ...}
      measure: ce_index               # a scorecard measure where higher is better
      level: location                 # which units the rule judges (their managers)
      threshold: company              # the company's value (the root unit), or a number
      min_n: 30                       # fewer answers: not assessed
      below_min_n: benefit_of_doubt   # ... and then counts as met; or ``hold`` (HR decides)

    - key: bonus_service
      kind: bonus_share               # a share of the manager's bonus potential
      weight: 0.3333                  # the share this rule governs (1/3)
      measure: touchpoint_satisfaction
      target: 4.3                     # full attainment at or above
      floor: 3.5                      # no attainment at or below; linear in between

Optional on both: ``description`` ({nl, en}) and ``confidence`` (of the interval, default 0.95).
:func:`load_rules` names the file, the rule and the field of every mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servicechain.rulefiles import RuleError, load_rule_file, validated, where_of

KINDS = ("threshold", "bonus_share")
POLICIES = ("benefit_of_doubt", "hold")
"""What a unit with too few answers gets: counted as met (benefit of the doubt), or held for HR."""
COMPANY = "company"


@dataclass(frozen=True)
class IncentiveRule:
    """One checked rule. ``threshold`` is None for "the company's value" (threshold kind only);
    ``weight``, ``target`` and ``floor`` are set for the bonus_share kind only."""

    key: str
    kind: str
    names: dict[str, str]
    descriptions: dict[str, str]
    measure: str
    level: str
    min_n: int
    below_min_n: str
    confidence: float
    threshold: float | None = None
    weight: float | None = None
    target: float | None = None
    floor: float | None = None

    def name(self, language: str) -> str:
        """The rule's name in ``language`` (Dutch when unknown)."""
        return self.names.get(language) or self.names["nl"]

    def description(self, language: str) -> str:
        """The rule's description in ``language`` (empty when it has none)."""
        return self.descriptions.get(language) or self.descriptions.get("nl", "")


class _Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str = Field(min_length=1, max_length=400)
    en: str = Field(min_length=1, max_length=400)


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    kind: Literal["threshold", "bonus_share"]
    name: _Texts
    description: _Texts | None = None
    measure: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    level: str = Field(default="location", min_length=1, max_length=32)
    min_n: int = Field(default=30, ge=2, le=100_000)
    below_min_n: Literal["benefit_of_doubt", "hold"] = "benefit_of_doubt"
    confidence: float = Field(default=0.95, ge=0.5, le=0.999)


class _Threshold(_Common):
    threshold: Literal["company"] | float = "company"


class _Bonus(_Common):
    weight: float = Field(gt=0, le=1)
    target: float
    floor: float


def shipped_rules_path() -> Path:
    """The rules that come with servicechain."""
    return Path(str(resources.files("servicechain.act") / "incentive_rules.yaml"))


def load_rules(path: Path | None = None) -> list[IncentiveRule]:
    """The checked rules of ``path`` (None: the shipped rules); RuleError names what is wrong."""
    shape = "- key: ..., kind: ..., name: ..., measure: ..."
    return load_rule_file(path or shipped_rules_path(), "incentive rules", shape, _check)


def _check(path: Path, number: int, entry: Any) -> IncentiveRule:
    where = where_of(path, number, entry, "key, kind, name and measure")
    hidden = ("literal", "float")
    rule: _Bonus | _Threshold
    if entry.get("kind") == "bonus_share":
        rule = validated(_Bonus, entry, where, hidden)
    else:
        rule = validated(_Threshold, entry, where, hidden)
    common: dict[str, Any] = {
        "key": rule.key,
        "kind": rule.kind,
        "names": rule.name.model_dump(),
        "descriptions": rule.description.model_dump() if rule.description else {},
        "measure": rule.measure,
        "level": rule.level,
        "min_n": rule.min_n,
        "below_min_n": rule.below_min_n,
        "confidence": rule.confidence,
    }
    if isinstance(rule, _Bonus):
        if rule.target <= rule.floor:
            raise RuleError(f"{where}: target: must be above the floor ({rule.floor:g})")
        return IncentiveRule(**common, weight=rule.weight, target=rule.target, floor=rule.floor)
    threshold = None if rule.threshold == COMPANY else float(rule.threshold)
    return IncentiveRule(**common, threshold=threshold)


def rule_of(rules: list[IncentiveRule], key: str) -> IncentiveRule | None:
    """The rule with ``key``, or None."""
    return next((rule for rule in rules if rule.key == key), None)
