"""What people write, per unit and period, on a loaded demo (DuckDB and PostgreSQL): the planted
aspect effects come back, the statistics match scipy and statsmodels, and employee comments stay
behind the comment threshold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import fresh_store
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from servicechain.analysis.text_sources import read_texts, score_texts
from servicechain.analysis.text_summary import RECENT, text_document
from servicechain.analysis.units import read_units
from servicechain.demo.generate import DemoConfig
from servicechain.demo.load import load_demo, read_truth
from servicechain.demo.texts import TOPIC_ASPECTS
from servicechain.settings import Settings
from servicechain.store import Store, schema
from servicechain.text.aspects import load_taxonomy

CONFIG = DemoConfig(units=16, periods=6, customers_per_unit=20, seed=3, employees_per_location=(30, 50),
                    reviews_per_location=12.0)  # fmt: skip
"""Big enough teams that most locations' employee comments may be shown every quarter."""
LATENT = {"autonomy": "autonomy", "relatedness": "relatedness", "climate": "service_climate",
          "hygiene": "hygiene", "competence": "competence"}  # fmt: skip
"""Employee comment topic -> the location latent its tone follows (demo/workforce.py)."""


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with fresh_store(request, request.param, tmp_path_factory.mktemp("texts")) as store:
        load_demo(store, config=CONFIG)
        yield store


@pytest.fixture(scope="module")
def settings(demo: Store) -> Settings:
    return Settings(database_url=demo.url, secret_key="x" * 40)


@pytest.fixture(scope="module")
def document(demo: Store, settings: Settings) -> dict[str, Any]:
    return json.loads(json.dumps(text_document(demo, settings)))  # as stored in the snapshot


def codes(store: Store) -> pd.Series:
    return read_units(store).set_index("unit_id")["unit_code"]


def pooled(document: dict[str, Any], store: Store, group: str) -> pd.DataFrame:
    """Per location code and aspect: the mean sentiment over all quarters (weighted by mentions)."""
    rows = pd.DataFrame(document["aspect_rows"])
    rows = rows.loc[(rows["group"] == group) & (rows["period"] != RECENT) & (rows["n"] > 0)].copy()
    rows["unit_code"] = rows["unit_id"].map(codes(store))
    rows["weighted"] = rows["mean"] * rows["n"]
    out = rows.groupby(["unit_code", "aspect"]).agg(weighted=("weighted", "sum"), n=("n", "sum"))
    return out.assign(mean=out["weighted"] / out["n"])


def test_review_aspects_follow_the_planted_location_effects(demo: Store, document: dict[str, Any]) -> None:
    """Reviews write about an aspect in the tone of its rating, which follows a planted driver per
    location (demo/feedback.py); the per-location aspect sentiment recovers the drivers' order."""
    planted: dict[str, dict[str, float]] = read_truth(demo)["truth"]["review_aspects"]  # type: ignore[index]
    found = pooled(document, demo, "customer")
    rhos = {}
    for aspect, by_location in planted.items():
        mine = found.xs(aspect, level="aspect")
        mine = mine.loc[mine.index.isin(list(by_location))]
        assert len(mine) == CONFIG.units
        rhos[aspect] = stats.spearmanr(mine["mean"], mine.index.map(by_location)).statistic
    print(f"\nreview aspects vs planted drivers (Spearman over {CONFIG.units} locations): {rhos}")
    assert min(rhos.values()) > 0.3, rhos
    assert np.mean(list(rhos.values())) > 0.55, rhos


def test_employee_comment_aspects_follow_the_planted_location_latents(
    demo: Store, document: dict[str, Any]
) -> None:
    truth = pd.DataFrame(json.loads(json.dumps(read_truth(demo)["truth_units"])))
    latents = truth.groupby("unit_code").mean(numeric_only=True)
    found = pooled(document, demo, "employee")
    rhos = {}
    for topic, aspect in TOPIC_ASPECTS.items():
        mine = found.xs(aspect, level="aspect")
        mine = mine.loc[mine.index.isin(latents.index)]
        assert len(mine) >= CONFIG.units - 2, f"{aspect}: comments of too few locations are shown"
        rhos[aspect] = stats.spearmanr(mine["mean"], latents.loc[mine.index, LATENT[topic]]).statistic
    print(f"\nemployee aspects vs planted latents: {rhos}")
    assert min(rhos.values()) > 0.3, rhos
    assert np.mean(list(rhos.values())) > 0.55, rhos


