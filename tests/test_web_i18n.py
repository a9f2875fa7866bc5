"""Dutch and English in the web app: every message translated, placeholders intact, the
catalogue up to date, numbers and dates formatted per language, no hard-coded English."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from html.parser import HTMLParser
from importlib import resources

import pytest
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from servicechain.web.i18n import DASH, LOCALES, Formats, catalogue, extract_messages, translator

UPDATE = "run `python scripts/update_messages.py`"


@pytest.fixture(scope="module")
def messages() -> dict[str, list[str]]:
    return extract_messages()


def _po_ids() -> dict[str, bool]:
    """``{message: fuzzy}`` of every entry of the Dutch ``.po`` file."""
    path = resources.files("servicechain.web") / "locale" / "nl" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale="nl")
    return {str(m.id): bool(m.fuzzy) for m in po if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_messages_are_found(messages: dict[str, list[str]]) -> None:
    assert len(messages) > 50
    assert "Overview" in messages
    assert any(place.startswith("templates/") for places in messages.values() for place in places)
    assert any(".py:" in place for places in messages.values() for place in places)


def test_every_message_has_a_dutch_translation(messages: dict[str, list[str]]) -> None:
    dutch = catalogue("nl")
    missing = {m: places for m, places in messages.items() if not dutch.get(m, "").strip()}
    assert not missing, f"no Dutch translation ({UPDATE}, then fill in msgstr): {missing}"


def test_translations_keep_their_placeholders(messages: dict[str, list[str]]) -> None:
    dutch = catalogue("nl")
    wrong = {
        message: (sorted(_fields(message)), sorted(_fields(dutch[message])))
        for message in messages
        if message in dutch and _fields(message) != _fields(dutch[message])
    }
    assert not wrong, f"placeholders differ between English and Dutch: {wrong}"


def test_messages_with_placeholders_format_in_both_languages(messages: dict[str, list[str]]) -> None:
    for language in ("en", "nl"):
        _ = translator(language)
        for message in messages:
            names = _fields(message)
            if names:
                text = _(message, **{name: f"<{name}>" for name in names})
                assert all(f"<{name}>" in text for name in names), (language, message, text)
                assert "{" not in text and "}" not in text, (language, message, text)


def test_catalogue_is_up_to_date(messages: dict[str, list[str]]) -> None:
    in_po = _po_ids()
    missing = sorted(set(messages) - set(in_po))
    obsolete = sorted(set(in_po) - set(messages))
    assert not missing, f"messages missing from messages.po ({UPDATE}): {missing}"
    assert not obsolete, f"messages in messages.po that nothing uses any more ({UPDATE}): {obsolete}"


def test_no_fuzzy_translations() -> None:
    fuzzy = sorted(message for message, is_fuzzy in _po_ids().items() if is_fuzzy)
    assert not fuzzy, f"fuzzy entries are ignored at run time; review them and drop the flag: {fuzzy}"


def test_translator() -> None:
    dutch, english = translator("nl"), translator("en")
    assert dutch("Overview") == "Overzicht"
    assert dutch("Sign in") == "Inloggen"
    assert dutch("Sign out") == "Uitloggen"
    assert dutch("For {email}.", email="an@example.nl") == "Voor an@example.nl."
    assert english("Overview") == "Overview"
    assert english("For {email}.", email="an@example.nl") == "For an@example.nl."
    assert english("Too many failed attempts. Try again in {minutes} minutes.", minutes=15) == (
        "Too many failed attempts. Try again in 15 minutes."
    )
    assert dutch("A message nobody translated") == "A message nobody translated"
    assert catalogue("en") == {}


def test_dutch_vocabulary_is_consistent() -> None:
    dutch = catalogue("nl")
    expected = {
        "Human Sigma matrix": "Human Sigma-matrix",
        "Customer engagement": "Klantbetrokkenheid",
        "Shrunk": "Gecorrigeerd",
        "Flag": "Signaal",
        "Percentile": "Percentiel",
        "Funnel plot": "Trechterdiagram",
        "Focus areas": "Aandachtspunten",
        "Touchpoints": "Contactmomenten",
        "Review aspects": "Reviewaspecten",
        "suppressed": "verborgen",
        "below": "onder",
        "above": "boven",
        "within": "binnen",
        "Imports": "Importeren",
        "Location": "Locatie",
        "Locations": "Locaties",
    }
    for message, translation in expected.items():
        if message in dutch:
            assert dutch[message] == translation, message
    texts = " ".join(dutch.values()).lower()
    assert "gekrompen" not in texts  # "shrunk" is "gecorrigeerd" throughout
    # informal "je/jij" for staff, as Dutch HR software does; customers are addressed with "u",
    # like the customer questionnaire itself ("Hoe tevreden bent u?"); "{n} u" is hours (uur)
    places = extract_messages()
    staff = " ".join(text for message, text in dutch.items() if text != "{n} u"
                     and not all("customer" in place for place in places.get(message, [])))  # fmt: skip
    assert not re.search(r"\b(u|uw)\b", staff.lower())
    assert "vestiging" not in texts  # "locatie", as the report says


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", {"number": "1.234,5", "two": "3,93", "signed": "+1.234,50", "integer": "1.234.567",
                "percent": "42%", "fraction": "42,5%", "interval": "[3,7; 4,1]"}),
        ("en", {"number": "1,234.5", "two": "3.93", "signed": "+1,234.50", "integer": "1,234,567",
                "percent": "42%", "fraction": "42.5%", "interval": "[3.7, 4.1]"}),
    ],
)  # fmt: skip
def test_numbers_per_language(language: str, expected: dict[str, str]) -> None:
    fmt = Formats(language)
    assert fmt.number(1234.5) == expected["number"]
    assert fmt.number(3.9317, 2) == expected["two"]
    assert fmt.number(1234.5, 2, signed=True) == expected["signed"]
    negative = format_decimal(-2.5, format="#,##0.0", locale=LOCALES[language])
    assert fmt.number(-2.5, 1, signed=True) == negative  # no "+", Babel's own minus sign
    assert fmt.integer(1234567) == expected["integer"]
    assert fmt.percent(42.4) == expected["percent"]
    assert fmt.percent(0.425, 1, fraction=True) == expected["fraction"]
    assert fmt.interval(3.7, 4.1) == expected["interval"]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_missing_values_are_a_dash(language: str) -> None:
    fmt = Formats(language)
    for value in (None, float("nan"), float("inf"), "not a number"):
        assert fmt.number(value) == DASH
        assert fmt.percent(value) == DASH
    assert fmt.interval(None, 4.1) == DASH
    assert fmt.interval(3.7, float("nan")) == DASH
    assert fmt.date(None) == DASH
    assert fmt.datetime(None) == DASH


def test_dates_per_language() -> None:
    day, moment = date(2026, 3, 5), datetime(2026, 10, 23, 14, 5)
    dutch, english = Formats("nl"), Formats("en")
    assert dutch.date(day) == format_date(day, format="medium", locale="nl_NL")
    assert english.date(day) == format_date(day, format="medium", locale="en_GB")
    assert "mrt" in dutch.date(day) and "2026" in dutch.date(day)
    assert english.date(day) == "5 Mar 2026"
    assert dutch.datetime(moment) == format_datetime(moment, format="medium", locale="nl_NL")
    assert english.datetime(moment) == format_datetime(moment, format="medium", locale="en_GB")
    assert "okt" in dutch.datetime(moment) and "14:05" in dutch.datetime(moment)
    assert "Oct" in english.datetime(moment)


class _Text(HTMLParser):
    """The visible text of an HTML page: text between tags and the attributes people read."""

    READ = ("title", "aria-label", "placeholder", "alt", "value")

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        kind = dict(attrs).get("type")
        for name, value in attrs:
            if name in self.READ and value and not (name == "value" and kind != "submit"):
                self.words += re.findall(r"[A-Za-z]{2,}", value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words += re.findall(r"[A-Za-z]{2,}", data)


ALLOWED_WORDS = {"servicechain", "pEE", "pCE", "HS"}  # the product's name and the matrix's symbols


def test_templates_have_no_hard_coded_english() -> None:
    """Text people read is wrapped in ``_()``; Jinja expressions and tags are not looked at."""
    folder = resources.files("servicechain.web") / "templates"
    found = {}
    for template in folder.iterdir():
        if not template.name.endswith(".html"):
            continue
        source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", template.read_text(), flags=re.S)
        parser = _Text()
        parser.feed(source)
        words = [word for word in parser.words if word not in ALLOWED_WORDS]
        if words:
            found[template.name] = words
    assert not found, f"wrap these in {{{{ _('...') }}}}: {found}"


def test_fast_number_format_equals_babel() -> None:
    """``Formats.number`` skips Babel's pattern machinery for speed; Babel's ``format_decimal``
    is the reference (same rounding: half to even on the shortest decimal form)."""
    import random

    from babel.numbers import format_decimal

    generator = random.Random(20261123)
    values = [0.0, -0.0, 0.005, 0.015, 2.675, -2.5, 1e-9, 999.995, 1234567.891]
    values += [generator.uniform(-1e6, 1e6) for _ in range(400)] + [
        generator.uniform(-5, 5) for _ in range(400)
    ]
    for language, locale in (("nl", "nl_NL"), ("en", "en_GB")):
        formats = Formats(language)
        for value in values:
            for decimals in (0, 1, 2, 3):
                pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
                assert formats.number(value, decimals) == format_decimal(value, format=pattern, locale=locale)
