"""Aspects of a visit or a job in a text, each with the sentiment of the words around it.

The taxonomy (``data/aspects.yaml``, or the file of the setting ``aspect_taxonomy``) lists per
aspect its Dutch and English terms and optional aspect-only sentiment cues ("hoog" is bad for
workload, neutral elsewhere). Finding the sentiment of a mention follows the clause approach of
aspect-based sentiment analysis with lexicons (Hu & Liu 2004, "Mining and summarizing customer
reviews", KDD; Ding, Liu & Yu 2008, "A holistic lexicon-based approach to opinion mining",
WSDM): a sentence is cut into clauses at punctuation and contrast words
(:func:`servicechain.text.sentiment.split_clauses`); a clause that names two aspects is cut
once more at "en"/"and"; each piece scores its own words with the sentence rules (negation,
intensifiers, :func:`servicechain.text.sentiment.clause_valence`) plus the cues of its aspects.
A mention whose piece carries no sentiment takes the clause's, then the sentence's, but only
when no other aspect shares it; otherwise it counts as a mention without an opinion.

"Het personeel was ontzettend vriendelijk, maar de kamer was vies." gives staff friendliness
positive ("het personeel was ontzettend vriendelijk") and cleanliness negative ("maar de kamer
was vies").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servicechain.rulefiles import RuleError, load_rule_file, validated, where_of
from servicechain.text.language import Language, detect_language
from servicechain.text.lexicon import valences
from servicechain.text.sentiment import clause_valence, normalise, score_sentence, split_clauses
from servicechain.text.tokens import sentences, tokens, words

Audience = Literal["customer", "employee"]
AUDIENCES: tuple[Audience, ...] = ("customer", "employee")

CUE = 1.5
"""Valence (-2..2 scale) of an aspect's own positive or negative cue word."""
COORDINATORS = frozenset({"en", "and", "&", "ook", "also", "plus", "terwijl", "while", "whereas"})
"""Words at which a clause naming two aspects is cut into one piece per aspect."""
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class _AspectEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=_KEY.pattern)
    audience: Audience
    label: dict[Literal["nl", "en"], str]
    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)
    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Aspect:
    """One aspect: its key, audience, labels, terms per language and its own sentiment cues."""

    key: str
    audience: Audience
    label_nl: str
    label_en: str
    terms: dict[str, tuple[str, ...]]
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()

    def label(self, language: str) -> str:
        """The aspect's name in ``language`` ("nl" or "en")."""
        return self.label_nl if language == "nl" else self.label_en


def _phrase(term: str) -> tuple[str, ...]:
    return tuple(words(term.rstrip("*"))) + (("*",) if term.endswith("*") else ())


@dataclass
class _Matcher:
    """Terms of one audience and language, indexed by their first word (or prefix)."""

    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    prefixes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, term: tuple[str, ...], aspect: str) -> None:
        if term[-1] == "*":
            self.prefixes.append((term[0], aspect))
        else:
            self.by_first.setdefault(term[0], []).append((term, aspect))

    def find(self, toks: list[str]) -> list[tuple[int, str]]:
        """(position, aspect) of every term in ``toks``; longer phrases first, no overlaps."""
        found: list[tuple[int, str]] = []
        i = 0
        while i < len(toks):
            width = 0
            for term, aspect in self.by_first.get(toks[i], ()):
                if tuple(toks[i : i + len(term)]) == term and len(term) >= width:
                    if len(term) > width:
                        found = [f for f in found if f[0] != i]
                    width = len(term)
                    found.append((i, aspect))
            if not width:
                for prefix, aspect in self.prefixes:
                    if toks[i].startswith(prefix):
                        found.append((i, aspect))
                        width = 1
                        break
            i += max(width, 1)
        return found


class Taxonomy:
    """The aspects, with matchers per audience and language and the cue valences per aspect."""

    def __init__(self, aspects: Iterable[Aspect], source: str = "") -> None:
        self.aspects = {aspect.key: aspect for aspect in aspects}
        self.source = source
        self._matchers: dict[tuple[str, str], _Matcher] = {}
        self.cues: dict[str, dict[tuple[str, ...], float]] = {}
        for aspect in self.aspects.values():
            for language, terms in aspect.terms.items():
                matcher = self._matchers.setdefault((aspect.audience, language), _Matcher())
                for term in terms:
                    phrase = _phrase(term)
                    if phrase and phrase != ("*",):
                        matcher.add(phrase, aspect.key)
            cues = {_phrase(w): CUE for w in aspect.positive} | {_phrase(w): -CUE for w in aspect.negative}
            self.cues[aspect.key] = {k: v for k, v in cues.items() if k}

    def of(self, audience: Audience) -> list[Aspect]:
        """The aspects of ``audience``, in file order."""
        return [a for a in self.aspects.values() if a.audience == audience]

    def matcher(self, audience: Audience, language: str) -> _Matcher:
        """The term matcher of an audience and language."""
        return self._matchers.get((audience, language), _Matcher())


def _make(path: Path, number: int, entry: Any) -> Aspect:
    where = where_of(path, number, entry, "key, audience, label, nl and en")
    parsed = validated(_AspectEntry, entry, where, ())
    if set(parsed.label) != {"nl", "en"}:
        raise RuleError(f"{where}: label: give both nl and en")
    return Aspect(
        key=parsed.key,
        audience=parsed.audience,
        label_nl=parsed.label["nl"],
        label_en=parsed.label["en"],
        terms={"nl": tuple(parsed.nl), "en": tuple(parsed.en)},
        positive=tuple(parsed.positive),
        negative=tuple(parsed.negative),
    )


DEFAULT_TAXONOMY = "data/aspects.yaml"


