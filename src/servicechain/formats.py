"""Numbers as people read them, in Dutch or English: one rule for the report and the pages.

``format_number(1234.5, "nl")`` is ``1.234,5`` and ``format_number(1234.5, "en")`` is
``1,234.5``: the same text as Babel's ``format_decimal(value, "#,##0.0", locale)`` (the
value's shortest decimal form rounded half to even, CLDR separators of ``nl_NL`` and
``en_GB``), some 15x faster, which matters on a page of 500 locations.

:func:`spreadsheet_safe` keeps a text cell of a CSV export from being run as a formula.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from babel.numbers import get_decimal_symbol, get_group_symbol

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DASH = "–"
_STEPS = [Decimal(1).scaleb(-digits) for digits in range(10)]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def finite(value: Any) -> float | None:
    """A finite float, or None for missing, NaN, infinite, boolean or non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@cache
def _separators(language: str) -> dict[int, str]:
    locale = LOCALES[language]
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def format_number(value: Any, language: str, decimals: int = 1, signed: bool = False) -> str:
    """``value`` with ``decimals`` digits in ``language``; ``+`` before positive numbers when
    ``signed``; an en dash when missing."""
    number = finite(value)
    if number is None:
        return DASH
    rounded = Decimal(repr(number)).quantize(_STEPS[decimals], rounding=ROUND_HALF_EVEN)
    text = f"{rounded:,.{decimals}f}".translate(_separators(language))
    return ("+" + text) if signed and number > 0 else text


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet opens as text, never as a formula (OWASP "CSV Injection"): a
    string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
    quote in front; anything else, numbers (also negative ones), booleans and None, stays as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
