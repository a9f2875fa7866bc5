"""What people write, per unit and period: sentiment, aspects, standout themes and quotes.

Built once per refresh from :mod:`servicechain.analysis.text_sources` and stored in the snapshot
as the document ``text`` (:func:`text_document`). Per unit (its whole subtree), period and group
(customer, employee, employer):

* ``summary``: texts, the mean sentiment of the texts with an opinion with its t-interval, and
  the shares of positive and negative texts;
* ``aspects``: per aspect, the texts mentioning it and their share of all texts (Wilson
  interval), and the mean sentiment of the mentions with an opinion (t-interval). A unit is
  flagged ``above``/``below`` the company only when its interval leaves out the company's value,
  and not at all below ``MIN_MENTIONS`` (``few``): the scorecards' small-n honesty.
* ``themes``: per unit of every level below the top, the words and two-word phrases it uses more
  or less than the rest of the company (:func:`servicechain.text.themes.standout_themes`).
* ``quotes``: up to three positive and three negative texts per unit and group.

Periods are quarters; customer and employer texts also get the window ``recent`` (the newest
four quarters), since a store gets a few dozen texts a quarter. Employee comments stay per
quarter (a window overlapping the quarters would let one subtract a hidden quarter).

Privacy. Employee comments are shown for a unit and period only when the unit's subtree had at
least ``comment_threshold`` respondents (10 by default, never less than the period's anonymity
threshold) and no subtraction between reportable units isolates fewer
(:class:`servicechain.analysis.anonymity.OrgTree`); otherwise nothing is shown: no counts, no
aspects, no themes, no quotes. Employer reviews are public posts: their numbers are shown, but
they are quoted only where a unit has ``comment_threshold`` of them in the window.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.analysis.anonymity import OrgTree
from servicechain.analysis.employer_barometer import barometer
from servicechain.analysis.scorecard import employee_thresholds
from servicechain.analysis.text_sources import GROUPS, OPINION, ScoredTexts, read_texts, score_texts
from servicechain.analysis.units import parents, read_units
from servicechain.settings import Settings
from servicechain.stats import describe, wilson_interval
from servicechain.store import schema
from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store
from servicechain.text.aspects import load_taxonomy
from servicechain.text.themes import standout_themes, term_counts

RECENT = "recent"
RECENT_QUARTERS = 4
MIN_MENTIONS = 5
"""Below this many texts (or mentions) no flag is given: the interval is too wide to judge."""
QUOTES = 3
QUOTE_LENGTH = 280
MIN_THEME_TEXTS = 20
"""A unit needs this many texts in the window before its themes are computed."""


def ancestor_pairs(units: pd.DataFrame) -> pd.DataFrame:
    """``unit_id, ancestor_id`` for every unit and each unit above it (itself included)."""
    steps = units[["unit_id", "path"]].assign(ancestor_id=units["path"].str.strip("/").str.split("/"))
    pairs = steps.explode("ancestor_id")[["unit_id", "ancestor_id"]]
    return pairs.astype({"unit_id": "int64", "ancestor_id": "int64"}).reset_index(drop=True)


def _windowed(texts: pd.DataFrame, recent: list[str]) -> pd.DataFrame:
    """The texts with their quarter, plus a copy of the newest quarters' customer and employer texts
    in the window ``recent``."""
    texts = texts.assign(row=np.arange(len(texts)))
    window = texts.loc[texts["period"].isin(recent) & (texts["group"] != "employee")]
    return pd.concat([texts, window.assign(period=RECENT)], ignore_index=True)


def _flag(low: pd.Series, high: pd.Series, company: pd.Series, enough: pd.Series) -> pd.Series:
    flag = np.select([low > company, high < company], ["above", "below"], "within")
    out = pd.Series(flag, index=low.index, dtype=object)
    out[~enough.to_numpy() | low.isna().to_numpy() | company.isna().to_numpy()] = None
    return out


def _stats(frame: pd.DataFrame, keys: list[str], n_col: str, value: str) -> pd.DataFrame:
    """Per ``keys``: ``n`` values of ``value`` (non-missing), mean and t-interval."""
    valued = frame.dropna(subset=[value]).assign(sq=lambda f: f[value] ** 2)
    sums = valued.groupby(keys, sort=False).agg(
        n=(value, "size"), total=(value, "sum"), total_sq=("sq", "sum")
    )
    out = describe(sums["n"].astype(float), sums["total"], sums["total_sq"])[["mean", "ci_low", "ci_high"]]
    return out.assign(n=sums["n"].astype("int64")).rename(columns={"n": n_col})


def _company(table: pd.DataFrame, roots: set[int], keys: list[str], columns: list[str]) -> pd.DataFrame:
    top = table.loc[table["unit_id"].isin(roots), keys + columns]
    return top.groupby(keys, as_index=False).first().rename(columns={c: f"company_{c}" for c in columns})


class _Privacy:
    """Which (unit, period) may show employee comments."""

    def __init__(self, store: Store, settings: Settings, units: pd.DataFrame, pairs: pd.DataFrame) -> None:
        response, wave = schema.employee_response, schema.survey_wave
        query = (
            sa.select(response.c.unit_id, wave.c.period, sa.func.count().label("n"))
            .join(wave, wave.c.id == response.c.wave_id)
            .where(wave.c.status != "open", wave.c.period.is_not(None))
            .group_by(response.c.unit_id, wave.c.period)
        )
        with store.engine.connect() as connection:
            counts = read_frame(connection, query)
        thresholds = employee_thresholds(store, settings)
        tree = OrgTree(parents(units))
        self.reasons: dict[tuple[int, str], str | None] = {}
        self.respondents: dict[tuple[int, str], int] = {}
        if counts.empty:
            return
        counts["unit_id"] = counts["unit_id"].astype("int64")
        rolled = counts.merge(pairs, on="unit_id").groupby(["ancestor_id", "period"])["n"].sum()
        for period, per_unit in rolled.groupby(level="period"):
            n = per_unit.droplevel("period").reindex(tree.index, fill_value=0).to_numpy(dtype="int64")
            limit = max(settings.comment_threshold, thresholds.get(str(period), settings.anonymity_threshold))
            codes = tree.reason_codes(n, limit)
            for unit, count, code in zip(tree.index, n, codes, strict=True):
                if count:
                    self.respondents[(int(unit), str(period))] = int(count)
                    self.reasons[(int(unit), str(period))] = (
                        None if code == 0 else ("too_few" if code == 2 else "subtraction")
                    )

    def allowed(self, unit: int, period: str) -> bool:
        """Whether the unit's employee comments of ``period`` may be shown."""
        return (unit, period) in self.reasons and self.reasons[(unit, period)] is None

    def reason(self, unit: int, period: str) -> str | None:
        """Why a unit's employee comments of ``period`` are hidden (None: shown or no respondents)."""
        return self.reasons.get((unit, period), "no_responses")