def test_text_sentiment_follows_the_review_rating(demo: Store) -> None:
    texts = read_texts(demo)
    scored = score_texts(texts, load_taxonomy()).texts
    with demo.engine.connect() as connection:
        review = schema.review
        ratings = pd.DataFrame(
            connection.execute(sa.select(review.c.id, review.c.rating, review.c.rating_max)).fetchall()
        )
    reviews = scored.loc[scored["source"] == "review"].merge(ratings, left_on="source_id", right_on="id")
    rho = stats.spearmanr(reviews["score"], reviews["rating"] / reviews["rating_max"]).statistic
    assert rho > 0.7, rho


def test_summary_and_aspect_statistics_match_scipy_and_statsmodels(
    demo: Store, document: dict[str, Any]
) -> None:
    """The company's recent customer sentiment is the t-interval of its texts' scores (scipy), and an
    aspect's share of texts has the Wilson interval of statsmodels' ``proportion_confint``."""
    scored = score_texts(read_texts(demo), load_taxonomy())
    texts = scored.texts
    recent = document["recent"]
    mine = texts.loc[(texts["group"] == "customer") & texts["period"].isin(recent)]
    root = int(read_units(demo).query("parent_id.isna()", engine="python")["unit_id"].iloc[0])
    row = next(r for r in document["summary"]
               if r["unit_id"] == root and r["period"] == RECENT and r["group"] == "customer")  # fmt: skip
    opinions = mine.loc[mine["opinion"], "score"]
    low, high = stats.t.interval(0.95, len(opinions) - 1, loc=opinions.mean(), scale=stats.sem(opinions))
    assert row["texts"] == len(mine) and row["n"] == len(opinions)
    assert row["mean"] == pytest.approx(opinions.mean(), abs=1e-4)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-4)
    mentioned = scored.mentions.loc[scored.mentions["text"].isin(mine.index)
                                    & (scored.mentions["aspect"] == "waiting_time")]  # fmt: skip
    aspect = next(r for r in document["aspect_rows"] if r["unit_id"] == root and r["period"] == RECENT
                  and r["group"] == "customer" and r["aspect"] == "waiting_time")  # fmt: skip
    share_low, share_high = proportion_confint(len(mentioned), len(mine), method="wilson")
    assert aspect["mentions"] == len(mentioned)
    assert (aspect["share_low"], aspect["share_high"]) == pytest.approx((share_low, share_high), abs=1e-4)
    assert aspect["mean"] == pytest.approx(mentioned["score"].mean(), abs=1e-4)


def respondents(store: Store) -> pd.DataFrame:
    """Employee respondents per unit subtree and period, counted here independently."""
    response, wave, unit = schema.employee_response, schema.survey_wave, schema.org_unit
    with store.engine.connect() as connection:
        rows = pd.DataFrame(connection.execute(
            sa.select(unit.c.id.label("unit_id"), wave.c.period, sa.func.count().label("n"))
            .select_from(response.join(wave, wave.c.id == response.c.wave_id)
                         .join(unit, sa.literal(True)))
            .where(sa.func.strpos(sa.select(unit.alias("u").c.path).where(
                sa.literal_column("u.id") == response.c.unit_id).scalar_subquery(), unit.c.path) == 1)
            .group_by(unit.c.id, wave.c.period)
        ).fetchall())  # fmt: skip
    return rows


