"""Reading a YAML file of rules (alert rules, incentive rules): a list of mappings, each with a
unique ``key``, checked by a pydantic model. Every error names the file, the rule and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from servicechain.errors import UserError

Rule = TypeVar("Rule")
Model = TypeVar("Model", bound=BaseModel)


class RuleError(UserError):
    """A rules file that cannot be used: the message names the file, the rule and the field."""


def load_rule_file(path: Path, what: str, shape: str, make: Callable[[Path, int, Any], Rule]) -> list[Rule]:
    """The rules of ``path`` (``what``: "alert rules"), each made by ``make(path, number, entry)``;
    RuleError for a file that cannot be read, is not YAML, is not a non-empty list (``shape`` shows
    one entry) or uses a key twice."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise RuleError(f"{path}: cannot read the {what}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise RuleError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, list) or not data:
        raise RuleError(f"{path}: expected a list of rules ({shape})")
    rules: list[Rule] = []
    keys: set[str] = set()
    for number, entry in enumerate(data, start=1):
        rule = make(path, number, entry)
        key = str(getattr(rule, "key", ""))
        if key in keys:
            raise RuleError(f"{path}: rule {number} ({key}): key: used by an earlier rule already")
        keys.add(key)
        rules.append(rule)
    return rules


def where_of(path: Path, number: int, entry: Any, expected: str) -> str:
    """How errors name rule ``number`` ("rules.yaml: rule 2 (detractor)"); RuleError when the entry
    is not a mapping (``expected``: its fields)."""
    key = entry.get("key") if isinstance(entry, dict) else None
    where = f"{path}: rule {number}" + (f" ({key})" if isinstance(key, str) else "")
    if not isinstance(entry, dict):
        raise RuleError(f"{where}: expected a mapping with {expected}")
    return where


def validated(model: type[Model], entry: dict[str, Any], where: str, hidden: tuple[str, ...]) -> Model:
    """``entry`` checked by ``model``; RuleError names the first field that is wrong (location parts
    starting with one of ``hidden``, pydantic's union branch names, are left out)."""
    try:
        return model.model_validate(entry)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"] if not str(part).startswith(hidden)) or "rule"
        raise RuleError(f"{where}: {field}: {first['msg']}") from None