def _summary(rows: pd.DataFrame, roots: set[int]) -> pd.DataFrame:
    keys = ["unit_id", "period", "group"]
    base = rows.groupby(keys, sort=False).agg(
        texts=("row", "size"),
        positive=("score", lambda s: int((s > OPINION).sum())),
        negative=("score", lambda s: int((s < -OPINION).sum())),
    )
    opinion = _stats(rows.loc[rows["opinion"]], keys, "n", "score")
    table = base.join(opinion, how="left").reset_index()
    table["n"] = table["n"].fillna(0).astype("int64")
    company = _company(table, roots, ["period", "group"], ["mean"])
    table = table.merge(company, on=["period", "group"], how="left")
    table["flag"] = _flag(
        table["ci_low"], table["ci_high"], table["company_mean"], table["n"] >= MIN_MENTIONS
    )
    return table


def _aspects(
    rows: pd.DataFrame, mentions: pd.DataFrame, summary: pd.DataFrame, roots: set[int]
) -> pd.DataFrame:
    keys = ["unit_id", "period", "group", "aspect"]
    found = rows[["row", "unit_id", "period", "group"]].merge(mentions, left_on="row", right_on="text")
    if found.empty:
        return pd.DataFrame(columns=[*keys, "mentions", "share", "share_low", "share_high", "n", "mean"])
    counted = found.groupby(keys, sort=False).size().rename("mentions")
    table = pd.concat([counted, _stats(found, keys, "n", "score")], axis=1).reset_index()
    table["n"] = table["n"].fillna(0).astype("int64")
    table = table.merge(summary[["unit_id", "period", "group", "texts"]], on=["unit_id", "period", "group"])
    table["share"] = table["mentions"] / table["texts"]
    low, high = wilson_interval(table["mentions"], table["texts"])
    table["share_low"], table["share_high"] = low, high
    company = _company(table, roots, ["period", "group", "aspect"], ["share", "mean"])
    table = table.merge(company, on=["period", "group", "aspect"], how="left")
    table["share_flag"] = _flag(table["share_low"], table["share_high"], table["company_share"],
                                table["texts"] >= MIN_MENTIONS)  # fmt: skip
    table["mean_flag"] = _flag(
        table["ci_low"], table["ci_high"], table["company_mean"], table["n"] >= MIN_MENTIONS
    )
    table["few"] = table["n"] < MIN_MENTIONS
    return table.drop(columns=["texts"])


