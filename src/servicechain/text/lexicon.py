"""Word lists for sentiment: which words carry which valence, and which words steer others.

Dutch valences come from the MIT-licensed lexicon of the R package DutchSentimentAnalysis
(github.com/Glender/DutchSentimentAnalysis, 2021; 5,207 words scored -2..2), shipped in
``data/dutch-sentiment-lexicon/`` with its ``LICENSE.md``. English valences are our own
compact review-domain list (``data/lexicon_en.csv``, same -2..2 scale, part of this
package's MIT licence). Negators, boosters and dampeners follow the design of VADER
(Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of
Social Media Text", ICWSM), with their Dutch counterparts added here.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

Lexicon = dict[str, float]


def wordset(text: str) -> frozenset[str]:
    """The white-space separated words of ``text`` as a set (for word lists written inline)."""
    return frozenset(text.split())


NEGATORS = wordset(
    """niet geen nooit niemand niets nergens noch zonder nimmer
    not no never nobody nothing none nowhere neither nor without cannot aint
    don't doesn't didn't isn't aren't wasn't weren't won't wouldn't can't couldn't shouldn't
    haven't hasn't hadn't dont doesnt didnt isnt arent wasnt werent wont wouldnt cant couldnt
    shouldnt havent hasnt hadnt"""
)
"""Words that reverse the valence of a sentiment word up to three words after them."""

BOOSTERS: dict[str, float] = {
    # Dutch intensifiers
    "ontzettend": 1.5, "enorm": 1.4, "zeer": 1.4, "heel": 1.3, "erg": 1.3, "echt": 1.2,
    "super": 1.4, "uiterst": 1.5, "buitengewoon": 1.5, "bijzonder": 1.3, "extreem": 1.5,
    "ongelooflijk": 1.5, "vreselijk": 1.4, "verschrikkelijk": 1.4, "hartstikke": 1.4,
    "ontzettende": 1.5, "enorme": 1.4, "vreselijke": 1.4, "verschrikkelijke": 1.4, "extreme": 1.5,
    "totaal": 1.4, "volledig": 1.3, "helemaal": 1.3,
    "ronduit": 1.4, "absoluut": 1.4, "zo": 1.2, "te": 1.2, "veel": 1.1, "best": 1.1, "nogal": 1.1,
    # English intensifiers (VADER's booster list, abridged)
    "very": 1.3, "really": 1.3, "extremely": 1.5, "incredibly": 1.5, "so": 1.2, "too": 1.2,
    "absolutely": 1.4, "totally": 1.4, "completely": 1.3, "utterly": 1.5, "truly": 1.3,
    "highly": 1.4, "exceptionally": 1.5, "remarkably": 1.3, "especially": 1.2,
    "particularly": 1.2, "terribly": 1.4, "awfully": 1.4, "downright": 1.4, "thoroughly": 1.3,
    "most": 1.2, "such": 1.2, "simply": 1.1, "far": 1.1, "pretty": 1.1,
    # dampeners (both languages)
    "beetje": 0.7, "wat": 0.85, "vrij": 0.85, "tamelijk": 0.85, "redelijk": 0.8, "iets": 0.8,
    "enigszins": 0.7, "nauwelijks": 0.5, "amper": 0.5, "slightly": 0.7, "somewhat": 0.7,
    "bit": 0.7, "fairly": 0.85, "rather": 0.9, "quite": 0.9, "kinda": 0.7, "barely": 0.5,
    "hardly": 0.5, "marginally": 0.6, "partly": 0.7,
}  # fmt: skip
"""Multipliers for the valence of the sentiment word that follows within two words."""

CONTRASTS = frozenset({"maar", "echter", "doch", "but", "however", "yet"})
"""Words that start a clause which outweighs the clauses before it (VADER's "but" rule)."""

CONCESSIONS = frozenset({"hoewel", "ofschoon", "alhoewel", "although", "though", "despite", "ondanks"})
"""Words that start a clause which weighs less than the rest of the sentence."""

MODALS = frozenset({"kan", "kon", "mag", "mocht", "zou", "could", "should", "can", "might", "would"})
"""A modal before a comparative ("kan beter", "could be cleaner") turns praise into a wish."""

PHRASES: dict[tuple[str, ...], float] = {
    ("nooit", "meer"): -1.5, ("nooit", "weer"): -1.5, ("never", "again"): -1.5,
    ("onder", "de", "maat"): -1.5, ("below", "par"): -1.5, ("below", "standard"): -1.5,
    ("lang", "wachten"): -1.0, ("lange", "wachttijd"): -1.0, ("lange", "rij"): -1.0,
    ("long", "wait"): -1.0, ("long", "queue"): -1.0, ("long", "queues"): -1.0,
    ("wait", "ages"): -1.0, ("te", "lang"): -1.0, ("too", "long"): -1.0,
    ("niets", "bijzonders"): -0.3, ("nothing", "special"): -0.3,
    ("viel", "tegen"): -1.0, ("vielen", "tegen"): -1.0, ("valt", "tegen"): -1.0,
    ("waar", "voor", "je", "geld"): 1.0, ("value", "for", "money"): 1.0,
    ("rip", "off"): -2.0, ("sold", "out"): -1.0, ("let", "down"): -1.0,
    ("could", "not", "be", "bothered"): -1.5, ("couldn't", "be", "bothered"): -1.5,
    ("geen", "zin"): -1.0, ("geen", "excuses"): -1.0, ("no", "apology"): -1.0,
    ("aan", "te", "raden"): 1.5, ("de", "moeite", "waard"): 1.5,
    ("worth", "it"): 1.0, ("worth", "a", "visit"): 1.5,
}  # fmt: skip
"""Fixed expressions scored as one unit; negators and boosters before them still apply."""

DUTCH_SUPPLEMENT: Lexicon = {
    # review words the MIT lexicon lacks (our own scores, -2..2)
    "behulpzaam": 2, "hulpvaardig": 2, "klantvriendelijk": 2, "aanrader": 2, "aanraden": 1.5,
    "attent": 1, "betaalbaar": 1, "smaakvol": 1, "tevreden": 1.5, "brandschoon": 2,
    "onbeschoft": -2, "onacceptabel": -2, "professioneel": 1, "bedankt": 1, "complimenten": 1.5,
    "compliment": 1.5, "verouderd": -1, "gedateerd": -1, "uitverkocht": -1, "stinkt": -2,
    "stinkend": -2, "helaas": -1, "oke": 0.5, "deskundig": 1.5, "klachten": -1, "geholpen": 1,
    # corrections of the MIT lexicon for this domain
    "zin": 0, "gewoon": 0, "duur": -1, "goedkoop": 0.5, "redelijk": 0.5, "druk": -0.5,
}  # fmt: skip
"""Dutch review vocabulary missing from, or mis-scored for reviews in, the MIT lexicon."""

DUTCH_NEUTRAL = wordset(
    """naar voor af alles doen kunnen wil wilde tegen veel minder alleen prijs prijzen zeker service
    arts dame dijk heer hond koe naam open type val vast stuk lift nasi homo meid kamp shot ster mes
    gat kalf rund eind half spel sint vent veer vuur vlam ziel hart goud"""
)
"""Entries of the MIT lexicon that are function words, or nouns without valence in reviews
("naar" is scored as "nasty" but is mostly the preposition "to"); not scored."""

BOOSTER_WORDS = frozenset({"vreselijk", "verschrikkelijk", "super", "best", "redelijk", "erg", "pretty"})
"""Boosters that are sentiment words themselves when no sentiment word follows them
("vreselijke service"); other boosters ("totaal", "veel") never score on their own."""

FUNCTION_WORDS = NEGATORS | CONTRASTS | CONCESSIONS | MODALS
"""Never scored as sentiment words themselves (the Dutch lexicon scores "niet" -2)."""


def _read(package_path: str) -> Lexicon:
    lexicon: dict[str, list[float]] = {}
    ref = resources.files("servicechain.text").joinpath(package_path)
    with ref.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lexicon.setdefault(row["word"].strip().lower(), []).append(float(row["score"]))
    return {word: sum(scores) / len(scores) for word, scores in lexicon.items()}


def read_words(package_path: str) -> list[str]:
    """The non-empty lines of a word list shipped in the package, stripped."""
    text = resources.files("servicechain.text").joinpath(package_path).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def raw_dutch_lexicon() -> Lexicon:
    """The MIT Dutch lexicon as shipped (duplicates averaged), -2..2."""
    return _read("data/dutch-sentiment-lexicon/lexicon.csv")


@lru_cache(maxsize=1)
def dutch_lexicon() -> Lexicon:
    """Dutch valences used for scoring: the MIT lexicon plus :data:`DUTCH_SUPPLEMENT`, less
    function words (negators, contrasts, modals); boosters stay and act as boosters only
    when a sentiment word follows."""
    skip = FUNCTION_WORDS | DUTCH_NEUTRAL | (frozenset(BOOSTERS) - BOOSTER_WORDS)
    lexicon = {w: s for w, s in raw_dutch_lexicon().items() if w not in skip}
    lexicon.update({w: float(s) for w, s in DUTCH_SUPPLEMENT.items()})
    return {w: s for w, s in lexicon.items() if s != 0}


@lru_cache(maxsize=1)
def english_lexicon() -> Lexicon:
    """Our English review-domain valences (``data/lexicon_en.csv``), -2..2."""
    skip = frozenset(BOOSTERS) - BOOSTER_WORDS
    return {w: s for w, s in _read("data/lexicon_en.csv").items() if w not in skip}


def lexicon_for(language: str) -> Lexicon:
    """The valence lexicon of ``"nl"`` or ``"en"``."""
    return dutch_lexicon() if language == "nl" else english_lexicon()


_VOWELS = frozenset("aeiou")


def _dutch_bases(word: str) -> list[str]:
    """Candidate base forms of an inflected Dutch adjective or noun: "vieze" -> "vies",
    "grote" -> "groot", "slimme" -> "slim", "lekkere" -> "lekker", "kamers" -> "kamer"."""
    out: list[str] = []
    for suffix in ("e", "en", "s", "er", "ste", "st"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            out.append(stem)
            if stem.endswith("z"):
                out.append(stem[:-1] + "s")
            if stem.endswith("v"):
                out.append(stem[:-1] + "f")
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
                out.append(stem[:-1])
            if len(stem) > 2 and stem[-1] not in _VOWELS and stem[-2] in _VOWELS and stem[-3] not in _VOWELS:
                out.append(stem[:-1] + stem[-2] + stem[-1])
    return out


def _english_bases(word: str) -> list[str]:
    """Candidate base forms of an English word: plural, "-ly" adverb, "-ed"/"-ing" forms."""
    out: list[str] = []
    for suffix, repl in (("ies", "y"), ("s", ""), ("ily", "y"), ("ly", ""), ("ed", ""), ("ed", "e"),
                         ("ing", ""), ("ing", "e"), ("er", ""), ("est", "")):  # fmt: skip
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            out.append(word[: -len(suffix)] + repl)
    return out


class Valences:
    """Look-up of a word's valence in one language, with base-form fallback and a cache."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.lexicon = lexicon_for(language)
        self._bases = _dutch_bases if language == "nl" else _english_bases
        self._cache: dict[str, float] = {}

    def __call__(self, word: str) -> float:
        """Valence of ``word`` (0.0 when unknown or a function word)."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        value = 0.0
        if word not in FUNCTION_WORDS:
            value = self.lexicon.get(word, 0.0)
            if not value:
                for base in self._bases(word):
                    value = self.lexicon.get(base, 0.0)
                    if value:
                        break
        if len(self._cache) < 200_000:
            self._cache[word] = value
        return value


@lru_cache(maxsize=2)
def valences(language: str) -> Valences:
    """The shared :class:`Valences` of ``"nl"`` or ``"en"``."""
    return Valences("nl" if language == "nl" else "en")
