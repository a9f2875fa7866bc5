"""The demo generator: the import contract, integrity, determinism, and the planted chain.

Recovery checks use plain pandas on the generated files' columns, the way an analyst
would, and compare with ``truth_units``. Thresholds leave room for sampling noise but
fail when a planted path is missing (see the negative controls).
"""

from __future__ import annotations

import json
import time
from dataclasses import fields
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import servicechain.demo as demo
from servicechain.demo import (
    ChainParameters,
    DemoConfig,
    export_demo,
    generate_demo,
    places,
    texts,
)
from servicechain.demo.frames import Calendar

EMPLOYEE_ITEMS = [
    "eng_enthusiasm", "eng_pride", "eng_extra_mile", "eng_commitment", "autonomy_1",
    "autonomy_2", "autonomy_3", "competence_1", "competence_2", "competence_3",
    "relatedness_1", "relatedness_2", "relatedness_3", "climate_resources",
    "climate_development", "climate_quality", "climate_backing", "trust_solve",
    "trust_initiative", "values_fit", "hygiene_pay", "hygiene_conditions", "wellbeing",
    "enps", "intent_stay",
]  # fmt: skip
CUSTOMER_ITEMS = [
    "satisfaction", "continue", "recommend", "confidence_promises", "confidence_competent",
    "integrity_fair", "integrity_fix", "pride_proud", "pride_respect",
    "passion_irreplaceable", "passion_fit",
]  # fmt: skip
ATTACHMENT = CUSTOMER_ITEMS[3:]
CONTRACT = {
    "units": ["unit_code", "name", "kind", "parent_code", "manager_employee_code"],
    "employees": ["employee_code", "unit_code", "role", "is_manager", "customer_facing",
                  "hired_on", "left_on", "first_name", "last_name"],
    "customers": ["customer_code", "home_unit_code", "segment"],
    "employee-responses": ["response_id", "wave", "unit_code", "submitted_at",
                           *EMPLOYEE_ITEMS, "comment"],
    "customer-responses": ["response_id", "wave", "unit_code", "customer_code", "submitted_at",
                           "channel", *CUSTOMER_ITEMS, "comment"],
    "touchpoints": ["response_id", "unit_code", "employee_code", "channel", "occurred_at",
                    "satisfaction", "ease", "valued", "comment"],
    "reviews": ["review_id", "source", "unit_code", "posted_at", "rating", "rating_max",
                "aspect_service", "aspect_waiting_time", "aspect_cleanliness",
                "aspect_product_quality", "aspect_price_value", "language", "text"],
    "kpis": ["unit_code", "period", "metric", "value"],
    "customer-kpis": ["customer_code", "period", "revenue", "share_of_wallet", "retained"],
    "employer-reviews": ["review_id", "source", "unit_code", "posted_at", "rating", "rating_max",
                         "culture", "career", "pay", "management", "work_life", "recommend",
                         "ceo_approval", "pros", "cons", "language"],
}  # fmt: skip
CONFIG = DemoConfig(units=40, periods=8, customers_per_unit=60, seed=7)
WIDE = DemoConfig(units=150, periods=2, customers_per_unit=5, seed=7)
"""Many locations, few of everything else: location-level correlations with small noise."""


@pytest.fixture(scope="module")
def data() -> demo.DemoData:
    return generate_demo(CONFIG)


def _location_of(data: demo.DemoData) -> dict[str, str]:
    units = data["units"]
    parent = dict(zip(units["unit_code"], units["parent_code"], strict=True))
    return {
        code: parent[code] if kind == "team" else code
        for code, kind in zip(units["unit_code"], units["kind"], strict=True)
    }