def _quotes(rows: pd.DataFrame, aspects_of: dict[int, list[str]]) -> list[dict[str, Any]]:
    """Per unit, window and group: the strongest positive and negative texts (newest first among
    equals), shortened to ``QUOTE_LENGTH`` characters. Customer and employer texts are quoted from
    the ``recent`` window, employee comments from the unit's newest quarter that shows them."""
    keys = ["unit_id", "period", "group", "tone"]
    employee = rows["group"] == "employee"
    newest = rows["period"].where(employee).groupby(rows["unit_id"]).transform("max")
    window = np.where(employee, rows["period"] == newest, rows["period"] == RECENT)
    part = rows.loc[window & rows["opinion"].to_numpy() & (rows["score"].abs() > OPINION).to_numpy()]
    part = part.assign(tone=np.where(part["score"] > 0, "positive", "negative"), strength=part["score"].abs())
    part = part.sort_values(["strength", "moment"], ascending=False).drop_duplicates([*keys, "text"])
    best = part.loc[part.groupby(keys, sort=False).cumcount() < QUOTES]
    short = (
        best["text"]
        .astype(str)
        .map(lambda t: t if len(t) <= QUOTE_LENGTH else t[: QUOTE_LENGTH - 1].rsplit(" ", 1)[0] + "…")
    )
    return [
        {"unit_id": int(unit), "period": period, "group": group, "tone": tone, "source": source,
         "text": text, "language": language, "score": round(float(score), 3),
         "date": None if group == "employee" else pd.Timestamp(moment).date().isoformat(),
         "aspects": aspects_of.get(int(row), [])}
        for unit, period, group, tone, source, text, language, score, moment, row in zip(
            best["unit_id"], best["period"], best["group"], best["tone"], best["source"], short,
            best["language"], best["score"], best["moment"], best["row"], strict=True)
    ]  # fmt: skip


def _themes(rows: pd.DataFrame, units: pd.DataFrame, allowed: set[tuple[int, str]]) -> list[dict[str, Any]]:
    """Standout themes per unit of every level below the top, within its level, per group and
    window (``recent`` for customer and employer texts, the newest quarter for employee comments)."""
    out: list[dict[str, Any]] = []
    depth = units.set_index("unit_id")["depth"]
    for group in GROUPS:
        mine = rows.loc[(rows["group"] == group)]
        if mine.empty:
            continue
        window = RECENT if group != "employee" else max(mine["period"])
        mine = mine.loc[mine["period"] == window]
        counts = {row: term_counts(text) for row, text in zip(mine["row"], mine["text"], strict=True)}
        for level in sorted(set(depth[depth > 0])):
            at_level = mine.loc[mine["unit_id"].map(depth) == level]
            sizes = at_level.groupby("unit_id").size()
            groups: dict[int, Counter[str]] = {}
            for unit, part in at_level.groupby("unit_id"):
                total: Counter[str] = Counter()
                for row in part["row"]:
                    total.update(counts[row])
                groups[int(unit)] = total
            if len(groups) < 2:
                continue
            for unit, (over, under) in standout_themes(groups).items():
                if sizes.get(unit, 0) < MIN_THEME_TEXTS or (
                    group == "employee" and (unit, window) not in allowed
                ):
                    continue
                for direction, themes in (("over", over), ("under", under)):
                    out.extend({"unit_id": unit, "group": group, "period": window, "direction": direction,
                                "term": t.term, "count": t.count, "rest_count": t.rest_count,
                                "delta": round(t.delta, 4), "z": round(t.z, 3)} for t in themes)  # fmt: skip
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
        for row in clean.to_dict(orient="records")
    ]