def test_employee_comments_are_shown_only_for_groups_of_ten_or_more(
    demo: Store, document: dict[str, Any], settings: Settings
) -> None:
    counts = {(int(r.unit_id), str(r.period)): int(r.n) for r in respondents(demo).itertuples()}
    shown = {
        (r["unit_id"], r["period"]) for r in document["summary"] if r["group"] == "employee" and "texts" in r
    }
    hidden = {(r["unit_id"], r["period"]) for r in document["summary"] if r.get("suppressed_reason")}
    assert shown and hidden, "the test demo should have both shown and hidden employee groups"
    assert all(counts[key] >= settings.comment_threshold for key in shown)
    assert all(counts[key] < settings.comment_threshold for key in hidden if key in counts) or any(
        r.get("suppressed_reason") == "subtraction" for r in document["summary"]
    )
    for name in ("aspect_rows", "quotes", "themes"):
        leaked = [
            r for r in document[name] if r["group"] == "employee" and (r["unit_id"], r["period"]) in hidden
        ]
        assert not leaked, f"{name} shows employee comments of a hidden group: {leaked[:2]}"
    quoted = [r for r in document["quotes"] if r["group"] == "employee"]
    newest = {}
    for unit, period in shown:
        newest[unit] = max(period, newest.get(unit, period))
    assert all(r["period"] == newest[r["unit_id"]] for r in quoted), (
        "quotes come from the unit's newest shown quarter"
    )
    assert len({r["unit_id"] for r in quoted}) >= 0.8 * len(newest), (
        "most units with shown comments are quoted"
    )
    assert quoted and all(counts[(r["unit_id"], r["period"])] >= settings.comment_threshold for r in quoted)
    too_few = [r for r in document["summary"] if r.get("suppressed_reason") == "too_few"]
    assert all(set(r) == {"unit_id", "period", "group", "suppressed_reason", "respondents"} for r in too_few)


def test_a_higher_comment_threshold_hides_more(
    demo: Store, settings: Settings, document: dict[str, Any]
) -> None:
    strict = text_document(demo, settings.model_copy(update={"comment_threshold": 40}))

    def shown(doc: dict[str, Any]) -> int:
        return sum(1 for r in doc["summary"] if r["group"] == "employee" and "texts" in r)

    assert shown(strict) < shown(document)
    counts = {(int(r.unit_id), str(r.period)): int(r.n) for r in respondents(demo).itertuples()}
    assert all(
        counts[(r["unit_id"], r["period"])] >= 40 for r in strict["quotes"] if r["group"] == "employee"
    )


def test_flags_and_small_n_honesty(document: dict[str, Any]) -> None:
    rows = pd.DataFrame(document["aspect_rows"])
    few = rows.loc[rows["few"]]
    assert len(few) and few["mean_flag"].isna().all(), "too few mentions: no verdict"
    judged = rows.loc[rows["mean_flag"].isin(["above", "below"])]
    assert len(judged), "the planted differences should give some verdicts"
    assert (judged["n"] >= 5).all()
    company = rows.set_index(["period", "group", "aspect"])
    for row in judged.head(50).itertuples():
        value = company.loc[(row.period, row.group, row.aspect)]
        root_mean = value.loc[value["unit_id"] == rows["unit_id"].min(), "mean"]
        if len(root_mean):
            outside = row.ci_low > root_mean.iloc[0] or row.ci_high < root_mean.iloc[0]
            assert outside, row


def test_themes_and_quotes_are_about_the_unit(demo: Store, document: dict[str, Any]) -> None:
    themes = pd.DataFrame(document["themes"])
    assert len(themes) and set(themes["direction"]) <= {"over", "under"}
    assert (themes.loc[themes["direction"] == "over", "z"] > 0).all()
    quotes = pd.DataFrame(document["quotes"])
    assert set(quotes["tone"]) == {"positive", "negative"}
    assert (quotes.loc[quotes["tone"] == "positive", "score"] > 0).all()
    assert quotes.groupby(["unit_id", "period", "group", "tone"]).size().max() <= 3
    assert quotes["text"].str.len().max() <= 280
    texts = read_texts(demo)
    units = read_units(demo).set_index("unit_id")
    for quote in quotes.head(40).to_dict(orient="records"):
        path = units.loc[quote["unit_id"], "path"]
        origin = texts.loc[texts["text"].str.startswith(quote["text"].rstrip("…"))]
        assert origin["unit_id"].map(units["path"]).str.startswith(path).any(), quote


