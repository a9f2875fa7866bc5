"""Every stored text, read once per refresh and scored: sentiment and aspect mentions.

Sources, and the *group* whose aspects and privacy rules apply:

* ``review`` (online reviews), ``customer`` (relationship survey comments), ``touchpoint``
  (micro-survey comments): group ``customer``, customer aspects.
* ``employee`` (engagement survey comments, closed waves only, in the wave's period): group
  ``employee``, employee aspects, the comment threshold of :mod:`servicechain.analysis.anonymity`.
* ``employer_pros`` and ``employer_cons`` (the two texts of an employer review): group
  ``employer``, employee aspects; public posts, quoted only where enough of them exist.

Texts in a language other than Dutch or English (a ``language`` column saying "de") are not
scored; texts without a date cannot be placed in a period and are left out too.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from servicechain.store import schema
from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store
from servicechain.text.aspects import Audience, Taxonomy, TextAspects, find_aspects

GROUPS = ("customer", "employee", "employer")
AUDIENCE: dict[str, Audience] = {"customer": "customer", "employee": "employee", "employer": "employee"}
OPINION = 0.05
"""A text scoring above this is positive, below minus this negative (VADER's 0.05 convention)."""
TEXT_COLUMNS = ["source", "source_id", "unit_id", "period", "moment", "language", "text", "group"]


def _quarter(moment: pd.Series) -> pd.Series:
    when = pd.to_datetime(moment)
    return when.dt.year.astype("Int64").astype(str) + "-Q" + when.dt.quarter.astype("Int64").astype(str)


def _customer_side(connection: sa.Connection) -> list[pd.DataFrame]:
    frames = []
    for source, table, moment, text in (
        ("review", schema.review, schema.review.c.posted_at, schema.review.c.text),
        ("customer", schema.customer_response, schema.customer_response.c.submitted_at,
         schema.customer_response.c.comment),
        ("touchpoint", schema.touchpoint_response, schema.touchpoint_response.c.occurred_at,
         schema.touchpoint_response.c.comment),
    ):  # fmt: skip
        language = table.c.language if source == "review" else sa.null()
        query = sa.select(
            table.c.id.label("source_id"), table.c.unit_id, moment.label("moment"),
            language.label("language"), text.label("text"),
        ).where(text.is_not(None), text != "", moment.is_not(None))  # fmt: skip
        frame = read_frame(connection, query)
        frame["period"] = _quarter(frame["moment"]) if len(frame) else pd.Series(dtype=str)
        frames.append(frame.assign(source=source, group="customer"))
    return frames


def _employee_side(connection: sa.Connection) -> list[pd.DataFrame]:
    response, wave = schema.employee_response, schema.survey_wave
    query = (
        sa.select(response.c.id.label("source_id"), response.c.unit_id,
                  response.c.submitted_on.label("moment"), sa.null().label("language"),
                  response.c.comment.label("text"), wave.c.period)
        .join(wave, wave.c.id == response.c.wave_id)
        .where(response.c.comment.is_not(None), response.c.comment != "", wave.c.status != "open",
               wave.c.period.is_not(None))
    )  # fmt: skip
    frames = [read_frame(connection, query).assign(source="employee", group="employee")]
    employer = getattr(schema, "employer_review", None)
    if employer is not None:
        for part in ("pros", "cons"):
            column = employer.c[part]
            query = sa.select(
                employer.c.id.label("source_id"), employer.c.unit_id, employer.c.posted_at.label("moment"),
                employer.c.language, column.label("text"),
            ).where(column.is_not(None), column != "", employer.c.posted_at.is_not(None))  # fmt: skip
            frame = read_frame(connection, query)
            frame["period"] = _quarter(frame["moment"]) if len(frame) else pd.Series(dtype=str)
            frames.append(frame.assign(source=f"employer_{part}", group="employer"))
    return frames


def read_texts(store: Store) -> pd.DataFrame:
    """Every dated text in Dutch, English or an unknown language: ``TEXT_COLUMNS``."""
    with store.engine.connect() as connection:
        frames = [f for f in _customer_side(connection) + _employee_side(connection) if len(f)]
    if not frames:
        return pd.DataFrame(columns=TEXT_COLUMNS)
    texts = pd.concat(frames, ignore_index=True)[TEXT_COLUMNS]
    texts["language"] = texts["language"].astype(object).where(texts["language"].notna(), None)
    known = texts["language"].isna() | texts["language"].isin(["nl", "en"])
    texts = texts.loc[known].reset_index(drop=True)
    texts["moment"] = pd.to_datetime(texts["moment"])
    texts["unit_id"] = texts["unit_id"].astype("int64")
    texts["source_id"] = texts["source_id"].astype("int64")
    return texts


@dataclass
class ScoredTexts:
    """The texts with their language, score and whether they hold an opinion, and their mentions
    (``text`` = row of ``texts``, ``aspect``, ``score``: one row per aspect per text, the mean of
    its sentences' scores, NaN when no sentence gave an opinion)."""

    texts: pd.DataFrame
    mentions: pd.DataFrame


def score_texts(texts: pd.DataFrame, taxonomy: Taxonomy) -> ScoredTexts:
    """Score every text once (repeated texts are scored once): language, sentiment, aspects."""
    cache: dict[tuple[str, str, str | None], TextAspects] = {}
    languages, scores, opinions = [], [], []
    rows: list[tuple[int, str, float]] = []
    for index, (text, group, language) in enumerate(
        zip(texts["text"], texts["group"], texts["language"], strict=True)
    ):
        key = (text, group, language)
        found = cache.get(key)
        if found is None:
            found = find_aspects(text, AUDIENCE[group], language, taxonomy)
            cache[key] = found
        languages.append(found.language)
        scores.append(found.score)
        opinions.append(found.score != 0.0)
        per_aspect: dict[str, list[float]] = {}
        for mention in found.mentions:
            bucket = per_aspect.setdefault(mention.aspect, [])
            if mention.score is not None:
                bucket.append(mention.score)
        for aspect, values in per_aspect.items():
            rows.append((index, aspect, sum(values) / len(values) if values else float("nan")))
    scored = texts.assign(language=languages, score=scores, opinion=opinions)
    mentions = pd.DataFrame(rows, columns=["text", "aspect", "score"])
    return ScoredTexts(scored, mentions)
