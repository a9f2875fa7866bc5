"""Themes that stand out (:mod:`servicechain.text.themes`) at 500 units x 200 texts.

    python bench/bench_themes.py [--groups 500] [--texts 200] [--seed 2026]

The texts are generated: 8..30 words in one to three sentences, about 40% of them Dutch or
English stopwords and the rest drawn from 12,000 made-up content words with Zipf frequencies
(exponent 1.1, as in natural text), so the company has tens of thousands of distinct
unigrams and bigrams and most of them are rare, like real reviews. Each unit also gets a few
words of its own at a raised rate, so there is something to find.

In this process, each after one warm-up run, best of 3:

- counting: :func:`term_counts` of every text, against the baseline
  :func:`servicechain.text.tokens.words` of every text (folding and splitting alone, the
  least any term counting must do);
- themes: :func:`standout_themes` of the units' summed counts, against two baselines: the
  floor, adding every unit's counts into one company :class:`~collections.Counter` (touching
  each count once in Python), and the plain per-unit, per-term loop of the formula (the
  reference of the tests), timed on 10 units and scaled to all.

Printed: seconds and the ratios to the baselines.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from servicechain.text.themes import default_prior, standout_themes, stopwords, term_counts
from servicechain.text.tokens import words

REPEAT = 3
SYLLABLES = [c + v for c in "bdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "aa", "ee", "oe", "ij")]


def best_of(action: Callable[[], Any], repeat: int = REPEAT) -> tuple[Any, float]:
    """(last result, fastest wall seconds of ``repeat`` runs after one warm-up)."""
    action()
    best, result = math.inf, None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return result, best


def corpus(groups: int, texts: int, seed: int) -> list[list[str]]:
    """``groups`` lists of ``texts`` generated review texts (see the module docstring)."""
    rng = np.random.default_rng(seed)
    vocabulary: list[str] = []
    seen: set[str] = set(stopwords())
    while len(vocabulary) < 12_000:
        word = "".join(rng.choice(SYLLABLES, size=rng.integers(2, 4)))
        if word not in seen:
            seen.add(word)
            vocabulary.append(word)
    weights = 1.0 / np.arange(1, len(vocabulary) + 1) ** 1.1
    weights /= weights.sum()
    stop = sorted(stopwords())
    out = []
    for _ in range(groups):
        own = rng.choice(len(vocabulary), size=3, replace=False)
        tilted = weights.copy()
        tilted[own] += 0.004
        tilted /= tilted.sum()
        lengths = rng.integers(8, 31, size=texts)
        content = rng.choice(len(vocabulary), size=int(lengths.sum()), p=tilted)
        is_stop = rng.random(content.size) < 0.4
        stops = rng.integers(0, len(stop), size=content.size)
        drawn = [stop[s] if st else vocabulary[c] for c, st, s in zip(content, is_stop, stops, strict=True)]
        unit, at = [], 0
        for length in lengths.tolist():
            tokens = drawn[at : at + length]
            at += length
            for cut in rng.choice(np.arange(3, length), size=int(rng.integers(0, 3)), replace=False).tolist():
                tokens[cut - 1] += "."
            unit.append(" ".join(tokens).capitalize() + ".")
        out.append(unit)
    return out


def plain_loop(groups: dict[int, Counter[str]], some: list[int]) -> int:
    """The formula term by term for the units ``some`` (the tests' reference, no selection)."""
    total: Counter[str] = Counter()
    for counts in groups.values():
        total.update(counts)
    n = sum(total.values())
    a0 = default_prior(np.array([sum(c.values()) for c in groups.values()], dtype=float))
    found = 0
    for group in some:
        counts = groups[group]
        n_i = sum(counts.values())
        for term, y_w in total.items():
            y_i = counts.get(term, 0)
            a_w = a0 * y_w / n
            delta = math.log((y_i + a_w) / (n_i + a0 - y_i - a_w)) - math.log(
                (y_w - y_i + a_w) / (n - n_i + a0 - y_w + y_i - a_w)
            )
            z = delta / math.sqrt(1 / (y_i + a_w) + 1 / (y_w - y_i + a_w))
            found += abs(z) >= 1.96
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    started = time.perf_counter()
    texts = corpus(args.groups, args.texts, args.seed)
    flat = [text for unit in texts for text in unit]
    made = time.perf_counter() - started
    print(f"{len(flat):,} generated texts in {args.groups} units ({made:.1f} s to make)")

    _, base = best_of(lambda: [words(text) for text in flat])
    _, seconds = best_of(lambda: [term_counts(text) for text in flat])
    print(f"{'counting':<10} {'words() of every text (baseline)':<48} {base:8.3f} s")
    print(f"{'':<10} {'term_counts() of every text':<48} {seconds:8.3f} s  {seconds / base:6.2f}x baseline")

    groups: dict[int, Counter[str]] = {}
    for g, unit in enumerate(texts):
        counts: Counter[str] = Counter()
        for text in unit:
            counts.update(term_counts(text))
        groups[g] = counts
    cells = sum(len(c) for c in groups.values())

    def floor() -> Counter[str]:
        company: Counter[str] = Counter()
        for counts in groups.values():
            company.update(counts)
        return company

    company, floor_s = best_of(floor)
    result, themes_s = best_of(lambda: standout_themes(groups))
    some = list(range(min(10, len(groups))))
    _, loop_s = best_of(lambda: plain_loop(groups, some), repeat=1)
    loop_all = loop_s * len(groups) / len(some)
    listed = sum(len(o) + len(u) for o, u in result.values())
    print(
        f"themes     {len(groups)} units, {len(company):,} distinct terms, {cells:,} non-zero unit x term "
        f"counts, {sum(company.values()):,} occurrences"
    )
    print(f"{'':<10} {'company Counter of all counts (floor)':<48} {floor_s:8.3f} s")
    print(
        f"{'':<10} {'standout_themes()':<48} {themes_s:8.3f} s  {themes_s / floor_s:6.2f}x floor, "
        f"{loop_all / themes_s:,.0f}x faster than the loop"
    )
    print(f"{'':<10} {'plain loop, 10 units scaled to all':<48} {loop_all:8.3f} s")
    print(f"{'':<10} {listed:,} themes listed ({listed / len(groups):.1f} per unit)")


if __name__ == "__main__":
    main()
