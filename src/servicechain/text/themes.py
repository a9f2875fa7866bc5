"""Themes that stand out: the words and two-word phrases a group (a unit, a region) uses more
or less often than the rest of the company.

Method: the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi & Quinn
(2008, "Fightin' Words: Lexical Feature Selection and Evaluation for Identifying the Content
of Political Conflict", Political Analysis 16(4), 372-403, eq. 16-22). For term ``w``, group
``i`` and the rest of the company ``j`` (all other groups together)::

    delta_w = log((y_wi + a_w) / (n_i + a0 - y_wi - a_w)) - log((y_wj + a_w) / (n_j + a0 - y_wj - a_w))
    var_w  ~= 1 / (y_wi + a_w) + 1 / (y_wj + a_w)
    z_w     = delta_w / sqrt(var_w)

where ``y`` are counts, ``n`` the total counts of a side and ``a_w = a0 * y_w / n`` the prior,
informative because it follows the term's rate in the whole company (all groups). A raw
log-ratio ranks a word said twice in a tiny unit and never elsewhere first; the prior pulls
such rates toward the company's and the z-score divides by the uncertainty, so what stands
out is frequent enough to matter.

Counting (:func:`term_counts`): a text contributes each of its terms once (document
frequency), so one long rant about parking weighs as one review that mentions parking. Terms
are folded (lower case, no diacritics; :func:`servicechain.text.tokens.fold`), Dutch and
English counted together. A unigram is a word of three letters or more, without digits, that
is no stopword (``data/stopwords/nl.txt`` and ``en.txt``, both lists applied to every text).
A bigram is two adjacent words of one sentence, with no punctuation between them, where the
second is such a content word and the first is one too ("lang wachten", "long wait") or a
negation or shortage word ("geen parkeerplek", "not clean", "weinig personeel"; the English
"n't" forms are written "not": "wasn't clean" counts as "not clean"). "door" and "men" are
Dutch function words but English nouns: they are stopwords only in texts that
:func:`servicechain.text.language.detect_language` calls Dutch. No display form is kept: a
term is shown as it is counted, folded ("cafe", "een" for "café", "één").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, pairwise
from typing import TypeVar

import numpy as np
import pandas as pd

from servicechain.text.language import detect_language
from servicechain.text.lexicon import wordset
from servicechain.text.tokens import sentences, tokens

K = TypeVar("K", bound=Hashable)

MIN_GROUP_TERMS = 20
"""A group with fewer term occurrences than this (about three short reviews) gets no themes."""
ABSORB_SHARE = 0.8
"""A listed phrase replaces a listed word of it when it has this share of the word's count in
the group and of its count in the rest: "long wait" makes "long" and "wait" redundant when
nearly every "long" is in "long wait"."""

_DIGIT = re.compile(r"\d")
_AMBIGUOUS = frozenset({"door", "men"})
"""Dutch stopwords that are English content words: stopwords only in Dutch texts."""
_NOT_FORMS = wordset(
    """not don't doesn't didn't isn't aren't wasn't weren't won't wouldn't can't couldn't shouldn't
    haven't hasn't hadn't dont doesnt didnt isnt arent wasnt werent wont wouldnt cant couldnt shouldnt
    havent hasnt hadnt cannot"""
)
_LEADERS: dict[str, str] = {
    "niet": "niet", "geen": "geen", "nooit": "nooit", "zonder": "zonder", "weinig": "weinig",
    "no": "no", "few": "few", "never": "never", "without": "without",
    **dict.fromkeys(_NOT_FORMS, "not"),
}  # fmt: skip
"""First words a bigram may start with although they are stopwords, as they are written."""


@dataclass(frozen=True, slots=True)
class Theme:
    """A term that is over- or under-represented in a group against the rest of the company."""

    term: str
    """Folded word or two-word phrase: "parkeren", "lang wachten"."""
    count: int
    """Occurrences in the group (texts that contain the term, with :func:`term_counts`)."""
    rest_count: int
    """Occurrences in all other groups together."""
    delta: float
    """Log-odds ratio, group vs rest, with the prior: positive is over-represented."""
    z: float
    """``delta`` divided by its approximate standard error."""


def _read_stopwords(name: str) -> frozenset[str]:
    text = resources.files("servicechain.text").joinpath(f"data/stopwords/{name}").read_text("utf-8")
    return frozenset(
        word for line in text.splitlines() if not line.lstrip().startswith("#") for word in line.split()
    )


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The Dutch and English stopwords (``data/stopwords/``), folded."""
    return _read_stopwords("nl.txt") | _read_stopwords("en.txt")


@lru_cache(maxsize=1)
def _english_stopwords() -> frozenset[str]:
    return stopwords() - _AMBIGUOUS