def text_document(
    store: Store,
    settings: Settings,
    scored: ScoredTexts | None = None,
    scorecard: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The ``text`` document of a snapshot (see the module docstring); ``scored`` may be passed in
    when the texts were scored already; ``scorecard`` (the snapshot's rows) gives the engagement
    beside the employer reviews (:mod:`servicechain.analysis.employer_barometer`)."""
    taxonomy = load_taxonomy(settings.aspect_taxonomy)
    scored = scored or score_texts(read_texts(store), taxonomy)
    units = read_units(store)
    labels = {
        a.key: {"group": a.audience, "nl": a.label_nl, "en": a.label_en} for a in taxonomy.aspects.values()
    }
    document: dict[str, Any] = {
        "aspects": labels, "periods": [], "recent": [], "summary": [], "aspect_rows": [], "themes": [],
        "quotes": [], "texts": int((scored.texts["group"] != "employee").sum()),
        "comment_threshold": settings.comment_threshold,
        "employer": {"rows": [], "correlation": None},
    }  # fmt: skip
    quarter = scored.texts["period"].astype(str).str.fullmatch(r"\d{4}-Q[1-4]")
    public = scored.texts.loc[quarter & (scored.texts["group"] != "employee"), "period"]
    recent = sorted(set(public))[-RECENT_QUARTERS:]
    if units.empty:
        return document
    pairs = ancestor_pairs(units)
    document["employer"] = barometer(store, pairs, recent, RECENT, scorecard)
    if scored.texts.empty:
        return document
    roots = set(units.loc[units["parent_id"].isna(), "unit_id"].astype("int64"))
    periods = sorted(set(scored.texts["period"]))
    texts = _windowed(scored.texts, recent)
    rows = texts.merge(pairs, on="unit_id").drop(columns="unit_id").rename(columns={"ancestor_id": "unit_id"})
    privacy = _Privacy(store, settings, units, pairs)
    employee = rows["group"] == "employee"
    allowed = pd.Series([privacy.allowed(u, p) for u, p in zip(rows["unit_id"], rows["period"], strict=True)],
                        index=rows.index, dtype=bool)  # fmt: skip
    shown = rows.loc[~employee | allowed]
    summary = _summary(shown, roots)
    aspects = _aspects(shown, scored.mentions, summary, roots)
    hidden = sorted({(u, p) for u, p in privacy.reasons if not privacy.allowed(u, p)})
    withheld = [{"unit_id": u, "period": p, "group": "employee", "suppressed_reason": privacy.reason(u, p),
                 "respondents": None} for u, p in hidden]  # fmt: skip
    aspects_of = scored.mentions.groupby("text")["aspect"].agg(list).to_dict()
    quotable = shown.loc[~(shown["group"] == "employer") | _enough(shown, settings.comment_threshold)]
    allowed_keys = {key for key in privacy.reasons if privacy.allowed(*key)}
    document.update(
        periods=periods,
        recent=recent,
        summary=_records(summary.drop(columns=["company_mean"])) + withheld,
        aspect_rows=_records(aspects.drop(columns=["company_share", "company_mean"])),
        themes=_themes(shown, units, allowed_keys),
        quotes=_quotes(quotable, {int(str(k)): sorted(v) for k, v in aspects_of.items()}),
    )
    return document


def _enough(rows: pd.DataFrame, threshold: int) -> pd.Series:
    """Rows of (unit, period, group) cells holding texts of at least ``threshold`` posts (an employer
    review's pros and cons are one post)."""
    size = rows.groupby(["unit_id", "period", "group"])["source_id"].transform("nunique")
    return size >= threshold
