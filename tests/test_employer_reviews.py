"""The ``employer-reviews`` import kind (Glassdoor, Indeed) and its demo table.

Imports run on DuckDB and on PostgreSQL: what is stored, the synonyms of recommend,
ceo_approval and language, precise refusals that write nothing, and importing again.
The demo part checks the contract columns and that the ratings follow planted engagement.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import spearmanr

from servicechain.demo import DemoConfig, export_demo, generate_demo
from servicechain.demo import generate as demo_generate
from servicechain.demo.employer_texts import ASPECTS, CONS, PROS
from servicechain.errors import ImportRejected
from servicechain.ingest.kinds import KINDS, columns_of
from servicechain.ingest.pipeline import import_file
from servicechain.store import Store, schema
from tests.conftest import select_rows, snapshot
from tests.factories import seed_organisation, write

CONTRACT = [
    "review_id", "source", "unit_code", "posted_at", "rating", "rating_max", "culture", "career", "pay",
    "management", "work_life", "recommend", "ceo_approval", "pros", "cons", "language",
]  # fmt: skip
HEADER = ",".join(CONTRACT)
REQUIRED = ["review_id", "source", "unit_code", "posted_at", "rating", "rating_max"]


def _row(review_id: str, *, source: str = "glassdoor", unit: str = "L-UTR", posted: str = "2026-09-01",
         rating: str = "4", top: str = "5", subs: str = "4,3,2,5,3", recommend: str = "ja",
         ceo: str = "goedkeuren", pros: str = "Fijne collega's.", cons: str = "Te hoge werkdruk.",
         language: str = "nl") -> str:  # fmt: skip
    cells = [review_id, source, unit, posted, rating, top, subs, recommend, ceo, pros, cons, language]
    return ",".join(cells)


def _lines(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _stored(store: Store) -> list[tuple]:
    table = schema.employer_review
    columns = [c for c in table.c if c.name not in ("id", "import_id")]
    return [tuple(row) for row in select_rows(store, sa.select(*columns).order_by(table.c.source_key))]


def _unit_ids(store: Store) -> dict[str, int]:
    unit = schema.org_unit
    return {code: id_ for code, id_ in select_rows(store, sa.select(unit.c.code, unit.c.id))}


# --- the contract ------------------------------------------------------------------------


def test_the_kind_is_in_the_contract_last() -> None:
    assert KINDS[-1] == "employer-reviews"
    columns = columns_of("employer-reviews")
    assert [c.name for c in columns] == CONTRACT
    assert [c.name for c in columns if c.required] == REQUIRED
    assert [c.name for c in columns if not c.nullable] == REQUIRED


# --- importing ---------------------------------------------------------------------------


def test_employer_reviews_are_stored_as_written(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "glassdoor.csv", _lines(
        _row("G1", source="Glassdoor", posted="2026-09-01T14:05"),
        _row("G2", unit="L-AMF", rating="1.5", subs=",,,1,", recommend="nee", ceo="keurt af", pros="",
             cons="\"Slecht loon, veel te druk.\"", language="English"),
        _row("I1", source="indeed", posted="30-09-2026", rating="3", subs=",,,,", recommend="", ceo="",
             pros="", cons="", language=""),
    ))  # fmt: skip

    result = import_file(store, "employer-reviews", path)

    assert (result.rows, result.inserted, result.updated, result.skipped) == (3, 3, 0, 0)
    units = _unit_ids(store)
    assert _stored(store) == [
        ("glassdoor", "G1", units["L-UTR"], datetime(2026, 9, 1, 14, 5), 4.0, 5.0, 4.0, 3.0, 2.0, 5.0, 3.0,
         True, "approve", "Fijne collega's.", "Te hoge werkdruk.", "nl"),
        ("glassdoor", "G2", units["L-AMF"], datetime(2026, 9, 1), 1.5, 5.0, None, None, None, 1.0, None,
         False, "disapprove", None, "Slecht loon, veel te druk.", "en"),
        ("indeed", "I1", units["L-UTR"], datetime(2026, 9, 30), 3.0, 5.0, None, None, None, None, None,
         None, None, None, None, None),
    ]  # fmt: skip
    log = schema.import_log
    assert select_rows(
        store, sa.select(log.c.kind, log.c.inserted).where(log.c.file_name == "glassdoor.csv")
    ) == [("employer-reviews", 3)]


def test_a_file_with_only_the_required_columns(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "e.csv", "review_id;source;unit_code;posted_at;rating;rating_max\n"
                                    "W1;Werkzoeken;L-AMF;01-09-2026 10:00;3,5;5\n")  # fmt: skip
    assert import_file(store, "employer-reviews", path).inserted == 1
    assert _stored(store) == [
        ("werkzoeken", "W1", _unit_ids(store)["L-AMF"], datetime(2026, 9, 1, 10), 3.5, 5.0,
         *[None] * 10),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("column", "written", "stored"),
    [
        ("recommend", ["ja", "Nee", "yes", "NO", "1", "0", "true", "False", "WAAR", "onwaar"],
         [True, False, True, False, True, False, True, False, True, False]),
        ("ceo_approval", ["Goedkeuren", "keurt goed", "ja", "yes", "Approve", "neutraal", "Neutral",
                          "No opinion", "afkeuren", "Nee", "no", "Disapprove"],
         ["approve"] * 5 + ["neutral"] * 3 + ["disapprove"] * 4),
        ("language", ["nl", "NL", "Nederlands", "dutch", "nl-BE", "en", "English", "Engels", "en_GB"],
         ["nl"] * 5 + ["en"] * 4),
    ],
)  # fmt: skip
def test_synonyms_are_stored_as_their_one_value(
    store: Store, tmp_path: Path, column: str, written: list[str], stored: list[object]
) -> None:
    seed_organisation(store, tmp_path)
    header = f"review_id,source,unit_code,posted_at,rating,rating_max,{column}"
    rows = [f"R{i:02d},indeed,L-UTR,2026-08-01,4,5,{value}" for i, value in enumerate(written)]
    import_file(store, "employer-reviews", write(tmp_path, "e.csv", _lines(*rows, header=header)))
    table = schema.employer_review
    values = select_rows(store, sa.select(table.c[column]).order_by(table.c.source_key))
    assert [value for (value,) in values] == stored


# kind of problem -> (rows of the file, its header, the first problem exactly as printed)
CASES: dict[str, tuple[list[str], str, str]] = {
    "unknown unit": (
        [_row("G1"), _row("G2", unit="L-XXX")], HEADER,
        "e.csv:3:unit_code: unknown unit_code 'L-XXX' (not in the store: import it with "
        "`servicechain import units` first)",
    ),
    "duplicate id (source in another case)": (
        [_row("G1"), _row("G2"), _row("G1", source="GlassDoor")], HEADER,
        "e.csv:4:review_id: duplicate review_id 'G1' for source 'glassdoor' (first on row 2)",
    ),
    "rating above its maximum": (
        [_row("G1", rating="6")], HEADER, "e.csv:2:rating: '6' is outside 0..rating_max",
    ),
    "sub-rating above the maximum": (
        [_row("G1", subs="4,4,7,4,4")], HEADER, "e.csv:2:pay: '7' is outside 0..rating_max",
    ),
    "negative sub-rating": (
        [_row("G1", subs="4,4,4,4,-1")], HEADER, "e.csv:2:work_life: '-1' is outside 0..rating_max",
    ),
    "maximum of zero": (
        [_row("G1", rating="0", top="0", subs=",,,,")], HEADER, "e.csv:2:rating_max: must be above 0",
    ),
    "rating not a number": ([_row("G1", rating="goed")], HEADER, "e.csv:2:rating: 'goed' is not a number"),
    "unknown ceo approval": (
        [_row("G1", ceo="misschien")], HEADER,
        "e.csv:2:ceo_approval: 'misschien' is not approve, neutral or disapprove "
        "(goedkeuren, neutraal, afkeuren)",
    ),
    "recommend not a yes or no": (
        [_row("G1", recommend="soms")], HEADER,
        "e.csv:2:recommend: 'soms' is not true or false (ja/nee, 1/0)",
    ),
    "unknown language": (
        [_row("G1", language="klingon")], HEADER,
        "e.csv:2:language: 'klingon' is not a language code (nl, en)",
    ),
    "posted_at empty": ([_row("G1", posted="")], HEADER, "e.csv:2:posted_at: is empty but required"),
    "posted_at not a date": (
        [_row("G1", posted="gisteren")], HEADER,
        "e.csv:2:posted_at: 'gisteren' is not a date or time (2026-09-30 or 2026-09-30T14:05)",
    ),
    "missing required column": (
        ["G1,glassdoor,L-UTR,2026-09-01,4"], "review_id,source,unit_code,posted_at,rating",
        "e.csv:1:rating_max: required column 'rating_max' is missing",
    ),
    "unknown column": (
        ["G1,glassdoor,L-UTR,2026-09-01,4,5,3"],
        "review_id,source,unit_code,posted_at,rating,rating_max,worklife",
        "e.csv:1:worklife: unknown column 'worklife'; did you mean 'work_life'?",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_refused_precisely_and_writes_nothing(store: Store, tmp_path: Path, case: str) -> None:
    rows, header, expected = CASES[case]
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "e.csv", _lines(*rows, header=header))
    before = snapshot(store)

    with pytest.raises(ImportRejected) as refused:
        import_file(store, "employer-reviews", path)

    assert str(refused.value.problems[0]) == expected
    assert snapshot(store) == before


def test_a_problem_late_in_the_file_rolls_back_everything(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    rows = [_row(f"G{i}") for i in range(300)] + [_row("G999", rating="9")]
    path = write(tmp_path, "e.csv", _lines(*rows))
    before = snapshot(store)
    with pytest.raises(ImportRejected) as refused:
        import_file(store, "employer-reviews", path)
    assert [str(p) for p in refused.value.problems] == ["e.csv:302:rating: '9' is outside 0..rating_max"]
    assert snapshot(store) == before


def test_importing_again_inserts_nothing(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    path = write(tmp_path, "e.csv", _lines(_row("G1"), _row("G2"), _row("I1", source="indeed")))
    assert import_file(store, "employer-reviews", path).inserted == 3
    before = snapshot(store)

    again = import_file(store, "employer-reviews", path)
    assert again.already_imported and (again.inserted, again.updated) == (0, 0)
    assert snapshot(store) == before

    forced = import_file(store, "employer-reviews", path, replace=True)  # read and checked once more
    assert (forced.inserted, forced.updated, forced.skipped) == (0, 0, 3)
    after = snapshot(store)
    assert {k: v for k, v in after.items() if k != "import_log"} == {
        k: v for k, v in before.items() if k != "import_log"
    }


def test_an_overlapping_export_adds_only_the_new_reviews(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    import_file(store, "employer-reviews", write(tmp_path, "week1.csv", _lines(_row("G1"), _row("G2"))))
    first = _stored(store)
    overlap = _lines(_row("G2", source="GLASSDOOR", rating="1"), _row("G1"), _row("G3"))
    result = import_file(store, "employer-reviews", write(tmp_path, "week2.csv", overlap))
    assert (result.rows, result.inserted, result.updated, result.skipped) == (3, 1, 0, 2)
    assert "1 added" in result.summary() and "2 unchanged or already present" in result.summary()
    now = _stored(store)
    assert now[:2] == first  # stored reviews are never overwritten
    assert [row[1] for row in now] == ["G1", "G2", "G3"]


# --- the demo ----------------------------------------------------------------------------

DEMO = DemoConfig()  # 24 locations, 8 quarters


@pytest.fixture(scope="module")
def demo() -> demo_generate.DemoData:
    return generate_demo(DEMO)


def test_demo_table_has_the_contract_columns(demo: demo_generate.DemoData) -> None:
    reviews = demo["employer-reviews"]
    assert list(reviews.columns) == CONTRACT
    assert reviews["review_id"].is_unique
    expected = DEMO.units * DEMO.periods * DEMO.employer_reviews_per_location
    assert 0.8 * expected < len(reviews) < 1.2 * expected
    assert set(reviews["source"].astype(str)) == {"glassdoor", "indeed"}
    assert 0.5 < (reviews["source"] == "glassdoor").mean() < 0.7
    assert (reviews["rating_max"] == 5).all() and reviews["rating"].between(1, 5).all()
    for name in ("culture", "career", "pay", "management", "work_life"):
        assert reviews[name].dropna().between(1, 5).all(), name
        assert 0.2 < reviews[name].isna().mean() < 0.4, name
    assert set(reviews["ceo_approval"].dropna().astype(str)) == {"approve", "neutral", "disapprove"}
    assert 0.12 < reviews["ceo_approval"].isna().mean() < 0.28
    locations = set(demo["units"].query("kind == 'location'")["unit_code"])
    assert set(reviews["unit_code"].astype(str)) <= locations
    quarter = pd.PeriodIndex(reviews["posted_at"], freq="Q").astype(str).str.replace("Q", "-Q")
    assert set(quarter) == set(demo.truth["quarters"])
    english = (reviews["language"] == "en").mean()
    assert 0.08 < english < 0.25


def test_demo_ratings_follow_planted_engagement(demo: demo_generate.DemoData) -> None:
    reviews = demo["employer-reviews"].assign(unit_code=lambda f: f["unit_code"].astype(str))
    latents = demo.truth_units.groupby("unit_code")[["engagement", "relatedness", "competence", "hygiene",
                                                     "manager_quality"]].mean()  # fmt: skip
    means = reviews.groupby("unit_code")[["rating", "culture", "career", "pay", "management"]].mean()
    means = means.astype("float64").join(latents)
    assert len(means) == DEMO.units
    assert spearmanr(means["rating"], means["engagement"]).statistic > 0.5
    for rating, latent in [("culture", "relatedness"), ("career", "competence"), ("pay", "hygiene"),
                           ("management", "manager_quality")]:  # fmt: skip
        assert spearmanr(means[rating], means[latent]).statistic > 0.3, rating
    recommend = reviews.dropna(subset=["recommend"])
    high = recommend["rating"] >= 4
    assert recommend.loc[high, "recommend"].mean() > 0.75 > 0.4 > recommend.loc[~high, "recommend"].mean()
    ceo = reviews.dropna(subset=["ceo_approval"])
    approve = ceo["ceo_approval"] == "approve"
    assert approve[ceo["rating"] == 5].mean() > approve[ceo["rating"] <= 2].mean() + 0.3


def test_demo_pros_and_cons_are_about_the_planted_aspects(demo: demo_generate.DemoData) -> None:
    reviews = demo["employer-reviews"].set_index("review_id")
    truth = demo.truth["employer_reviews"]
    assert truth["rate"] == DEMO.employer_reviews_per_location
    assert set(truth["text_aspects"]) == set(ASPECTS)
    for column, templates in (("pros", PROS), ("cons", CONS)):
        about = truth[column]
        assert 0.85 * len(reviews) < len(about) <= len(reviews)
        for review_id, aspects in about.items():
            row = reviews.loc[review_id]
            language = str(row["language"])
            text = row[column]
            assert 1 <= len(aspects) <= 2 and all(a in ASPECTS for a in aspects)
            for aspect in aspects:
                assert any(t in text for t in templates[(aspect, language)]), (review_id, aspect, text)
    # with a poor rating the pros are more often left out; with a top rating the cons
    low, top = reviews["rating"] == 1, reviews["rating"] == 5
    said = {column: reviews.index.isin(list(truth[column])) for column in ("pros", "cons")}
    assert said["pros"][low].mean() < said["pros"][top].mean()
    assert said["cons"][top].mean() < said["cons"][low].mean()
    # low planted hygiene, more cons about pay or workload
    hygiene = demo.truth_units.groupby("unit_code")["hygiene"].mean()
    location = reviews["unit_code"].astype(str)
    complains = pd.Series(
        [bool({"pay", "workload"} & set(truth["cons"].get(i, []))) for i in reviews.index],
        index=reviews.index,
    )
    poor = location.map(hygiene) < hygiene.median()
    assert complains[poor].mean() > complains[~poor].mean() + 0.1


def test_employer_reviews_leave_the_other_demo_tables_as_they_were(demo: demo_generate.DemoData) -> None:
    without = generate_demo(DemoConfig(employer_reviews_per_location=0.0))
    assert len(without["employer-reviews"]) == 0
    for kind in demo.kinds[:-1]:
        pd.testing.assert_frame_equal(demo[kind], without[kind])
    with pytest.raises(ValueError, match="rates must not be negative"):
        DemoConfig(employer_reviews_per_location=-1)


@pytest.mark.parametrize("fmt", ["csv", "csv-nl", "xlsx", "parquet"])
def test_demo_files_import_in_every_format(store: Store, tmp_path: Path, fmt: str) -> None:
    data = generate_demo(DemoConfig(units=4, periods=2, customers_per_unit=5))
    paths = dict(
        zip(data.kinds, export_demo(data, tmp_path, {"employer-reviews": fmt}, truth=False), strict=True)
    )
    import_file(store, "units", paths["units"])
    frame = data["employer-reviews"]

    result = import_file(store, "employer-reviews", paths["employer-reviews"])

    assert result.inserted == len(frame) > 0
    table = schema.employer_review
    stored = pd.DataFrame(
        select_rows(store, sa.select(table.c.source_key, table.c.rating, table.c.pay, table.c.recommend,
                                     table.c.ceo_approval, table.c.pros).order_by(table.c.source_key)),
        columns=["review_id", "rating", "pay", "recommend", "ceo_approval", "pros"],
    )  # fmt: skip
    expected = frame.sort_values("review_id")
    assert stored["review_id"].tolist() == expected["review_id"].tolist()
    assert np.allclose(stored["rating"], expected["rating"])
    assert stored["pay"].isna().tolist() == expected["pay"].isna().tolist()
    assert stored["recommend"].isna().tolist() == expected["recommend"].isna().tolist()
    assert (
        stored["ceo_approval"].fillna("").tolist()
        == expected["ceo_approval"].astype(object).fillna("").tolist()
    )
    assert stored["pros"].fillna("").tolist() == expected["pros"].fillna("").tolist()