def term_counts(text: str) -> Counter[str]:
    """The unigrams and bigrams of ``text``, each counted once (document frequency).

    Summed over a group's texts, the counts are the number of texts that mention each term:
    the input of :func:`standout_themes`. See the module docstring for what a term is.
    """
    pieces = [tokens(sentence) for sentence in sentences(text)]
    stop = stopwords()
    if any(tok in _AMBIGUOUS for piece in pieces for tok in piece) and detect_language(text) == "en":
        stop = _english_stopwords()
    terms: set[str] = set()
    for piece in pieces:
        previous: str | None = None
        for tok in piece:
            if len(tok) > 2 and tok not in stop and not _DIGIT.search(tok):
                terms.add(tok)
                if previous is not None:
                    terms.add(f"{previous} {tok}")
                previous = tok
            else:
                previous = _LEADERS.get(tok)
    return Counter(terms)


def default_prior(group_totals: np.ndarray) -> float:
    """``a0`` when none is given: the mean total of the groups that get themes (at least 1).

    Monroe et al. take the counts of a large background corpus as the prior, which makes ``a0``
    far larger than any group. Here the background is the company itself, and with hundreds
    of units a prior the size of the company would outweigh each unit's own counts hundreds
    of times over: nothing would stand out. A prior worth one average group weighs a group of
    average size equally with the company's rates; smaller groups are pulled toward the
    company more, larger ones less. For a group of ``n_i`` terms the z-scores of terms with no
    real difference then spread about ``sqrt(n_i / (n_i + a0))`` as wide as a standard normal
    (0.71 for an average group), which keeps the chance findings of many terms and groups
    tested at once few at the usual ``z_min`` of 1.96: on the generated corpus of the tests
    (27 units without planted differences, 76 terms tested per unit) 0.69 per unit, where a
    standard normal z would give 3.7; half the units get none. What remains are mostly words
    just above ``min_count``: for rare words ``a_w`` is small and shrinks little.

    The price is on the under-represented side: a group that never uses a word still has
    ``a_w`` pseudo-counts of it, so its rate is estimated at no less than
    ``a0 / (n_i + a0)`` (half, for an average group) of the company's, and the absence of a
    word stands out (z <= -1.96) only when about 8 or more mentions were expected. A
    stronger prior (``a0`` = twice the mean) would cut chance findings by about a quarter but need
    about 12.
    """
    return max(1.0, float(group_totals.mean())) if group_totals.size else 1.0


