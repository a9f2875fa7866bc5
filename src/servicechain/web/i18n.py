"""Dutch and English: message catalogues (gettext ``.po``, read with Babel) and number and
date formats per language (Babel's CLDR data).

Messages are written in English in templates and code (``_("Overview")``); the Dutch
catalogue ``locale/nl/LC_MESSAGES/messages.po`` holds their translations. A test extracts
every message with Babel and fails when one lacks a Dutch translation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_percent, get_decimal_symbol, get_group_symbol

LANGUAGES = ("nl", "en")
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DASH = "–"
_STEPS = [Decimal(1).scaleb(-digits) for digits in range(10)]


@cache
def catalogue(language: str) -> dict[str, str]:
    """``{English message: translation}`` of ``language`` (empty for English)."""
    if language == "en":
        return {}
    path = resources.files("servicechain.web") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        messages = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in messages if m.id and m.string and not m.fuzzy}


def translator(language: str) -> Callable[..., str]:
    """``_(message, **values)``: the message in ``language``, with ``{name}`` fields filled in."""
    table = catalogue(language)

    def gettext(message: str, **values: Any) -> str:
        text = table.get(message, message)
        return text.format(**values) if values else text

    return gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


class Formats:
    """Numbers and dates in one language: ``3,9`` and ``1.234`` in Dutch, ``3.9`` and ``1,234`` in English."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = LOCALES[language]
        decimal, group = get_decimal_symbol(self.locale), get_group_symbol(self.locale)
        self._symbols = str.maketrans({",": group, ".": decimal})

    def number(self, value: Any, decimals: int = 1, signed: bool = False) -> str:
        """A number with ``decimals`` digits; a dash when missing.

        The same text as Babel's ``format_decimal(value, "#,##0.0…", locale)`` (the value's
        shortest decimal form rounded half to even, CLDR separators), some 15x faster: a
        page of 500 locations formats thousands of numbers.
        """
        number = _finite(value)
        if number is None:
            return DASH
        rounded = Decimal(repr(number)).quantize(_STEPS[decimals], rounding=ROUND_HALF_EVEN)
        text = f"{rounded:,.{decimals}f}".translate(self._symbols)
        return ("+" + text) if signed and number > 0 else text

    def integer(self, value: Any) -> str:
        """A whole number with thousands separators."""
        return self.number(value, 0)

    def percent(self, value: Any, decimals: int = 0, *, fraction: bool = False) -> str:
        """A percentage; ``value`` in 0..100, or 0..1 with ``fraction=True``."""
        number = _finite(value)
        if number is None:
            return DASH
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
        return format_percent(number if fraction else number / 100.0, format=pattern, locale=self.locale)

    def interval(self, low: Any, high: Any, decimals: int = 1) -> str:
        """``[3,7; 4,1]`` in Dutch, ``[3.7, 4.1]`` in English."""
        if _finite(low) is None or _finite(high) is None:
            return DASH
        separator = "; " if self.language == "nl" else ", "
        return f"[{self.number(low, decimals)}{separator}{self.number(high, decimals)}]"

    def date(self, value: date | datetime | None) -> str:
        """A date such as ``23 nov. 2026`` / ``23 Nov 2026``."""
        return DASH if value is None else format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        """A date with the time of day."""
        return DASH if value is None else format_datetime(value, format="medium", locale=self.locale)


def extract_messages() -> dict[str, list[str]]:
    """Every ``_("...")`` message of the web templates and code: ``{message: [where, ...]}``.

    Used by ``make messages`` (which updates the Dutch catalogue) and by the test that
    every message has a Dutch translation.
    """
    from babel.messages.extract import extract_from_dir

    root = resources.files("servicechain.web")
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "", "trimmed": "true"}}
    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, options_map=options, keywords={"_": None, "N_": None}
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, []).append(f"{filename}:{line}")
    return found
