"""Questionnaire definitions shipped as YAML, in Dutch and English."""

from servicechain.instruments.model import (
    Instrument,
    Item,
    Scale,
    load_default_instruments,
    load_instrument,
)

__all__ = ["Instrument", "Item", "Scale", "load_default_instruments", "load_instrument"]