def standout_themes(
    groups: Mapping[K, Counter[str]],
    *,
    top: int = 8,
    min_count: int = 3,
    z_min: float = 1.96,
    prior: float | None = None,
    min_terms: int = MIN_GROUP_TERMS,
    absorb: bool = True,
) -> dict[K, tuple[list[Theme], list[Theme]]]:
    """For every group: (over-represented, under-represented) terms against the rest of all
    groups, by the log-odds ratio with informative Dirichlet prior of Monroe et al. (2008,
    Political Analysis 16(4), eq. 16-22; see the module docstring).

    ``groups`` maps a group to its term counts (the sum of :func:`term_counts` of its texts).
    The prior is ``a_w = a0 * y_w / n`` with ``y_w`` the term's count and ``n`` the total in
    all groups; ``a0`` is ``prior``, or :func:`default_prior`. A term is listed as
    over-represented when ``z >= z_min`` and the group has it at least ``min_count`` times,
    as under-represented when ``z <= -z_min`` and its expected count at the company-wide rate
    (``n_i * y_w / n``) is at least ``min_count``; terms used fewer than ``min_count`` times
    in all are never listed. Each list is sorted by ``|z|`` (largest first) and holds at most
    ``top`` terms. A group with fewer than ``max(min_terms, min_count)`` term occurrences, or
    the only group with any, gets two empty lists. With ``absorb`` a word is left out of a list
    that also holds a phrase with it covering at least ``ABSORB_SHARE`` of the word's count in
    the group and in the rest ("wachten" next to "lang wachten" when nearly every "wachten" is a
    long one); the phrase says the same and more.

    Vectorised over the non-zero counts and the under-representation candidates (at most
    ``n_i / min_count`` per group), so the work grows with the data, not with groups x vocabulary:
    500 groups with 930,000 non-zero counts of 267,000 distinct terms take about 0.4 s, most of
    it hashing the terms (``bench/bench_themes.py``).
    """
    if prior is not None and not prior > 0:
        raise ValueError(f"prior must be positive, got {prior}")
    keys = list(groups)
    result: dict[K, tuple[list[Theme], list[Theme]]] = {key: ([], []) for key in keys}
    counters = [groups[key] for key in keys]
    sizes = np.fromiter((len(c) for c in counters), dtype=np.int64, count=len(counters))
    cells = int(sizes.sum())
    if cells == 0 or top <= 0:
        return result

    # Sparse cells: group row, term code, count.
    every_term = np.empty(cells, dtype=object)
    every_term[:] = list(chain.from_iterable(counters))
    codes, uniques = pd.factorize(every_term)  # codes in order of first appearance
    counts = np.fromiter(chain.from_iterable(c.values() for c in counters), np.float64, cells)
    rows = np.repeat(np.arange(len(keys), dtype=np.int64), sizes)
    positive = counts > 0
    codes, counts, rows = codes[positive], counts[positive], rows[positive]
    vocab = len(uniques)
    n_i = np.bincount(rows, weights=counts, minlength=len(keys))
    y_w = np.bincount(codes, weights=counts, minlength=vocab)
    n = float(n_i.sum())
    eligible = (n_i >= max(min_terms, min_count, 1)) & (n - n_i > 0)
    if not eligible.any():
        return result
    a0 = float(prior) if prior is not None else default_prior(n_i[eligible])
    alpha = a0 * y_w / n

    # Over-represented candidates: the group has the term at least min_count times.
    over = (counts >= min_count) & eligible[rows]
    over_rows, over_codes, over_y = rows[over], codes[over], counts[over]

    # Under-represented candidates: expected count n_i * y_w / n >= min_count, i.e. the terms
    # with y_w >= min_count * n / n_i: a prefix of the terms by descending y_w.
    order = np.argsort(-y_w, kind="stable")
    ascending = y_w[order][::-1]
    need = min_count * n / np.where(eligible, n_i, n)  # >= min_count, as n_i <= n
    lengths = np.where(eligible, vocab - np.searchsorted(ascending, need, side="left"), 0)
    total = int(lengths.sum())
    under_rows = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    under_codes = order[np.arange(total, dtype=np.int64) - starts]
    keyed = rows * vocab + codes
    sorter = np.argsort(keyed, kind="stable")
    wanted = under_rows * vocab + under_codes
    at = np.searchsorted(keyed, wanted, sorter=sorter)
    at = np.minimum(at, keyed.size - 1)
    found = keyed[sorter[at]] == wanted
    under_y = np.where(found, counts[sorter[at]], 0.0)

    g = np.concatenate([over_rows, under_rows])
    w = np.concatenate([over_codes, under_codes])
    y_i = np.concatenate([over_y, under_y])
    side = np.concatenate([np.zeros(over_y.size, np.int8), np.ones(under_y.size, np.int8)])
    y_j = y_w[w] - y_i
    ni = n_i[g]
    nj = n - ni
    a = alpha[w]
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((y_i + a) / (ni + a0 - y_i - a)) - np.log((y_j + a) / (nj + a0 - y_j - a))
        z = delta / np.sqrt(1.0 / (y_i + a) + 1.0 / (y_j + a))
    keep = np.isfinite(z) & np.where(side == 0, z >= z_min, z <= -z_min)
    if not keep.any():
        return result
    g, w, y_i, y_j, delta, z, side = (column[keep] for column in (g, w, y_i, y_j, delta, z, side))

    # At most `top` per group and side, by |z| descending, ties alphabetically.
    terms = uniques
    present = np.unique(w)
    alphabetical = np.empty(vocab, np.int64)
    alphabetical[present[np.argsort(np.array([terms[c] for c in present.tolist()], dtype=object))]] = (
        np.arange(present.size)
    )
    ranked = np.lexsort((alphabetical[w], -np.abs(z), side, g))
    g, w, y_i, y_j, delta, z, side = (column[ranked] for column in (g, w, y_i, y_j, delta, z, side))
    block = g * 2 + side
    bounds = np.flatnonzero(np.r_[True, block[1:] != block[:-1], True]).tolist()
    for begin, end in pairwise(bounds):
        names: list[str] = [terms[c] for c in w[begin:end].tolist()]
        dropped = _absorbed(names, y_i[begin:end], y_j[begin:end]) if absorb else set()
        chosen = [k for k in range(end - begin) if k not in dropped][:top]
        listed = result[keys[int(g[begin])]][int(side[begin])]
        for k in chosen:
            at = begin + k
            listed.append(Theme(names[k], int(y_i[at]), int(y_j[at]), float(delta[at]), float(z[at])))
    return result


def _absorbed(names: list[str], count: np.ndarray, rest: np.ndarray) -> set[int]:
    """Positions of the words in ``names`` that a phrase in ``names`` absorbs: one that holds the
    word and has at least ``ABSORB_SHARE`` of its count in the group and of its rest count."""
    phrases: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        if " " in name:
            for part in name.split(" "):
                phrases.setdefault(part, []).append(k)
    return {
        k
        for k, name in enumerate(names)
        if any(
            count[b] >= ABSORB_SHARE * count[k] and rest[b] >= ABSORB_SHARE * rest[k]
            for b in phrases.get(name, ())
        )
    }