@lru_cache(maxsize=8)
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The aspect taxonomy of ``path`` (None: the shipped ``data/aspects.yaml``); RuleError names the
    file, the entry and the field of any mistake."""
    if path is None:
        with resources.as_file(resources.files("servicechain.text").joinpath(DEFAULT_TAXONOMY)) as file:
            return Taxonomy(load_rule_file(file, "aspect taxonomy", "key, audience, label, nl, en", _make),
                            "shipped")  # fmt: skip
    return Taxonomy(load_rule_file(path, "aspect taxonomy", "key, audience, label, nl, en", _make), str(path))


@dataclass(frozen=True, slots=True)
class Mention:
    """An aspect named in a sentence: the sentence's index and text, and the sentiment of the
    words about it on -1..1 (None: named without an opinion)."""

    aspect: str
    sentence: int
    text: str
    score: float | None


@dataclass(frozen=True, slots=True)
class TextAspects:
    """A text's language, overall sentiment (-1..1) and its aspect mentions. The overall score is
    the mean of the sentences with an opinion, as :func:`servicechain.text.sentiment.score_text`,
    where a sentence whose only sentiment is an aspect cue counts with its mentions' mean."""

    language: Language
    score: float
    mentions: tuple[Mention, ...]


def _with_cues(toks: list[str], cues: dict[tuple[str, ...], float]) -> tuple[list[str], dict[str, float]]:
    """``toks`` with every cue phrase joined into one token, and the valence of each joined cue."""
    if not cues:
        return toks, {}
    out, extra, i = [], {}, 0
    longest = max(len(c) for c in cues)
    while i < len(toks):
        for size in range(min(longest, len(toks) - i), 0, -1):
            value = cues.get(tuple(toks[i : i + size]))
            if value is not None:
                joined = "_".join(toks[i : i + size])
                out.append(joined)
                extra[joined] = value
                i += size
                break
        else:
            out.append(toks[i])
            i += 1
    return out, extra


def _piece_score(toks: list[str], aspects: Iterable[str], taxonomy: Taxonomy, language: str) -> float | None:
    cues: dict[tuple[str, ...], float] = {}
    for key in aspects:
        cues |= taxonomy.cues.get(key, {})
    joined, extra = _with_cues(toks, cues)
    general = valences(language)
    value: Callable[[str], float] = (lambda w: extra.get(w) or general(w)) if extra else general
    raw, found = clause_valence(joined, value)
    return normalise(raw) if found else None


def _pieces(
    clause: list[str], found: list[tuple[int, str]], language: str
) -> list[tuple[list[str], set[str]]]:
    """The clause cut at coordinators between mentions of different aspects, with the aspects of
    each piece. A piece that names an aspect with an evaluative word ("vies", "duur") and another
    with a plain noun only ("kamer", "eten") is about the first: "de kamer was vies" is about
    cleanliness, "het eten was duur" about price."""
    cuts = [0]
    for (pos, key), (nxt, other) in pairwise(found):
        if key != other:
            between = [p for p in range(pos + 1, nxt) if clause[p] in COORDINATORS]
            if between:
                cuts.append(between[0])
    cuts.append(len(clause))
    general = valences(language)
    pieces = []
    for start, end in pairwise(cuts):
        inside = [(pos, key) for pos, key in found if start <= pos < end]
        keys = {key for _, key in inside}
        judged = {key for pos, key in inside if general(clause[pos])}
        if judged and judged != keys:
            keys = judged
        if keys:
            pieces.append((clause[start:end], keys))
    return pieces


def find_aspects(
    text: str,
    audience: Audience,
    language: Language | None = None,
    taxonomy: Taxonomy | None = None,
) -> TextAspects:
    """Aspect mentions of ``text`` with their sentiment, and the text's overall sentiment.

    ``audience`` picks the aspects ("customer" for reviews and customer comments, "employee" for
    survey comments and employer reviews); ``language`` is detected when None. See the module
    docstring for the method.
    """
    lang: Language = language or detect_language(text)
    tax = taxonomy or load_taxonomy()
    matcher = tax.matcher(audience, lang)
    mentions: list[Mention] = []
    opinions: list[float] = []
    for index, sentence in enumerate(sentences(text)):
        scored = score_sentence(sentence, lang)
        before = len(mentions)
        clauses, _, _ = split_clauses(tokens(sentence))
        per_clause = [matcher.find(clause) for clause in clauses]
        in_sentence = {key for found in per_clause for _, key in found}
        for clause, found in zip(clauses, per_clause, strict=True):
            if not found:
                continue
            for piece, keys in _pieces(clause, found, lang):
                score = _piece_score(piece, keys, tax, lang)
                if score is None and len(found) < len(clause) and len(in_sentence) == 1:
                    score = scored.score if scored.has_sentiment else None
                for key in sorted(keys):
                    mentions.append(Mention(key, index, sentence, score))
        aspect_scores = [m.score for m in mentions[before:] if m.score is not None]
        if scored.has_sentiment:
            opinions.append(scored.score)
        elif aspect_scores:  # "de werkdruk is te hoog": only the aspect's own cues carry sentiment
            opinions.append(sum(aspect_scores) / len(aspect_scores))
    overall = sum(opinions) / len(opinions) if opinions else 0.0
    return TextAspects(lang, overall, tuple(_one_per_sentence(mentions)))


def _one_per_sentence(mentions: list[Mention]) -> list[Mention]:
    """One mention per aspect and sentence: the scores of repeated mentions are averaged."""
    merged: dict[tuple[int, str], list[Mention]] = {}
    for mention in mentions:
        merged.setdefault((mention.sentence, mention.aspect), []).append(mention)
    out = []
    for (index, key), group in merged.items():
        scores = [m.score for m in group if m.score is not None]
        out.append(Mention(key, index, group[0].text, sum(scores) / len(scores) if scores else None))
    return out
