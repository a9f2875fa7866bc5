"""Finding praise of a named colleague in one text: sentences, name tokens, cues and team phrases.

Pure functions over strings (no store); :mod:`servicechain.act.recognition` feeds them the
unit's roster. A *mention* is a capitalised word of a sentence that equals a name form of the
roster (first name, the name one goes by, and their variants from ``act/names.yaml``),
compared without case and diacritics (``Chloé`` = ``Chloe``). It counts only when the
sentence praises: it carries a praise cue that is not negated ("niet vriendelijk") and no word
of criticism ("onbeleefd", "rude"). A team phrase ("aan de servicebalie") or a place ("in de
winkel") only narrows the match; on its own it praises nothing ("Jan in de winkel was
onbeleefd"). Names that are also common words or places (``Mei``, ``Fleur``, ``Milan``) need
more: a team phrase or place, or a cue that names them directly ("Complimenten voor Iris"); as
the first word of a sentence (capitalised anyway) a team phrase or place right after them ("Mei op
de winkelvloer"), not anywhere ("Dan maar naar de servicebalie").

A sentence is judged clause by clause: a contrast ("maar", "but", "behalve") starts a new one,
so "Sanne was top, maar Jan niet" praises Sanne only and "Sanne was super, maar Jan was
onbeleefd" still praises Sanne. A sign-off ends the clause ("Met vriendelijke groet, Karin": the
writer, and "vriendelijke" praises nobody there); a name after "Mijn naam is" is the writer's.
A negation before a cue does not count in a comparison that praises ("nog nooit zo goed geholpen",
"couldn't be more helpful", "can't thank Sanne enough"). "Sanne's" is Sanne.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@lru_cache(maxsize=65536)  # comments repeat their words: fold each once
def fold(text: str) -> str:
    """``text`` without diacritics, in lower case (``Chloé`` -> ``chloe``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("’", "'")


@dataclass(frozen=True)
class Vocabulary:
    """The contents of ``names.yaml``, folded: variant groups, team phrases, cues."""

    variants: dict[str, frozenset[str]]
    """Folded name -> every folded name of its groups (itself included)."""
    teams: dict[str, tuple[str, ...]]
    """Folded team name (the last part of a team unit's name) -> folded phrases for it."""
    places: tuple[str, ...]
    praise: tuple[str, ...]
    negations: frozenset[str]
    criticism: tuple[str, ...]
    also_words: frozenset[str]
    direct_cues: tuple[str, ...]
    never_so: frozenset[str] = frozenset()
    """Between "nooit"/"never" and a cue these make a comparison that praises ("nog nooit zo goed")."""
    more: frozenset[str] = frozenset()
    """Between any negation and a cue these praise too ("couldn't be more helpful")."""
    enough: frozenset[str] = frozenset()
    """Right after a negated cue these praise after all ("can't thank Sanne enough")."""
    contrasts: tuple[str, ...] = ()
    """Words that start a new clause, judged on its own ("maar", "but")."""
    contrast_adds: frozenset[str] = frozenset()
    """After a contrast word these add instead ("maar ook", "but also"): no new clause."""
    contrast_keeps: frozenset[str] = frozenset()
    """Before a contrast word these make it no contrast ("nothing but helpful")."""
    sign_offs: tuple[str, ...] = ()
    """Where the writer signs ("Met vriendelijke groet", "Kind regards"): the clause ends there."""
    self_names: tuple[str, ...] = ()
    """A name right after these is the writer's own ("Mijn naam is Sanne")."""

    def forms(self, name: str) -> frozenset[str]:
        """The folded forms a text may use for ``name`` (the name itself first of all)."""
        key = fold(name)
        return self.variants.get(key, frozenset()) | {key}

    def team_phrases(self, team: str) -> tuple[str, ...]:
        """The folded phrases that name the team called ``team`` (e.g. "Servicebalie")."""
        key = fold(team)
        return (key, *self.teams.get(key, ()))


def vocabulary_from(data: dict[str, Any]) -> Vocabulary:
    """A :class:`Vocabulary` from the YAML form of ``names.yaml``."""
    variants: dict[str, set[str]] = {}
    for group in data.get("groups", []):
        folded = {fold(str(name)) for name in group}
        for name in folded:
            variants.setdefault(name, set()).update(folded)
    teams = {fold(str(k)): tuple(fold(str(p)) for p in v) for k, v in (data.get("teams") or {}).items()}
    praise = data.get("praise") or {}
    cues = [fold(str(cue)) for language in praise.values() for cue in language]
    return Vocabulary(
        variants={name: frozenset(group) for name, group in variants.items()},
        teams=teams,
        places=tuple(fold(str(p)) for p in data.get("places", [])),
        praise=tuple(sorted(set(cues), key=len, reverse=True)),
        negations=frozenset(fold(str(n)) for n in data.get("negations", [])),
        criticism=tuple(fold(str(w)) for words in (data.get("criticism") or {}).values() for w in words),
        also_words=frozenset(fold(str(n)) for n in data.get("also_words", [])),
        direct_cues=tuple(fold(str(c)) for c in data.get("direct_cues", [])),
        never_so=frozenset(fold(str(w)) for w in data.get("never_so", [])),
        more=frozenset(fold(str(w)) for w in data.get("more", [])),
        enough=frozenset(fold(str(w)) for w in data.get("enough", [])),
        contrasts=tuple(fold(str(w)) for w in data.get("contrasts", [])),
        contrast_adds=frozenset(fold(str(w)) for w in data.get("contrast_adds", [])),
        contrast_keeps=frozenset(fold(str(w)) for w in data.get("contrast_keeps", [])),
        sign_offs=tuple(fold(str(w)) for w in data.get("sign_offs", [])),
        self_names=tuple(fold(str(w)) for w in data.get("self_names", [])),
    )


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary of the package's ``act/names.yaml``."""
    text = (resources.files("servicechain.act") / "names.yaml").read_text(encoding="utf-8")
    return vocabulary_from(yaml.safe_load(text))


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (after . ! ? and at line breaks), stripped, empty ones left out."""
    return [part.strip() for part in SENTENCE.split(text or "") if part and part.strip()]


def words(sentence: str) -> list[tuple[str, int]]:
    """The words of a sentence with their start offsets (hyphenated names stay one word)."""
    return [(match.group(0), match.start()) for match in WORD.finditer(sentence)]


POSSESSIVE = re.compile(r"['’]s?$")


def name_key(word: str) -> str:
    """The folded form a word is looked up by: a possessive's name ("Sanne's" -> ``sanne``)."""
    key = fold(word)
    if "'" in key:
        key = POSSESSIVE.sub("", key) or key
    return key


def clauses(sentence: str, vocabulary: Vocabulary) -> list[str]:
    """``sentence`` cut at a sign-off ("Met vriendelijke groet, Karin": the writer's name, no praise)
    and split before each contrast ("maar", "but", "however") and at semicolons; a contrast that
    adds ("maar ook", "but also") does not split. Each clause is judged on its own."""
    found = words(sentence)
    folded = [fold(word) for word, _ in found]
    end = len(sentence)
    for phrase in vocabulary.sign_offs:
        for start in _has_phrase(folded, phrase):
            end = min(end, found[start][1])
    cuts = {i for i, char in enumerate(sentence[:end]) if char == ";"}
    for phrase in vocabulary.contrasts:
        size = len(_parts(phrase))
        for start in _has_phrase(folded, phrase):
            after = folded[start + size] if start + size < len(folded) else ""
            before = folded[start - 1] if start > 0 else ""
            if start == 0 or after in vocabulary.contrast_adds or before in vocabulary.contrast_keeps:
                continue
            if found[start][1] < end:
                cuts.add(found[start][1])
    parts, begin = [], 0
    for cut in sorted(cuts):
        parts.append(sentence[begin:cut])
        begin = cut
    parts.append(sentence[begin:end])
    return [part.strip(" ;,") for part in parts if part.strip(" ;,")]


@lru_cache(maxsize=4096)
def _parts(phrase: str) -> list[str]:
    return WORD.findall(phrase)  # type: ignore[no-any-return]


def _has_phrase(folded_words: list[str], phrase: str) -> list[int]:
    """Where the folded ``phrase`` starts as whole words in ``folded_words``."""
    parts = _parts(phrase)
    if not parts or parts[0] not in folded_words:
        return []
    size = len(parts)
    return [i for i in range(len(folded_words) - size + 1) if folded_words[i : i + size] == parts]


@dataclass(frozen=True)
class Sentence:
    """One sentence with what praises in it: cue positions, team phrases, places."""

    text: str
    words: list[tuple[str, int]]
    folded: list[str]
    cues: list[int]
    """Word positions where a (not negated) praise cue starts."""
    teams: frozenset[str]
    """Folded team names whose phrases occur in the sentence."""
    place: bool
    critical: bool
    """The sentence has a word of criticism ("onbeleefd", "rude")."""

    @property
    def praises(self) -> bool:
        """True when the sentence carries a praise cue (not negated) and no criticism."""
        return bool(self.cues) and not self.critical

    def after(self, position: int, phrases: tuple[str, ...]) -> bool:
        """True when one of ``phrases`` ends right before ``position``."""
        for phrase in phrases:
            parts = _parts(phrase)
            if parts and position >= len(parts) and self.folded[position - len(parts) : position] == parts:
                return True
        return False

    def named_directly(self, position: int, vocabulary: Vocabulary) -> bool:
        """True when a direct cue ("Kudos to", "Complimenten voor") ends right before ``position``."""
        return self.after(position, vocabulary.direct_cues)

    def placed(self, position: int, team_names: list[str], vocabulary: Vocabulary) -> bool:
        """True when a team phrase or place starts within three words after ``position`` ("Mei op de
        winkelvloer")."""
        rest = self.folded[position + 1 :]
        phrases = [*vocabulary.places, *(p for team in team_names for p in vocabulary.team_phrases(team))]
        return any(start <= 2 for phrase in phrases for start in _has_phrase(rest, phrase))


def read_sentence(text: str, team_names: list[str], vocabulary: Vocabulary) -> Sentence:
    """Analyse one sentence against the cues of ``vocabulary`` and the phrases of ``team_names``."""
    found = words(text)
    folded = [fold(word) for word, _ in found]
    cues = []
    for cue in vocabulary.praise:
        for start in _has_phrase(folded, cue):
            if not _negated(folded, start, len(_parts(cue)), vocabulary):
                cues.append(start)
    teams = frozenset(
        fold(team)
        for team in team_names
        if any(_has_phrase(folded, phrase) for phrase in vocabulary.team_phrases(team))
    )
    place = any(_has_phrase(folded, phrase) for phrase in vocabulary.places)
    critical = any(_has_phrase(folded, phrase) for phrase in vocabulary.criticism)
    return Sentence(text, found, folded, sorted(set(cues)), teams, place, critical)


def _negated(folded: list[str], start: int, size: int, vocabulary: Vocabulary) -> bool:
    """True when a negation stands in the three words before the cue at ``start`` ("niet zo erg
    vriendelijk"), unless it makes a comparison that praises ("nog nooit zo goed geholpen", "never
    had such friendly help", "couldn't be more helpful", "can't thank Sanne enough")."""
    first = max(0, start - 3)
    for at in range(first, start):
        word = folded[at]
        if word not in vocabulary.negations and not word.endswith("n't"):
            continue
        between = set(folded[at + 1 : start])
        if between & vocabulary.more:
            continue
        if word in ("nooit", "never") and between & vocabulary.never_so:
            continue
        if set(folded[start + size : start + size + 3]) & vocabulary.enough:
            continue
        return True
    return False


@dataclass(frozen=True)
class Mention:
    """A name written in a praising sentence: as written, its folded form, the sentence's teams."""

    name: str
    folded: str
    sentence: str
    teams: frozenset[str]
    """Teams the sentence names (folded); empty: no team named."""


def mentions(
    text: str, known: Container[str], team_names: list[str], vocabulary: Vocabulary
) -> list[Mention]:
    """The praised names of ``text``: capitalised words whose folded form is in ``known`` (the folded
    name forms of the roster), in sentences that praise; one mention per name (its first)."""
    out: dict[str, Mention] = {}
    for part in sentences(text):
        if not any(name_key(word) in known for word, _ in words(part)):
            continue  # cheap: most sentences name nobody
        for number, clause in enumerate(clauses(part, vocabulary)):
            sentence = read_sentence(clause, team_names, vocabulary)
            if not sentence.praises:
                continue
            for position, (word, _offset) in enumerate(sentence.words):
                key = name_key(word)
                if key not in known or not word[0].isupper() or key in out:
                    continue
                if position in sentence.cues:
                    continue  # the word is itself a cue ("Top", "Super"), not a name
                if sentence.after(position, vocabulary.self_names):
                    continue  # the writer's own name ("Mijn naam is Sanne")
                if key in vocabulary.also_words:
                    direct = sentence.named_directly(position, vocabulary)
                    if position == 0 and number == 0:  # capitalised anyway: the first word
                        trusted = direct or sentence.placed(position, team_names, vocabulary)
                    else:
                        trusted = direct or bool(sentence.teams) or sentence.place
                    if not trusted:
                        continue
                out[key] = Mention(POSSESSIVE.sub("", word) or word, key, part, sentence.teams)
    return list(out.values())