def _mean(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return frame[columns].astype("float64").mean(axis=1)


def _employee_scores(data: demo.DemoData) -> pd.DataFrame:
    frame = data["employee-responses"]
    return pd.DataFrame(
        {
            "location": frame["unit_code"].astype(str).map(_location_of(data)),
            "period": frame["wave"].astype(str).str[3:],
            "ee": _mean(frame, EMPLOYEE_ITEMS[:4]),
            "needs": _mean(frame, EMPLOYEE_ITEMS[4:13]),
            "hygiene": _mean(frame, ["hygiene_pay", "hygiene_conditions"]),
        }
    )


def _customer_scores(data: demo.DemoData) -> pd.DataFrame:
    frame = data["customer-responses"]
    return pd.DataFrame(
        {
            "location": frame["unit_code"].astype(str),
            "period": frame["wave"].astype(str).str[3:],
            "customer_code": frame["customer_code"].astype(str),
            "attachment": _mean(frame, ATTACHMENT),
            "satisfaction": frame["satisfaction"].astype("float64"),
            "continue": frame["continue"].astype("float64"),
            "recommend": frame["recommend"].astype("float64"),
        }
    )


def _panel(data: demo.DemoData) -> pd.DataFrame:
    """Location x quarter survey means (``ee``, ``ca``), truth, and quarterly revenue growth."""
    ee = _employee_scores(data).groupby(["location", "period"])["ee"].mean()
    att = _customer_scores(data).groupby(["location", "period"])["attachment"].mean()
    kpis = data["kpis"]
    revenue = kpis[kpis["metric"] == "revenue"].copy()
    quarter = pd.PeriodIndex(revenue["period"].astype(str), freq="M").asfreq("Q")
    revenue["period"] = [f"{q.year}-Q{q.quarter}" for q in quarter]
    sums = revenue.groupby(["unit_code", "period"])["value"].sum().unstack()
    growth = (sums / sums.shift(axis=1) - 1).stack().rename("growth")
    truth = data.truth_units.set_index(["unit_code", "period"])
    panel = pd.DataFrame({"ee": ee, "ca": att}).rename_axis(["unit_code", "period"])
    return panel.join(truth).join(growth)


# --- the contract ---------------------------------------------------------------------


def test_public_api_is_sorted_and_complete() -> None:
    # isort-style order, as ruff's RUF022 keeps it: CONSTANTS, Classes, functions
    style = sorted(demo.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert demo.__all__ == style
    for name in ("generate_demo", "DemoData", "DemoConfig", "export_demo"):
        assert name in demo.__all__ and hasattr(demo, name)


def test_tables_have_exactly_the_contract_columns(data: demo.DemoData) -> None:
    assert list(data.tables) == list(CONTRACT)
    for kind, columns in CONTRACT.items():
        assert list(data[kind].columns) == columns, kind
        assert len(data[kind]) > 0, kind


def test_codes_are_unique(data: demo.DemoData) -> None:
    for kind, column in [
        ("units", "unit_code"),
        ("employees", "employee_code"),
        ("customers", "customer_code"),
        ("employee-responses", "response_id"),
        ("customer-responses", "response_id"),
        ("touchpoints", "response_id"),
        ("reviews", "review_id"),
        ("employer-reviews", "review_id"),
    ]:
        assert data[kind][column].is_unique, kind
    kpis = data["kpis"]
    assert not kpis.duplicated(["unit_code", "period", "metric"]).any()
    assert not data["customer-kpis"].duplicated(["customer_code", "period"]).any()


def test_every_reference_exists(data: demo.DemoData) -> None:
    units, employees = data["units"], data["employees"]
    unit_codes, staff = set(units["unit_code"]), set(employees["employee_code"])
    locations = set(units.loc[units["kind"] == "location", "unit_code"])
    assert set(units["parent_code"].dropna()) <= unit_codes
    assert set(units["manager_employee_code"].dropna()) <= staff
    assert units["manager_employee_code"].notna().all()
    assert set(employees["unit_code"]) <= unit_codes
    assert set(data["customers"]["home_unit_code"].astype(str)) <= locations
    assert set(data["employee-responses"]["unit_code"].astype(str)) <= unit_codes
    customers = set(data["customers"]["customer_code"])
    assert set(data["customer-responses"]["customer_code"].astype(str)) <= customers
    assert set(data["customer-kpis"]["customer_code"].astype(str)) <= customers
    for kind in ("customer-responses", "touchpoints", "reviews", "kpis", "employer-reviews"):
        assert set(data[kind]["unit_code"].astype(str)) <= locations, kind


def test_managers_run_their_own_unit(data: demo.DemoData) -> None:
    units = data["units"]
    employees = data["employees"].set_index("employee_code")
    managers = employees.loc[units["manager_employee_code"]]
    assert (managers["unit_code"].to_numpy() == units["unit_code"].to_numpy()).all()
    assert managers["is_manager"].all()
    expected = {
        "company": "directeur",
        "region": "regiomanager",
        "location": "filiaalmanager",
        "team": "teamleider",
    }
    assert (managers["role"].to_numpy() == units["kind"].map(expected).to_numpy()).all()


def test_touchpoint_employees_face_customers_at_that_location(data: demo.DemoData) -> None:
    touch = data["touchpoints"].dropna(subset=["employee_code"])
    named = data["touchpoints"]["employee_code"].notna().mean()
    assert 0.35 < named < 0.65
    employees = data["employees"].set_index("employee_code")
    who = employees.loc[touch["employee_code"].astype(str)]
    location = who["unit_code"].map(_location_of(data)).to_numpy()
    assert (location == touch["unit_code"].astype(str).to_numpy()).all()
    assert who["customer_facing"].all()


def test_unit_tree_has_one_root_no_cycles_and_real_regions(data: demo.DemoData) -> None:
    units = data["units"]
    parent = dict(zip(units["unit_code"], units["parent_code"], strict=True))
    roots = [code for code, up in parent.items() if pd.isna(up)]
    assert roots == ["NL"]
    depth = {"company": 0, "region": 1, "location": 2, "team": 3}
    for code, kind in zip(units["unit_code"], units["kind"], strict=True):
        steps, node = 0, code
        while not pd.isna(parent[node]):
            node, steps = parent[node], steps + 1
            assert steps <= 3, f"cycle above {code}"
        assert steps == depth[kind]
    regions = units[units["kind"] == "region"]
    assert len(regions) == round(CONFIG.units / 6)
    towns = {town.name: town for town in places.TOWNS}
    names = dict(zip(units["unit_code"], units["name"], strict=True))
    for _, row in units[units["kind"] == "location"].iterrows():
        town = next(t for name, t in towns.items() if row["name"].startswith(name + " "))
        assert names[row["parent_code"]].removeprefix("Regio ").startswith(town.region)
    teams = units[units["kind"] == "team"]
    per_location = teams.groupby("parent_code").size()
    assert per_location.between(1, 3).all() and len(per_location) == CONFIG.units


# --- answers and calendar ---------------------------------------------------------------


def test_answers_are_within_their_scales(data: demo.DemoData) -> None:
    employee = data["employee-responses"]
    for item in EMPLOYEE_ITEMS:
        low, high = (0, 10) if item == "enps" else (1, 5)
        assert employee[item].dropna().between(low, high).all(), item
    agree = employee[[i for i in EMPLOYEE_ITEMS if i != "enps"]]
    assert 0.015 < agree.isna().to_numpy().mean() < 0.05
    assert employee["enps"].notna().all()
    assert 0.25 < employee["comment"].notna().mean() < 0.35
    customer = data["customer-responses"]
    assert customer["recommend"].between(0, 10).all()
    assert customer[["satisfaction", "continue"]].notna().all().all()
    for item in ATTACHMENT:
        assert customer[item].dropna().between(1, 5).all(), item
    assert set(customer["channel"].astype(str)) == {"in_person", "phone", "chat_email", "app_web"}
    touch = data["touchpoints"]
    assert touch["satisfaction"].between(1, 5).all() and touch["ease"].between(1, 7).all()
    assert touch["valued"].dropna().between(1, 5).all() and touch["valued"].isna().mean() > 0.5
    reviews = data["reviews"]
    assert (reviews["rating"] <= reviews["rating_max"]).all() and (reviews["rating"] >= 1).all()
    assert set(reviews["rating_max"]) == {5, 10}
    assert (reviews["language"].astype(str) == "nl").mean() > 0.7
    for column in CONTRACT["reviews"][6:11]:
        values = reviews[column].astype("float64")
        assert (values.dropna() <= reviews.loc[values.notna(), "rating_max"]).all()


def test_reviews_praise_staff_of_that_location_by_first_name(data: demo.DemoData) -> None:
    reviews = data["reviews"]
    praise = reviews[reviews["text"].str.contains("aan de servicebalie|op de winkelvloer")]
    assert len(praise) > 0
    names = data.staff.set_index("employee_code")["first_name"]
    employees = data["employees"].assign(first_name=lambda f: f["employee_code"].map(names))
    employees["location"] = employees["unit_code"].map(_location_of(data))
    for _, review in praise.head(20).iterrows():
        first = employees.loc[employees["location"] == review["unit_code"], "first_name"]
        assert any(
            review["text"].find(f" {name} ") >= 0
            or review["text"].find(f". {name}") >= 0
            or f"voor {name} " in review["text"]
            for name in set(first)
        )


def test_comments_and_review_texts_follow_the_answers(data: demo.DemoData) -> None:
    pool = texts.EMPLOYEE_POOL
    key = pool.keys[int(np.ravel_multi_index((1, 0, 1), (6, 2, 2)))]
    assert key == ("autonomy", 0, "en")  # the layout the generator relies on
    employee = data["employee-responses"]
    ee = _mean(employee, EMPLOYEE_ITEMS[:4])
    comment = employee["comment"].astype(object)
    praise = comment.isin(texts.EMPLOYEE_COMMENTS[("engagement", 1, "nl")])
    moan = comment.isin(texts.EMPLOYEE_COMMENTS[("engagement", 0, "nl")])
    assert ee[praise].mean() > ee[moan].mean() + 0.5
    reviews = data["reviews"]
    share = reviews["rating"] / reviews["rating_max"]
    negative = {t for lang in ("nl", "en") for t in texts.REVIEW_OPENINGS[(0, lang)]}
    positive = {t for lang in ("nl", "en") for t in texts.REVIEW_OPENINGS[(2, lang)]}
    opening = reviews["text"].map(
        lambda text: next((t for t in negative | positive if text.startswith(t)), None)
    )
    assert opening[share <= 0.4].isin(negative).all()
    assert opening[share >= 0.8].isin(positive).all()


def test_calendar_ends_with_the_last_complete_quarter() -> None:
    assert Calendar.ending_before(date(2026, 10, 1), 8).quarters[::7] == ("2024-Q4", "2026-Q3")
    assert Calendar.ending_before(date(2026, 9, 30), 2).quarters == ("2026-Q1", "2026-Q2")
    assert Calendar.ending_before(date(2026, 10, 1), 1).months == ("2026-07", "2026-08", "2026-09")


def test_waves_periods_and_moments_line_up(data: demo.DemoData) -> None:
    quarters = data.truth["quarters"]
    assert quarters[0] == "2024-Q4" and quarters[-1] == "2026-Q3"
    for kind, prefix, column in [
        ("employee-responses", "MW-", "submitted_at"),
        ("customer-responses", "KT-", "submitted_at"),
    ]:
        frame = data[kind]
        assert set(frame["wave"].astype(str)) == {prefix + q for q in quarters}
        moment = pd.PeriodIndex(frame[column], freq="Q").astype(str).str.replace("Q", "-Q")
        assert (moment == frame["wave"].astype(str).str[3:]).all()
    assert sorted(set(data["kpis"]["period"])) == data.truth["months"]
    assert len(data.truth["months"]) == 3 * CONFIG.periods
    employees = data["employees"]
    left = employees["left_on"].dropna()
    assert (left >= "2024-10-01").all() and (left < "2026-10-01").all()
    assert (employees["hired_on"] < employees["left_on"].fillna("9999")).all()


def test_same_seed_same_data_other_seed_other_data() -> None:
    small = DemoConfig(units=6, periods=3, customers_per_unit=20, seed=11)
    first, second = generate_demo(small), generate_demo(small)
    for kind in first.kinds:
        pd.testing.assert_frame_equal(first[kind], second[kind])
    pd.testing.assert_frame_equal(first.truth_units, second.truth_units)
    other = generate_demo(DemoConfig(units=6, periods=3, customers_per_unit=20, seed=12))
    assert not other["customer-responses"]["satisfaction"].equals(first["customer-responses"]["satisfaction"])


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="units"):
        DemoConfig(units=1)
    with pytest.raises(ValueError, match="response rates"):
        DemoConfig(customer_response_rate=0)


def test_truth_is_json_and_complete(data: demo.DemoData) -> None:
    truth = json.loads(json.dumps(data.truth, allow_nan=False))
    assert set(truth["parameters"]) == {spec.name for spec in fields(ChainParameters)}
    assert len(truth["units"]) == CONFIG.units * CONFIG.periods
    assert len(data.truth_units) == CONFIG.units * CONFIG.periods
    for column in (
        "manager_quality",
        "autonomy",
        "competence",
        "relatedness",
        "service_climate",
        "hygiene",
        "true_ee",
        "true_attachment",
        "true_satisfaction",
        "revenue_growth",
    ):
        assert column in data.truth_units.columns
    assert data.truth_units["true_ee"].between(1, 5).all()


# --- the planted chain ------------------------------------------------------------------


def test_location_engagement_tracks_true_engagement(data: demo.DemoData) -> None:
    panel = _panel(data)
    by_location = panel.groupby(level="unit_code")[["ee", "true_ee"]].mean()
    assert by_location["ee"].corr(by_location["true_ee"]) > 0.8
    assert panel["ee"].corr(panel["true_ee"]) > 0.7
    assert (panel["ee"] - panel["true_ee"]).abs().mean() < 0.2


def test_engagement_icc_is_realistic(data: demo.DemoData) -> None:
    assert 0.10 <= data.truth["realised"]["engagement_icc1"] <= 0.25


def _hygiene_check(data: demo.DemoData) -> pd.DataFrame:
    scores = _employee_scores(data).groupby("location")[["ee", "needs", "hygiene"]].mean()
    truth = data.truth_units.groupby("unit_code")[["true_ee", "true_hygiene"]].mean()
    return scores.join(truth)


def test_needs_drive_engagement_and_hygiene_does_not() -> None:
    scores = _hygiene_check(generate_demo(WIDE))
    assert scores["needs"].corr(scores["ee"]) > 0.6
    assert scores["hygiene"].corr(scores["true_hygiene"]) > 0.8
    assert abs(scores["hygiene"].corr(scores["true_ee"])) < 0.25
    assert abs(scores["hygiene"].corr(scores["ee"])) < 0.25


def test_a_hygiene_path_into_engagement_would_be_caught() -> None:
    """Negative control: plant hygiene -> engagement and the check above fails."""
    wrong = ChainParameters(engagement_from_hygiene=0.6)
    broken = generate_demo(DemoConfig(units=150, periods=2, customers_per_unit=5, seed=7, parameters=wrong))
    scores = _hygiene_check(broken)
    assert scores["hygiene"].corr(scores["true_ee"]) > 0.3


def test_attachment_follows_engagement(data: demo.DemoData) -> None:
    panel = _panel(data).groupby(level="unit_code")[["ee", "ca"]].mean()
    assert panel["ee"].corr(panel["ca"]) > 0.4


def test_without_the_planted_link_attachment_does_not_follow_engagement() -> None:
    """Negative control: the previous test fails when the EE -> CA paths are removed."""
    cut = ChainParameters(
        attachment_from_engagement=0.0,
        attachment_from_engagement_lag=0.0,
        attachment_from_climate=0.0,
    )
    broken = generate_demo(DemoConfig(units=40, periods=8, customers_per_unit=60, seed=7, parameters=cut))
    panel = _panel(broken).groupby(level="unit_code")[["ee", "ca"]].mean()
    assert abs(panel["ee"].corr(panel["ca"])) < 0.3


def test_both_high_locations_grow_fastest(data: demo.DemoData) -> None:
    panel = _panel(data).dropna(subset=["growth"])
    ee_high = panel["ee"] >= panel["ee"].median()
    ca_high = panel["ca"] >= panel["ca"].median()
    growth = panel["growth"]
    both_high, both_low = growth[ee_high & ca_high].mean(), growth[~ee_high & ~ca_high].mean()
    one_high = growth[ee_high ^ ca_high].mean()
    assert both_high > 1.8 * both_low
    assert both_high > one_high > both_low
    realised = data.truth["realised"]
    assert 2.5 < realised["both_high_vs_both_low_growth"] < 4.5


def test_turnover_follows_engagement(data: demo.DemoData) -> None:
    kpis = data["kpis"]
    turnover = kpis[kpis["metric"] == "employee_turnover"].groupby("unit_code")["value"].mean()
    truth = data.truth_units.groupby("unit_code")["true_ee"].mean()
    assert turnover.corr(truth) < -0.3


def test_customer_segments_and_their_value(data: demo.DemoData) -> None:
    scores = _customer_scores(data)
    loyal = (scores["satisfaction"] == 5) & (scores["continue"] == 5) & (scores["recommend"] >= 9)
    fully = loyal & (scores["attachment"] >= 4.5)
    engaged = ~fully & (scores["attachment"] >= 4.0)
    disengaged = ~fully & ~engaged & ((scores["attachment"] <= 2.5) | (scores["satisfaction"] <= 2))
    assert 0.15 <= fully.mean() <= 0.30
    assert 0.10 <= disengaged.mean() <= 0.25
    kpis = data["customer-kpis"].astype({"customer_code": str, "period": str})
    value = scores.merge(kpis, on=["customer_code", "period"], validate="one_to_one")
    wallet = value["share_of_wallet"]
    assert wallet[fully.to_numpy()].mean() / wallet.mean() == pytest.approx(1.23, abs=0.06)
    assert wallet[disengaged.to_numpy()].mean() / wallet.mean() == pytest.approx(0.87, abs=0.06)
    revenue = value.groupby("satisfaction")["revenue"].mean()
    assert revenue[5.0] / revenue[3.0] == pytest.approx(2.6, rel=0.25)
    retained = value.groupby(fully.to_numpy())["retained"].mean()
    assert retained[True] > retained[False]


# --- export -----------------------------------------------------------------------------


def test_export_writes_every_kind_as_an_import_file(data: demo.DemoData, tmp_path: Path) -> None:
    paths = export_demo(data, tmp_path)
    assert [p.name for p in paths] == [
        "units.csv",
        "employees.xlsx",
        "customers.csv",
        "employee-responses.csv",
        "customer-responses.csv",
        "touchpoints.csv",
        "reviews.csv",
        "kpis.csv",
        "customer-kpis.csv",
        "employer-reviews.csv",
    ]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    raw = (tmp_path / "kpis.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    header, first = text.split("\r\n")[:2]
    assert header == "unit_code;period;metric;value"
    assert first.startswith("L-") and "€ " in first and "," in first.split(";")[3]
    assert ";0," in text  # fractions with a decimal comma
    units = pd.read_csv(tmp_path / "units.csv", dtype=str, keep_default_na=False)
    assert list(units.columns) == CONTRACT["units"]
    assert units["parent_code"].iloc[0] == ""
    responses = pd.read_csv(tmp_path / "employee-responses.csv", nrows=50)
    assert list(responses.columns) == CONTRACT["employee-responses"]
    assert "T" in str(responses["submitted_at"].iloc[0])
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["parameters"]["growth_mean"] == ChainParameters().growth_mean
    assert (tmp_path / "truth_units.csv").exists()


def test_employees_workbook_has_date_and_boolean_cells(data: demo.DemoData, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    export_demo(data, tmp_path, truth=False)
    sheet = load_workbook(tmp_path / "employees.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CONTRACT["employees"]
    assert len(rows) == len(data["employees"]) + 1
    first = rows[1]
    assert isinstance(first[3], bool) and hasattr(first[5], "year")
    left_on = [row[6] if len(row) > 6 else None for row in rows[1:]]  # empty trailing cells
    assert any(v is not None for v in left_on) and any(v is None for v in left_on)


def test_export_rejects_unknown_formats(data: demo.DemoData, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown"):
        export_demo(data, tmp_path, {"kpis": "ods"})


@pytest.mark.slow
def test_a_million_customer_responses_in_seconds() -> None:
    start = time.perf_counter()
    big = generate_demo(DemoConfig(units=100, periods=8, customers_per_unit=1250))
    elapsed = time.perf_counter() - start
    assert len(big["customer-responses"]) == 1_000_000
    assert elapsed < 20, f"{elapsed:.1f} s"
    assert np.isfinite(big["customer-kpis"]["revenue"]).all()


def test_every_parameter_is_documented() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "demo-ground-truth.md").read_text()
    docstring = ChainParameters.__doc__ or ""
    for spec in fields(ChainParameters):
        assert f"`{spec.name}`" in docs, f"{spec.name} missing from docs/demo-ground-truth.md"
        assert spec.name in docstring, f"{spec.name} missing from the ChainParameters docstring"
    for spec in fields(DemoConfig):
        assert f"`{spec.name}`" in docs, f"{spec.name} missing from docs/demo-ground-truth.md"


def test_planted_praise_names_the_praised_employee_in_the_review(data: demo.DemoData) -> None:
    """The truth's praise map points each praising review at an employee of its location whose
    first name the text carries, and only 4- or 5-star (8+ of 10) reviews praise."""
    praise = data.truth["praise"]
    reviews = data["reviews"].set_index("review_id")
    employees = data["employees"].set_index("employee_code")
    units = data["units"].set_index("unit_code")
    assert len(praise) > 50
    for review_id, code in praise.items():
        review = reviews.loc[review_id]
        assert employees.loc[code, "first_name"] in review["text"]
        unit = employees.loc[code, "unit_code"]
        location = unit if unit == review["unit_code"] else units.loc[unit, "parent_code"]
        assert location == review["unit_code"]
        assert review["rating"] / review["rating_max"] > 0.6
