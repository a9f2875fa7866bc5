"""Re-runnable evaluation of language detection and sentiment methods on labelled texts.

Three labelled sources:

* ``data/labelled_reviews.csv``: 180 short review and comment sentences (90 Dutch, 90
  English, parallel in content but not word for word), written for this purpose, with
  1..5 stars; they include negation, intensifiers, dampeners and mixed sentences. The
  English word list and the Dutch supplement were written alongside them, so figures on
  this set are in-sample for vocabulary and optimistic.
* ``data/heldout_reviews.csv``: 60 further sentences (30 per language) on other topics
  (hairdresser, delivery, repairs, workplace), written after the word lists and used to
  check, not to tune them (looked at twice: before and after removing function words from
  the Dutch lexicon).
* the demo generator's reviews (:func:`servicechain.demo.generate.generate_demo`), whose
  rating (on 5 or 10, divided by its maximum) is drawn from the location's latent
  satisfaction and whose text is picked by the rating's tone; their texts come from a
  small template pool, so they test calibration on demo-like texts rather than breadth.

Run ``python -m servicechain.text.evaluate`` for the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import pandas as pd
from scipy import stats

from servicechain.text.language import detect_language
from servicechain.text.sentiment import sentiment

Scorer = Callable[[str, str], float]


@dataclass(frozen=True)
class Row:
    """One line of the comparison: a method on one language of one data set."""

    dataset: str
    language: str
    method: str
    n: int
    spearman: float
    pearson: float


def labelled_reviews() -> pd.DataFrame:
    """The hand-written labelled set: columns ``language``, ``stars`` (1..5), ``text``, ``label`` (stars)."""
    ref = resources.files("servicechain.text").joinpath("data/labelled_reviews.csv")
    with ref.open(encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    frame["label"] = frame["stars"].astype(float)
    return frame


def heldout_reviews() -> pd.DataFrame:
    """The held-out labelled set, same columns as :func:`labelled_reviews`."""
    ref = resources.files("servicechain.text").joinpath("data/heldout_reviews.csv")
    with ref.open(encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    frame["label"] = frame["stars"].astype(float)
    return frame


def demo_reviews(units: int = 6, periods: int = 2, reviews_per_location: float = 30.0) -> pd.DataFrame:
    """Reviews of a small demo organisation: ``language``, ``text``, ``label`` (rating / rating_max)."""
    from servicechain.demo.generate import DemoConfig, generate_demo

    data = generate_demo(DemoConfig(units=units, periods=periods, reviews_per_location=reviews_per_location))
    reviews = data.tables["reviews"]
    frame = reviews.loc[reviews["text"].notna(), ["language", "text"]].copy()
    frame["label"] = (reviews["rating"].astype(float) / reviews["rating_max"].astype(float)).loc[frame.index]
    return frame.reset_index(drop=True)


def demo_templates() -> pd.DataFrame:
    """Every comment and review template of the demo generator with its language (116 texts,
    many of one to four words): a harder test of language detection than whole reviews."""
    from servicechain.demo import texts

    rows = [
        (key[-1], text)
        for table in (
            texts.EMPLOYEE_COMMENTS,
            texts.CUSTOMER_COMMENTS,
            texts.TOUCHPOINT_COMMENTS,
            texts.REVIEW_OPENINGS,
            texts.REVIEW_REMARKS,
        )
        for key, group in table.items()
        for text in group
    ]
    return pd.DataFrame(rows, columns=["language", "text"])


def _vader() -> Scorer | None:
    """VADER's own English scorer (Hutto & Gilbert 2014) when ``vaderSentiment`` is installed."""
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return lambda text, _language: float(analyzer.polarity_scores(text)["compound"])


def methods() -> dict[str, Scorer]:
    """The methods compared: ``average`` (plain lexicon mean), ``rules`` (default), and
    ``vader`` (English only) when the optional ``vaderSentiment`` package is present."""
    found: dict[str, Scorer] = {
        "average": lambda text, language: sentiment(text, language, "average"),  # type: ignore[arg-type]
        "rules": lambda text, language: sentiment(text, language, "rules"),  # type: ignore[arg-type]
    }
    vader = _vader()
    if vader is not None:
        found["vader"] = vader
    return found


def compare(datasets: dict[str, pd.DataFrame] | None = None) -> list[Row]:
    """Spearman and Pearson correlation of each method's score with the labels, per data set
    and language (the true language is passed to the scorer; detection is measured apart)."""
    if datasets is None:
        datasets = {"labelled": labelled_reviews(), "heldout": heldout_reviews(), "demo": demo_reviews()}
    rows: list[Row] = []
    for name, frame in datasets.items():
        for language, part in frame.groupby("language", sort=True):
            for method, scorer in methods().items():
                if method == "vader" and language != "en":
                    continue
                scores = [scorer(t, str(language)) for t in part["text"]]
                labels = part["label"].to_list()
                rho = float(stats.spearmanr(scores, labels).statistic)
                r = float(stats.pearsonr(scores, labels).statistic)
                rows.append(Row(name, str(language), method, len(part), rho, r))
    return rows


def language_accuracy(frame: pd.DataFrame) -> float:
    """Share of texts whose detected language equals the ``language`` column."""
    detected = [detect_language(t) for t in frame["text"]]
    return float((pd.Series(detected, index=frame.index) == frame["language"]).mean())


def throughput(texts: list[str], repeat: int = 20) -> float:
    """Texts per second of the default method, language detection included, one process."""
    batch = texts * repeat
    start = time.perf_counter()
    for text in batch:
        sentiment(text)
    return len(batch) / (time.perf_counter() - start)


def report() -> str:
    """The comparison table, language-detection accuracy and throughput as Markdown."""
    labelled, heldout, demo = labelled_reviews(), heldout_reviews(), demo_reviews()
    lines = ["| data | language | method | n | Spearman | Pearson |", "|---|---|---|---|---|---|"]
    for row in compare({"labelled": labelled, "heldout": heldout, "demo": demo}):
        figures = f"{row.n} | {row.spearman:.3f} | {row.pearson:.3f}"
        lines.append(f"| {row.dataset} | {row.language} | {row.method} | {figures} |")
    lines.append("")
    accuracy = ", ".join(
        f"{name} {language_accuracy(frame):.3f} (n={len(frame)})"
        for name, frame in (
            ("labelled", labelled),
            ("heldout", heldout),
            ("demo reviews", demo),
            ("demo templates", demo_templates()),
        )
    )
    lines.append(f"language detection accuracy: {accuracy}")
    for name, texts in (("demo reviews", demo["text"].to_list()), ("labelled", labelled["text"].to_list())):
        lines.append(f"throughput on {name} (rules, detection included): {throughput(texts):,.0f} texts/s")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(report())
