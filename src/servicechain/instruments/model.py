"""Instrument definitions: items, dimensions, scales and scoring thresholds.

An instrument is a YAML file (see ``employee.yaml``); the defaults ship in this package
and an organisation may load its own with :func:`load_instrument`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator

DEFAULT_KEYS = ("employee", "customer", "touchpoint")


class Texts(BaseModel):
    """A text in both languages."""

    nl: str
    en: str


class Scale(BaseModel):
    """An answer scale: integers from ``min`` to ``max``; empty means not applicable."""

    min: int
    max: int
    not_applicable: bool = False
    labels: dict[str, list[str]] = Field(default_factory=dict)

    def label_values(self) -> dict[str, int]:
        """``{label: value}`` in every language, when the scale labels each point (lowercase)."""
        points = self.max - self.min + 1
        return {
            label.lower(): self.min + position
            for texts in self.labels.values()
            if len(texts) == points
            for position, label in enumerate(texts)
        }

    def describe(self) -> str:
        """``1..5`` style description used in error messages."""
        return f"{self.min}..{self.max}"


class Item(BaseModel):
    """One question; ``key`` is also its column name in response files."""

    key: str
    dimension: str
    scale: str
    nl: str
    en: str
    reverse: bool = False
    required: bool = False
    attachment: bool = False


class Instrument(BaseModel):
    """A questionnaire with its scales, dimensions, items and scoring rules."""

    key: str
    version: int = 1
    name: Texts
    scales: dict[str, Scale]
    dimensions: dict[str, Texts]
    items: list[Item]
    scoring: dict[str, Any] = Field(default_factory=dict)
    channels: dict[str, Texts] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _items_refer_to_known_names(self) -> Instrument:
        keys = [item.key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError(f"instrument {self.key}: item keys are not unique")
        for item in self.items:
            if item.scale not in self.scales:
                raise ValueError(f"item {item.key}: unknown scale {item.scale!r}")
            if item.dimension not in self.dimensions:
                raise ValueError(f"item {item.key}: unknown dimension {item.dimension!r}")
        return self

    @property
    def item_keys(self) -> list[str]:
        """Item keys in questionnaire order."""
        return [item.key for item in self.items]

    def scale_of(self, item_key: str) -> Scale:
        """The answer scale of one item."""
        item = next(i for i in self.items if i.key == item_key)
        return self.scales[item.scale]


def load_instrument(path: Path | str) -> Instrument:
    """Read and validate an instrument YAML file."""
    with open(path, encoding="utf-8") as handle:
        return Instrument.model_validate(yaml.safe_load(handle))


@cache
def load_default_instruments() -> dict[str, Instrument]:
    """The three shipped instruments, keyed ``employee``, ``customer``, ``touchpoint``."""
    folder = resources.files("servicechain.instruments")
    return {
        key: Instrument.model_validate(yaml.safe_load(folder.joinpath(f"{key}.yaml").read_text("utf-8")))
        for key in DEFAULT_KEYS
    }
