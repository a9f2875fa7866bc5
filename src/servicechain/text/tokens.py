"""Self-contained text normalisation: case and diacritic folding, sentences, words.

No tokeniser package is used: review texts are short and two languages with Latin script
need no more than a few regular expressions.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[,;:()]|\s[-–—]\s|!")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip diacritics ("Café Één" -> "cafe een"), apostrophes unified."""
    text = text.translate(_APOSTROPHES).lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sentences(text: str) -> list[str]:
    """Split ``text`` into sentences at ``.``, ``!``, ``?``, ``…`` followed by white space, and at
    line breaks; the pieces keep their punctuation and are stripped, empty ones dropped."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits, with inner apostrophes or hyphens)."""
    return _WORD.findall(fold(text))


def tokens(text: str) -> list[str]:
    """Folded words plus the punctuation that bounds clauses (``, ; : ( )``, a spaced dash as
    ``-``) and ``!``; used by the sentiment rules."""
    out: list[str] = []
    for tok in _TOKEN.findall(fold(text)):
        out.append("-" if tok[0].isspace() else tok)
    return out