def test_employer_barometer_beside_survey_engagement(demo: Store, settings: Settings) -> None:
    """Employer reviews per unit with their statistics (checked against scipy and statsmodels), and
    their correlation with survey engagement over the locations that have both; the demo plants
    ratings that follow the locations' engagement, so the correlation is clearly positive."""
    from servicechain.analysis.report import report_inputs

    scorecard = report_inputs(demo, settings=settings).results.table
    employer = text_document(demo, settings, scorecard=scorecard)["employer"]
    rows = pd.DataFrame(employer["rows"])
    table = schema.employer_review
    with demo.engine.connect() as connection:
        stored = pd.DataFrame(connection.execute(sa.select(table)).fetchall())
    stored["quarter"] = (
        pd.to_datetime(stored["posted_at"]).dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    )
    recent = sorted(stored["quarter"].unique())[-4:]
    window = stored.loc[stored["quarter"].isin(recent)]
    root = int(read_units(demo).query("parent_id.isna()", engine="python")["unit_id"].iloc[0])
    company = rows.loc[(rows["unit_id"] == root) & (rows["period"] == RECENT)].iloc[0]
    ratings = window["rating"] / window["rating_max"] * 5
    assert company["n"] == len(window)
    assert company["rating"] == pytest.approx(ratings.mean(), abs=1e-4)
    low, high = stats.t.interval(0.95, len(ratings) - 1, loc=ratings.mean(), scale=stats.sem(ratings))
    assert (company["ci_low"], company["ci_high"]) == pytest.approx((low, high), abs=1e-4)
    said = window["recommend"].dropna().astype(bool)
    assert (company["recommend_low"], company["recommend_high"]) == pytest.approx(
        proportion_confint(int(said.sum()), len(said), method="wilson"), abs=1e-4
    )
    correlation = employer["correlation"]
    assert correlation is not None and correlation["units"] >= CONFIG.units - 2
    both = rows.loc[(rows["period"] == RECENT) & (rows["n"] >= 3) & rows["engagement"].notna()
                    & rows["unit_id"].isin(stored["unit_id"])]  # fmt: skip
    reference = stats.pearsonr(both["rating"], both["engagement"])
    assert correlation["pearson"] == pytest.approx(reference.statistic, abs=1e-4)
    assert (correlation["low"], correlation["high"]) == pytest.approx(
        reference.confidence_interval(0.95), abs=1e-4
    )
    assert correlation["pearson"] > 0.5 and correlation["low"] > 0
    print(
        f"\nemployer rating vs engagement over {correlation['units']} locations: "
        f"r = {correlation['pearson']:.2f} "
        f"({correlation['low']:.2f} to {correlation['high']:.2f}), rho = {correlation['spearman']:.2f}"
    )


def test_employer_review_texts_are_read_as_the_demo_wrote_them() -> None:
    """The demo writes employer-review pros about the best and cons about the worst employee aspect
    of each review (``truth["employer_reviews"]``); the employee taxonomy finds those aspects, with
    positive sentiment in the pros and negative in the cons."""
    from servicechain.demo.generate import generate_demo
    from servicechain.text.aspects import find_aspects

    data = generate_demo(DemoConfig(units=8, periods=4, customers_per_unit=10, seed=5))
    planted, reviews = data.truth["employer_reviews"], data["employer-reviews"]
    expected = found = extra = scored = right = 0
    for part, sign in (("pros", 1), ("cons", -1)):
        for review_id, text in zip(reviews["review_id"], reviews[part], strict=True):
            if not isinstance(text, str) or not text:
                continue
            wanted = set(planted[part].get(review_id, []))
            mentions = find_aspects(text, "employee").mentions
            named = {m.aspect for m in mentions}
            expected, found, extra = (
                expected + len(wanted),
                found + len(wanted & named),
                extra + len(named - wanted),
            )
            opinions = [m.score for m in mentions if m.aspect in wanted and m.score is not None]
            scored, right = scored + len(opinions), right + sum(1 for s in opinions if s * sign > 0)
    print(f"\nemployer texts: {found}/{expected} planted aspects found, {extra} others, "
          f"sentiment sign right {right}/{scored}")  # fmt: skip
    assert expected > 100
    assert found / expected >= 0.95 and extra <= 0.15 * expected
    assert scored >= 0.7 * expected and right / scored >= 0.85
