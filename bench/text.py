"""Text analytics throughput: sentiment, aspects and terms per text, and the snapshot's text document.

    python bench/text.py [--texts 20000]

The texts are the demo's reviews and comments (Dutch and English), each made unique by a
trailing number so no cache helps. Baseline: sentence-level sentiment alone
(:func:`servicechain.text.sentiment.score_text`, language detection included). Then, in the same
process: aspects with their sentiment (:func:`servicechain.text.aspects.find_aspects`, which
includes the sentiment), the unigram and bigram counts of the themes
(:func:`servicechain.text.themes.term_counts`), and the whole ``text`` document of a refresh on
a DuckDB store with the default demo (reading, scoring, rolling up, privacy, themes, quotes,
employer barometer). Printed: texts per second and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from servicechain.analysis.text_sources import read_texts
from servicechain.analysis.text_summary import text_document
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import open_store
from servicechain.text.aspects import find_aspects
from servicechain.text.sentiment import score_text
from servicechain.text.themes import term_counts


def rate(
    label: str, texts: list[tuple[str, str]], work: Callable[[str, str], object], base: float | None
) -> float:
    started = time.perf_counter()
    for text, audience in texts:
        work(text, audience)
    per_second = len(texts) / (time.perf_counter() - started)
    ratio = f"{per_second / base:5.2f}x baseline" if base else "baseline"
    print(f"{label:<44} {per_second:>10,.0f} texts/s   {ratio}")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"duckdb:///{Path(folder) / 'text.duckdb'}")
        load_demo(store)
        stored = read_texts(store)
        pool = [
            (f"{text} ({i})", "customer" if group == "customer" else "employee")
            for i, (text, group) in enumerate(zip(stored["text"], stored["group"], strict=True))
        ]
        texts = (pool * (args.texts // len(pool) + 1))[: args.texts]
        print(f"{len(texts):,} texts from the demo ({len(pool):,} distinct), one process")
        base = rate("sentiment only (score_text)", texts, lambda t, _a: score_text(t), None)
        rate("aspects with their sentiment (find_aspects)", texts, lambda t, a: find_aspects(t, a), base)  # type: ignore[arg-type]
        rate("theme terms (term_counts)", texts, lambda t, _a: term_counts(t), base)
        settings = Settings(database_url=store.url, secret_key="x" * 40)
        started = time.perf_counter()
        text_document(store, settings)
        seconds = time.perf_counter() - started
        print(f"{'text document of a refresh (demo store)':<44} {len(pool) / seconds:>10,.0f} texts/s   "
              f"{seconds:.2f} s for {len(pool):,} texts")  # fmt: skip
        store.dispose()


if __name__ == "__main__":
    main()
