"""Dutch and English: message catalogues (gettext ``.po``, read with Babel) and number and
date formats per language (Babel's CLDR data).

Messages are written in English in templates and code (``_("Overview")``); the Dutch
catalogue ``locale/nl/LC_MESSAGES/messages.po`` holds their translations. A test extracts
every message with Babel and fails when one lacks a Dutch translation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_percent

from servicechain.formats import DASH, LOCALES, finite, format_number

LANGUAGES = ("nl", "en")


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


class Formats:
    """Numbers and dates in one language: ``3,9`` and ``1.234`` in Dutch, ``3.9`` and ``1,234`` in English."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = LOCALES[language]

    def number(self, value: Any, decimals: int = 1, signed: bool = False) -> str:
        """A number with ``decimals`` digits; a dash when missing
        (:func:`servicechain.formats.format_number`, the same as the report)."""
        return format_number(value, self.language, decimals, signed)

    def integer(self, value: Any) -> str:
        """A whole number with thousands separators."""
        return self.number(value, 0)

    def percent(self, value: Any, decimals: int = 0, *, fraction: bool = False) -> str:
        """A percentage; ``value`` in 0..100, or 0..1 with ``fraction=True``."""
        number = finite(value)
        if number is None:
            return DASH
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
        return format_percent(number if fraction else number / 100.0, format=pattern, locale=self.locale)

    def interval(self, low: Any, high: Any, decimals: int = 1) -> str:
        """``[3,7; 4,1]`` in Dutch, ``[3.7, 4.1]`` in English."""
        if finite(low) is None or finite(high) is None:
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
    """Every ``_("...")`` message of the web templates and code and of ``collect/`` (messages of
    the intake checks): ``{message: [where, ...]}``.

    Used by ``make messages`` (which updates the Dutch catalogue) and by the test that
    every message has a Dutch translation.
    """
    from babel.messages.extract import extract_from_dir

    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "", "trimmed": "true"}}
    found: dict[str, list[str]] = {}
    for package, prefix in (("servicechain.web", ""), ("servicechain.collect", "../collect/")):
        for filename, line, message, _comments, _context in extract_from_dir(
            str(resources.files(package)), method_map=method_map, options_map=options,
            keywords={"_": None, "N_": None},
        ):  # fmt: skip
            text = message[0] if isinstance(message, tuple) else message
            if text:
                found.setdefault(text, []).append(f"{prefix}{filename}:{line}")
    return found
