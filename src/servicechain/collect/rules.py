"""Closed-loop alert rules: read and check a YAML rules file once, then test every response fast.

A rule file is a list of rules (the shipped one is ``collect/alert_rules.yaml``)::

    - key: unhappy_touchpoint
      name: {nl: Ontevreden na een contactmoment, en: Unhappy after an interaction}
      source: touchpoint                      # or customer, or [touchpoint, customer]
      when: {item: satisfaction, at_most: 2}  # every condition of `when` must hold

Conditions: ``item`` with ``at_most`` and/or ``at_least`` (an answer of the source's
instrument; "not applicable" never meets it), ``detractor: true`` (recommend at or below the
customer instrument's ``scoring.detractor_at_most``) and ``comment_mentions`` (words per
language, case-insensitive, whole words; a word ending in ``*`` matches the start of a word).

:func:`load_rules` compiles everything (one regular expression per rule, the scale maxima
looked up), so :func:`evaluate` costs a few dictionary look-ups per response.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servicechain.collect.model import Submission
from servicechain.instruments import load_default_instruments
from servicechain.rulefiles import RuleError, load_rule_file, validated, where_of

SOURCES = ("touchpoint", "customer")
Check = Callable[[Submission], str | None]
"""One condition: the text it adds to the alert's summary when the response meets it, else None."""


@dataclass(frozen=True)
class AlertRule:
    """One compiled rule: which responses it looks at, and its conditions."""

    key: str
    names: dict[str, str]
    """The rule's name per language (``nl``, ``en``)."""
    sources: frozenset[str]
    checks: tuple[Check, ...]

    def name(self, language: str) -> str:
        """The rule's name in ``language`` (Dutch when unknown)."""
        return self.names.get(language) or self.names["nl"]


class _Names(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class _When(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str | None = None
    at_most: float | None = None
    at_least: float | None = None
    detractor: bool | None = None
    comment_mentions: dict[Literal["nl", "en"], list[str]] | None = None


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: _Names
    source: Literal["touchpoint", "customer"] | list[Literal["touchpoint", "customer"]]
    when: _When


def shipped_rules_path() -> Path:
    """The rules shipped with servicechain (``collect/alert_rules.yaml``)."""
    return Path(str(resources.files("servicechain.collect") / "alert_rules.yaml"))


def load_rules(path: Path | None = None) -> list[AlertRule]:
    """The compiled rules of ``path`` (None: the shipped rules); RuleError names what is wrong."""
    shape = "- key: ..., name: ..., source: ..., when: ..."
    return load_rule_file(path or shipped_rules_path(), "alert rules", shape, _compile)


def _compile(path: Path, number: int, entry: Any) -> AlertRule:
    where = where_of(path, number, entry, "key, name, source and when")
    rule = validated(_Rule, entry, where, ("literal", "list["))
    sources = frozenset([rule.source] if isinstance(rule.source, str) else rule.source)
    if not sources:
        raise RuleError(f"{where}: source: name touchpoint, customer or both")
    try:
        checks = _checks(rule.when, sources)
    except ValueError as error:
        raise RuleError(f"{where}: when{'' if str(error).startswith(':') else '.'}{error}") from None
    return AlertRule(rule.key, {"nl": rule.name.nl, "en": rule.name.en}, sources, tuple(checks))


def _checks(when: _When, sources: frozenset[str]) -> list[Check]:
    checks: list[Check] = []
    if when.item is not None or when.at_most is not None or when.at_least is not None:
        checks.append(_item_check(when, sources))
    if when.detractor is not None:
        checks.append(_detractor_check(when.detractor, sources))
    if when.comment_mentions is not None:
        words = {str(language): listed for language, listed in when.comment_mentions.items()}
        checks.append(_comment_check(words))
    if not checks:
        raise ValueError(": give a condition: item with at_most/at_least, detractor or comment_mentions")
    return checks


def _item_check(when: _When, sources: frozenset[str]) -> Check:
    item, at_most, at_least = when.item, when.at_most, when.at_least
    if item is None:
        raise ValueError("item: at_most and at_least need the item they compare")
    if at_most is None and at_least is None:
        raise ValueError(f"{item}: give at_most and/or at_least")
    instruments = load_default_instruments()
    maxima: dict[str, int] = {}
    for source in sorted(sources):
        if item not in instruments[source].item_keys:
            known = ", ".join(instruments[source].item_keys)
            raise ValueError(f"item: {item!r} is not an item of the {source} survey ({known})")
        maxima[source] = instruments[source].scale_of(item).max
    high = float("inf") if at_most is None else at_most
    low = float("-inf") if at_least is None else at_least

    def check(submission: Submission) -> str | None:
        value = submission.row.get(item)
        if value is None or not low <= value <= high:
            return None
        return f"{item} {value}/{maxima[submission.kind]}"

    return check


def _detractor_check(detractor: bool, sources: frozenset[str]) -> Check:
    if not detractor:
        raise ValueError("detractor: only `detractor: true` is a condition")
    if sources != {"customer"}:
        raise ValueError("detractor: applies to customer responses only (source: customer)")
    customer = load_default_instruments()["customer"]
    item = str(customer.scoring.get("recommend_item", "recommend"))
    limit = int(customer.scoring.get("detractor_at_most", 6))
    maximum = customer.scale_of(item).max

    def check(submission: Submission) -> str | None:
        value = submission.row.get(item)
        return None if value is None or value > limit else f"{item} {value}/{maximum}"

    return check


def word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One case-insensitive expression for ``words``: each a whole word (or phrase); one ending in
    ``*`` matches the start of a word."""
    parts = []
    for word in words:
        core = word.strip().lower()
        prefix = core.endswith("*")
        tokens = core.rstrip("*").split()
        if not tokens:
            raise ValueError("comment_mentions: an empty word")
        body = r"\s+".join(re.escape(token) for token in tokens)
        parts.append(r"(?<!\w)" + body + (r"\w*" if prefix else r"(?!\w)"))
    return re.compile("|".join(parts), re.IGNORECASE)


def _comment_check(words: Mapping[str, list[str]]) -> Check:
    every = [word for language in ("nl", "en") for word in words.get(language, [])]
    if not every:
        raise ValueError("comment_mentions: give words in nl and/or en")
    try:
        pattern = word_pattern(every)
    except ValueError as error:
        raise ValueError(str(error)) from None

    def check(submission: Submission) -> str | None:
        comment = submission.row.get("comment")
        found = pattern.search(comment) if comment else None
        return None if found is None else f"comment: “{found.group(0).lower()}”"

    return check


def evaluate(rules: Sequence[AlertRule], submission: Submission) -> list[dict[str, Any]]:
    """One ``{rule, summary, comment, contact}`` per rule that ``submission`` meets.

    The summary is short and language-neutral ("satisfaction 1/5 · phone"); the pages show the
    rule's name in the reader's language beside it.
    """
    found: list[dict[str, Any]] = []
    for rule in rules:
        if submission.kind not in rule.sources:
            continue
        parts: list[str] = []
        for check in rule.checks:
            part = check(submission)
            if part is None:
                break
            parts.append(part)
        else:
            channel = submission.row.get("channel")
            summary = " · ".join([*parts, channel] if channel else parts)
            comment = submission.row.get("comment")
            found.append({"rule": rule.key, "summary": summary[:500], "comment": comment,
                          "contact": submission.contact})  # fmt: skip
    return found
