"""Sentence- and text-level sentiment on -1..1 for Dutch and English, offline.

Default method (``"rules"``): lexicon valences (-2..2) adjusted by the rules of VADER
(Hutto & Gilbert 2014, "VADER: A Parsimonious Rule-based Model for Sentiment Analysis of
Social Media Text", ICWSM): a negator up to three words before a sentiment word reverses it
(x -0.74 for positive words, x -0.5 for negative ones, so "niet slecht" / "not bad" is
mildly positive); a booster or dampener up to two words before scales it ("ontzettend",
"heel", "erg", "very", "really", "extremely"; "beetje", "slightly"); the clause after
"maar"/"but" weighs 1.5 and what comes before it 0.5; a concession ("hoewel", "although")
weighs 0.5; "!" adds emphasis; a modal before a comparative ("kan beter", "could be
cleaner") turns praise into a mild complaint. The weighted sum ``s`` of a sentence is
mapped to -1..1 by VADER's ``s / sqrt(s^2 + alpha)`` (alpha 4 for our -2..2 scale).
A text scores the mean of its sentences that carry sentiment (0 when none does).

Each sentence keeps its clauses (split at commas, semicolons, colons, brackets, dashes and
contrast words) with their own scores, so an aspect step can give "het personeel was
ontzettend vriendelijk" and "maar de kamer was vies" their own sentiment.

The baseline ``"average"`` is the plain mean of the lexicon valences of a text's words
divided by 2, without any rule; :mod:`servicechain.text.evaluate` compares the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from servicechain.text.language import Language, detect_language
from servicechain.text.lexicon import (
    BOOSTERS,
    CONCESSIONS,
    CONTRASTS,
    MODALS,
    NEGATORS,
    PHRASES,
    valences,
)
from servicechain.text.tokens import sentences, tokens, words

Method = Literal["rules", "average"]

ALPHA = 4.0
"""Normalisation constant of ``s / sqrt(s^2 + alpha)`` (VADER uses 15 on its -4..4 scale)."""
NEGATE_POSITIVE = -0.74
"""VADER's N_SCALAR: "not good" keeps three quarters of "good"'s strength, reversed."""
NEGATE_NEGATIVE = -0.5
"""A negated negative ("niet slecht", "geen probleem") is only mildly positive."""
CONTRAST_BEFORE, CONTRAST_AFTER, CONCESSION = 0.5, 1.5, 0.5
"""Clause weights around "maar"/"but" and of a concession clause (VADER's "but" rule)."""
EXCLAMATION = 0.15
"""Emphasis per "!" (at most three), in the direction of the sentence."""
MODAL_WISH = -0.5
"""Factor for a positive comparative after a modal: "kan beter" is a mild complaint."""

_BOUNDARIES = frozenset({",", ";", ":", "(", ")", "-"})
_MAX_PHRASE = max(len(p) for p in PHRASES)
_PHRASE_STARTS = frozenset(p[0] for p in PHRASES)


@dataclass(frozen=True, slots=True)
class ClauseScore:
    """One clause of a sentence: its folded words, its own score on -1..1 (before weighting),
    its weight in the sentence and its raw weighted valence sum."""

    words: tuple[str, ...]
    score: float
    weight: float
    raw: float

    @property
    def text(self) -> str:
        """The clause's folded words joined by spaces."""
        return " ".join(self.words)


@dataclass(frozen=True, slots=True)
class SentenceScore:
    """A sentence, its score on -1..1, whether any word carried sentiment, and its clauses."""

    text: str
    score: float
    has_sentiment: bool
    clauses: tuple[ClauseScore, ...]


@dataclass(frozen=True, slots=True)
class TextScore:
    """A text's language, its score on -1..1 (mean of its opinionated sentences) and sentences."""

    language: Language
    score: float
    sentences: tuple[SentenceScore, ...]


def normalise(raw: float, alpha: float = ALPHA) -> float:
    """Map a valence sum to -1..1 as VADER's compound score does: ``raw / sqrt(raw^2 + alpha)``."""
    return raw / math.sqrt(raw * raw + alpha) if raw else 0.0


def _is_comparative(word: str, valence: float) -> bool:
    return valence > 0 and (word in ("beter", "better") or (word.endswith("er") and len(word) > 4))


def clause_valence(toks: Sequence[str], val: Callable[[str], float]) -> tuple[float, bool]:
    """Weighted valence sum of one clause's words (``val`` gives a word's valence, -2..2), and
    whether any sentiment word occurred."""
    total, found = 0.0, False
    n, i = len(toks), 0
    while i < n:
        word = toks[i]
        width, value = 1, 0.0
        if word in _PHRASE_STARTS:
            for size in range(min(_MAX_PHRASE, n - i), 1, -1):
                hit = PHRASES.get(tuple(toks[i : i + size]))
                if hit is not None:
                    width, value = size, hit
                    break
        if width == 1:
            value = val(word)
            if value and word in BOOSTERS and i + 1 < n and val(toks[i + 1]):
                value = 0.0  # "erg vriendelijk", "super behulpzaam": a booster here, not a word
        if value:
            found = True
            comparative = width == 1 and _is_comparative(word, value)
            for back in (1, 2):
                if i - back < 0:
                    break
                factor = BOOSTERS.get(toks[i - back])
                if factor is not None and (back == 1 or factor > 1.0):
                    value *= factor
            for back in (1, 2, 3):
                if i - back < 0:
                    break
                prev = toks[i - back]
                if prev in NEGATORS:
                    value *= NEGATE_POSITIVE if value > 0 else NEGATE_NEGATIVE
                    break
                if comparative and prev in MODALS:
                    value *= MODAL_WISH
                    break
            total += value
        i += width
    return total, found


def split_clauses(toks: Sequence[str]) -> tuple[list[list[str]], list[str], int]:
    """Clauses of a token list, the kind of each ("", "contrast", "concession") and the count of "!"."""
    clauses: list[list[str]] = [[]]
    kinds = [""]
    bangs = 0
    for tok in toks:
        if tok == "!":
            bangs += 1
        elif tok in _BOUNDARIES:
            if clauses[-1]:
                clauses.append([])
                kinds.append("")
        elif tok in CONTRASTS or tok in CONCESSIONS:
            kind = "contrast" if tok in CONTRASTS else "concession"
            if clauses[-1]:
                clauses.append([tok])
                kinds.append(kind)
            else:
                clauses[-1].append(tok)
                kinds[-1] = kind
        else:
            clauses[-1].append(tok)
    if not clauses[-1] and len(clauses) > 1:
        clauses.pop()
        kinds.pop()
    return clauses, kinds, bangs


def score_sentence(sentence: str, language: Language) -> SentenceScore:
    """Score one sentence in ``language`` with the rule-based method; see the module docstring."""
    val = valences(language)
    clauses, kinds, bangs = split_clauses(tokens(sentence))
    last_contrast = max((k for k, kind in enumerate(kinds) if kind == "contrast"), default=-1)
    scored: list[ClauseScore] = []
    raw_sum, found_any = 0.0, False
    for k, (clause, kind) in enumerate(zip(clauses, kinds, strict=True)):
        raw, found = clause_valence(clause, val)
        found_any = found_any or found
        weight = 1.0
        if last_contrast >= 0:
            weight = CONTRAST_BEFORE if k < last_contrast else CONTRAST_AFTER
        if kind == "concession":
            weight *= CONCESSION
        raw_sum += weight * raw
        scored.append(ClauseScore(tuple(clause), normalise(raw), weight, weight * raw))
    if raw_sum and bangs:
        raw_sum += math.copysign(EXCLAMATION * min(bangs, 3), raw_sum)
    return SentenceScore(sentence, normalise(raw_sum), found_any, tuple(scored))


def score_text(text: str, language: Language | None = None) -> TextScore:
    """Sentence-by-sentence sentiment of ``text`` with the default rule-based method.

    ``language`` is detected per text (:func:`~servicechain.text.language.detect_language`)
    when not given. The text's score is the mean of the scores of its sentences that
    contain a sentiment word, 0.0 when none does.
    """
    lang = language or detect_language(text)
    scored = tuple(score_sentence(s, lang) for s in sentences(text))
    opinions = [s.score for s in scored if s.has_sentiment]
    return TextScore(lang, sum(opinions) / len(opinions) if opinions else 0.0, scored)


def lexicon_average(text: str, language: Language | None = None) -> float:
    """Baseline: the mean lexicon valence of the words of ``text`` divided by 2 (-1..1), no rules."""
    lang = language or detect_language(text)
    val = valences(lang)
    scores = [v for v in map(val, words(text)) if v]
    return sum(scores) / len(scores) / 2.0 if scores else 0.0


def sentiment(text: str, language: Language | None = None, method: Method = "rules") -> float:
    """Sentiment of ``text`` on -1..1 (negative to positive, 0 neutral or no opinion).

    ``method="rules"`` (default) is the VADER-style rule set of this module (Hutto & Gilbert
    2014, ICWSM); ``"average"`` the plain lexicon mean. ``language`` ``"nl"`` or ``"en"``,
    detected when ``None``.
    """
    if method == "average":
        return lexicon_average(text, language)
    if method != "rules":
        raise ValueError(f"unknown sentiment method {method!r}")
    return score_text(text, language).score


def sentiments(
    texts: Iterable[str], languages: Iterable[Language | None] | None = None, method: Method = "rules"
) -> list[float]:
    """:func:`sentiment` of each text, with an optional language per text (``None`` = detect)."""
    text_list = list(texts)
    langs = list(languages) if languages is not None else [None] * len(text_list)
    return [sentiment(t, lang, method) for t, lang in zip(text_list, langs, strict=True)]
