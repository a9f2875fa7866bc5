"""The scorecard (:func:`servicechain.analysis.scorecard.build_scorecard`) on the demo, in both engines:
contract fields, filters, numbers recomputed by hand from the raw rows, DuckDB = PostgreSQL, value
ranges, and shrinkage bringing store scores closer to the generator's planted truth.

Loading a demo and scoring it takes seconds, so each engine's demo store is built once per module
(``demo``); every engine loads the demo into its own store and computes its own scorecard.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from servicechain.analysis.scorecard import build_scorecard
from servicechain.demo.chain import ChainParameters
from servicechain.demo.generate import DemoConfig, DemoData, generate_demo
from servicechain.demo.load import load_demo
from servicechain.errors import UserError
from servicechain.ingest.pipeline import import_table
from servicechain.ingest.readers import table_from_frame
from servicechain.store import Store
from servicechain.store.bulk import read_frame
from tests.conftest import fresh_store

CONTRACT = [
    "unit_code",
    "period",
    "measure",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "shrunk",
    "percentile",
    "flag",
    "suppressed",
]
KEYS = ["unit_code", "period", "source", "measure"]
FLOATS = ["mean", "ci_low", "ci_high", "shrunk", "percentile", "sd", "se"]
DEMO = {"units": 12, "periods": 3, "customers_per_unit": 30, "seed": 5}
Z = float(stats.norm.ppf(0.975))


@dataclass
class Demo:
    engine: str
    store: Store
    card: pd.DataFrame


def _demo(request: pytest.FixtureRequest, engine: str, folder: Path) -> Iterator[Demo]:
    with fresh_store(request, engine, folder) as store:
        load_demo(store, **DEMO)
        yield Demo(engine, store, build_scorecard(store))


@pytest.fixture(scope="module")
def duck(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from _demo(request, "duckdb", tmp_path_factory.mktemp("duck"))


@pytest.fixture(scope="module")
def pg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from _demo(request, "postgresql", tmp_path_factory.mktemp("pg"))


@pytest.fixture(params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest) -> Demo:
    """The demo store of each engine with its whole scorecard."""
    return request.getfixturevalue({"duckdb": "duck", "postgresql": "pg"}[request.param])


def query(store: Store, sql: str) -> pd.DataFrame:
    with store.engine.connect() as connection:
        return read_frame(connection, sql)


def units_of(store: Store) -> pd.DataFrame:
    return query(store, "SELECT id, code, kind, path FROM org_unit ORDER BY path")


def below(units: pd.DataFrame, code: str) -> set[str]:
    """``code`` and every unit under it, from the materialised paths."""
    path = units.loc[units["code"] == code, "path"].iloc[0]
    return set(units.loc[units["path"].str.startswith(path), "code"])


def same_rows(part: pd.DataFrame, whole: pd.DataFrame) -> None:
    """Each row of a filtered scorecard equals the full scorecard's row (filters never change numbers)."""
    assert not part.duplicated(KEYS).any()
    merged = part.merge(whole, on=KEYS, how="left", suffixes=("", "_all"), validate="one_to_one")
    assert merged["suppressed_all"].notna().all()
    assert (merged["n"].fillna(-1) == merged["n_all"].fillna(-1)).all()
    for column in FLOATS:
        np.testing.assert_allclose(
            merged[column].astype(float),
            merged[f"{column}_all"].astype(float),
            rtol=1e-12,
            atol=1e-12,
            err_msg=column,
        )
    assert (merged["suppressed"] == merged["suppressed_all"]).all()


# --- contract and filters ---------------------------------------------------------------------------


def test_contract_fields_come_first(demo: Demo) -> None:
    card = demo.card
    assert list(card.columns[: len(CONTRACT)]) == CONTRACT
    assert {"unit_name", "level", "source", "kind", "suppressed_reason"} <= set(card.columns)
    assert not card.duplicated(KEYS).any()
    assert set(card["period"]) == {"2026-Q1", "2026-Q2", "2026-Q3"}
    assert set(card["level"]) == {"company", "region", "location", "team"}
    assert {"engagement_index", "ce_index", "attachment", "nps", "satisfaction"} <= set(card["measure"])
    assert card["suppressed"].dtype == bool
    assert pd.api.types.is_integer_dtype(card["n"])


def test_unit_filter_gives_that_units_subtree(demo: Demo) -> None:
    units = units_of(demo.store)
    region = units.loc[units["kind"] == "region", "code"].iloc[-1]
    part = build_scorecard(demo.store, unit=region)
    assert set(part["unit_code"]) == below(units, region)
    assert len(below(units, region)) > 3
    assert set(part["period"]) == set(demo.card["period"])
    same_rows(part, demo.card)
    location = units.loc[units["kind"] == "location", "code"].iloc[0]
    assert set(build_scorecard(demo.store, unit=location)["unit_code"]) == below(units, location)


def test_level_and_period_filters(demo: Demo) -> None:
    units = units_of(demo.store)
    locations = build_scorecard(demo.store, level="location")
    assert set(locations["level"]) == {"location"}
    assert set(locations["unit_code"]) == set(units.loc[units["kind"] == "location", "code"])
    same_rows(locations, demo.card)
    one = build_scorecard(demo.store, period="2026-Q2")
    assert set(one["period"]) == {"2026-Q2"}
    assert len(one) == (demo.card["period"] == "2026-Q2").sum()
    same_rows(one, demo.card)


def test_filters_combine(demo: Demo) -> None:
    units = units_of(demo.store)
    region = units.loc[units["kind"] == "region", "code"].iloc[0]
    part = build_scorecard(demo.store, unit=region, level="team", period="2026-Q3")
    teams = {code for code in below(units, region) if code.startswith("T-")}
    assert set(part["unit_code"]) == teams and set(part["level"]) == {"team"}
    assert set(part["period"]) == {"2026-Q3"}
    same_rows(part, demo.card)
    assert build_scorecard(demo.store, unit=teams.pop(), level="region").empty


def test_unknown_unit_level_or_period_is_a_user_error(demo: Demo) -> None:
    units = units_of(demo.store)
    location = units.loc[units["kind"] == "location", "code"].iloc[0]  # e.g. L-SDM01
    with pytest.raises(UserError, match=r"unknown unit 'L-NOWHERE'"):
        build_scorecard(demo.store, unit="L-NOWHERE")
    with pytest.raises(UserError, match=rf"unknown unit '{location[2:5]}'.*did you mean .*{location}"):
        build_scorecard(demo.store, unit=location[2:5])
    with pytest.raises(UserError, match=r"unknown level 'store'.*company, region, location, team"):
        build_scorecard(demo.store, level="store")
    with pytest.raises(UserError, match=r"no results for period '2019-Q1'.*2026-Q3"):
        build_scorecard(demo.store, period="2019-Q1")


# --- numbers by hand from the raw rows --------------------------------------------------------------


def customer_rows(store: Store) -> pd.DataFrame:
    return query(
        store,
        """
        SELECT w.period, u.path, r.satisfaction, r.recommend
        FROM customer_response r JOIN survey_wave w ON w.id = r.wave_id JOIN org_unit u ON u.id = r.unit_id
    """,
    )


def employee_rows(store: Store) -> pd.DataFrame:
    return query(
        store,
        """
        SELECT w.period, u.path, r.eng_enthusiasm, r.eng_pride, r.eng_extra_mile, r.eng_commitment
        FROM employee_response r JOIN survey_wave w ON w.id = r.wave_id JOIN org_unit u ON u.id = r.unit_id
    """,
    )


def row(card: pd.DataFrame, unit: str, period: str, measure: str) -> pd.Series:
    match = card[(card["unit_code"] == unit) & (card["period"] == period) & (card["measure"] == measure)]
    assert len(match) == 1, (unit, period, measure)
    return match.iloc[0]


def t_interval(values: pd.Series) -> tuple[float, float, float]:
    x = values.dropna().astype(float).to_numpy()
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean(), x.mean() - half, x.mean() + half


def wilson(p: float, n: int) -> tuple[float, float]:
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n * n))
    return 100 * (centre - half), 100 * (centre + half)


def check(shown: pd.Series, n: int, mean: float, low: float, high: float) -> None:
    assert not shown["suppressed"]
    assert shown["n"] == n
    np.testing.assert_allclose(
        [shown["mean"], shown["ci_low"], shown["ci_high"]], [mean, low, high], rtol=1e-9, atol=1e-9
    )


def test_company_and_region_customer_figures_equal_the_raw_rows(demo: Demo) -> None:
    units, rows = units_of(demo.store), customer_rows(demo.store)
    region = units.loc[units["kind"] == "region", "code"].iloc[0]
    for period in ("2026-Q1", "2026-Q3"):
        for code in ("NL", region):
            path = units.loc[units["code"] == code, "path"].iloc[0]
            mine = rows[(rows["period"] == period) & rows["path"].str.startswith(path)]
            assert len(mine) > 20
            assert row(demo.card, code, period, "customer_respondents")["n"] == len(mine)
            satisfaction = mine["satisfaction"].dropna()
            check(row(demo.card, code, period, "satisfaction"), len(satisfaction), *t_interval(satisfaction))
            top = float((satisfaction == 5).mean())
            check(
                row(demo.card, code, period, "csat_top_box"),
                len(satisfaction),
                100 * top,
                *wilson(top, len(satisfaction)),
            )
            recommend = mine["recommend"].dropna()
            promoter = np.where(recommend >= 9, 100.0, np.where(recommend <= 6, -100.0, 0.0))
            check(row(demo.card, code, period, "nps"), len(recommend), *t_interval(pd.Series(promoter)))


def test_location_engagement_equals_the_raw_rows_of_its_teams(demo: Demo) -> None:
    units, rows = units_of(demo.store), employee_rows(demo.store)
    items = ["eng_enthusiasm", "eng_pride", "eng_extra_mile", "eng_commitment"]
    answered = rows[items].notna().sum(axis=1)
    rows["engagement"] = rows[items].astype(float).mean(axis=1).where(answered >= 2)
    period = "2026-Q2"
    company = rows[rows["period"] == period]
    assert row(demo.card, "NL", period, "employee_respondents")["n"] == len(company)
    check(
        row(demo.card, "NL", period, "engagement_index"),
        company["engagement"].notna().sum(),
        *t_interval(company["engagement"]),
    )
    checked = 0
    for code in units.loc[units["kind"] == "location", "code"]:
        shown = row(demo.card, code, period, "engagement_index")
        if shown["suppressed"]:
            continue
        path = units.loc[units["code"] == code, "path"].iloc[0]
        mine = company.loc[company["path"].str.startswith(path), "engagement"]
        assert (company["path"] == path).sum() < len(mine)  # most answers come from the teams below
        check(shown, mine.notna().sum(), *t_interval(mine))
        checked += 1
    assert checked >= 6


# --- engines ----------------------------------------------------------------------------------------


def test_duckdb_and_postgresql_give_the_same_scorecard(duck: Demo, pg: Demo) -> None:
    left = duck.card.sort_values(KEYS).reset_index(drop=True)
    right = pg.card.sort_values(KEYS).reset_index(drop=True)
    assert len(left) == len(right) > 1000
    assert left[KEYS].equals(right[KEYS])
    assert (left["n"].isna() == right["n"].isna()).all()
    assert (left["n"].fillna(-1) == right["n"].fillna(-1)).all()
    for column in FLOATS:
        a, b = left[column].astype(float).to_numpy(), right[column].astype(float).to_numpy()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=column)
    for column in ("flag", "suppressed", "suppressed_reason", "alarm", "level", "kind", "depth"):
        assert (
            left[column].astype(object).where(left[column].notna(), None).tolist()
            == right[column].astype(object).where(right[column].notna(), None).tolist()
        ), column
    assert left["suppressed"].any() and (~left["suppressed"]).any()


# --- ranges -----------------------------------------------------------------------------------------


def test_values_stay_in_their_ranges(demo: Demo) -> None:
    card = demo.card
    shown = card[~card["suppressed"] & (card["kind"] != "count") & (card["n"] > 0)]
    assert shown["percentile"].dropna().between(0, 100).all()
    assert shown["percentile"].notna().mean() > 0.9
    assert set(card["flag"].dropna()) <= {"above", "within", "below"}
    assert "within" in set(card["flag"].dropna())
    shares = shown[shown["kind"] == "share"]
    for column in ("mean", "ci_low", "ci_high", "shrunk"):
        assert shares[column].dropna().between(0, 100).all(), column
    nps = shown[shown["kind"] == "nps"]
    assert (
        len(nps) and nps["mean"].between(-100, 100).all() and nps["shrunk"].dropna().between(-100, 100).all()
    )
    scores = shown[shown["kind"] == "score"]
    assert scores["mean"].between(0, 10).all()
    with_interval = shown[shown["kind"].isin(["score", "share", "nps"]) & (shown["n"] >= 2)]
    assert with_interval[["mean", "ci_low", "ci_high"]].notna().all().all()
    assert (with_interval["ci_low"] <= with_interval["mean"] + 1e-12).all()
    assert (with_interval["mean"] <= with_interval["ci_high"] + 1e-12).all()
    others = shown[~shown["kind"].isin(["score", "share", "nps"])]  # e.g. engagement ratios
    assert (others["mean"].dropna() >= 0).all()
    bounded = others.dropna(subset=["mean", "ci_low", "ci_high"])
    assert ((bounded["ci_low"] <= bounded["mean"]) & (bounded["mean"] <= bounded["ci_high"])).all()
    counts = card[card["kind"] == "count"]
    assert counts[["mean", "shrunk", "percentile"]].isna().all().all() and counts["flag"].isna().all()


def test_nps_intervals_stay_within_the_scale(demo: Demo) -> None:
    nps = demo.card[~demo.card["suppressed"] & (demo.card["kind"] == "nps")]
    assert nps["ci_low"].dropna().between(-100, 100).all()
    assert nps["ci_high"].dropna().between(-100, 100).all()


# --- ground truth -----------------------------------------------------------------------------------
# With the same n in every store, shrinkage is one affine map per peer group and cannot change a
# correlation (customers_per_unit=8 with everybody answering gives exactly 8 per store). Stores in
# real chains differ in response rate, so each store keeps its own random share of its responses
# (log-uniform), which makes n vary from 1-2 to all. Shrinkage works within a peer group (level and
# period): correlations are taken per period and averaged (pooling periods mixes in the shift
# between quarter means, which the truth does not have).


def thinned_demo(seed: int, source: str) -> tuple[DemoData, dict[str, pd.DataFrame]]:
    """A demo of 120 stores, 2 quarters, with store response rates from 1/20 (customers) or 1/10 up to 1.

    ``employee_between_sd=0.15`` (default 0.35) lowers the ICC so that shrinkage matters for
    employees as well; staff per store 6..80.
    """
    config = DemoConfig(
        units=120,
        periods=2,
        customers_per_unit=40,
        seed=seed,
        employees_per_location=(6, 80),
        parameters=ChainParameters(employee_between_sd=0.15),
    )
    data = generate_demo(config)
    units = data["units"].astype({"unit_code": str, "parent_code": str, "kind": str})
    store_of = dict(zip(units["unit_code"], units["parent_code"], strict=True))
    locations = units.loc[units["kind"] == "location", "unit_code"].tolist()
    store_of.update({code: code for code in locations})
    rng = np.random.default_rng(seed)
    lowest = {"customer": 2 / 40, "employee": 0.1}[source]
    rate = pd.Series(np.exp(rng.uniform(np.log(lowest), 0.0, len(locations))), index=locations)
    kind = f"{source}-responses"
    responses = data[kind].drop(columns=["customer_code"], errors="ignore")
    keep = rng.random(len(responses)) < responses["unit_code"].astype(str).map(store_of).map(rate).to_numpy()
    return data, {"units": data["units"].drop(columns="manager_employee_code"), kind: responses[keep]}


def import_tables(store: Store, tables: dict[str, pd.DataFrame], label: str) -> None:
    for kind, frame in tables.items():
        identity = hashlib.sha256(f"{label}|{kind}".encode()).hexdigest()
        import_table(store, kind, table_from_frame(frame.reset_index(drop=True), f"{label}:{kind}", identity))


def truth_correlations(
    store: Store, data: DemoData, source: str, measure: str, truth: str
) -> tuple[float, float]:
    """(shrunk, raw mean) correlation with the planted truth, per quarter, averaged over the quarters."""
    card = build_scorecard(store, level="location", sources=(source,))  # type: ignore[arg-type]
    rows = card[(card["measure"] == measure) & ~card["suppressed"]]
    rows = rows.merge(data.truth_units[["unit_code", "period", truth]], on=["unit_code", "period"])
    assert rows["n"].min() <= 5 and rows["n"].max() >= 30 and len(rows) > 100
    per_period = [
        (group["shrunk"].corr(group[truth]), group["mean"].astype(float).corr(group[truth]))
        for _, group in rows.groupby("period")
    ]
    shrunk, mean = np.mean(per_period, axis=0)
    return float(shrunk), float(mean)


def test_shrunk_customer_scores_are_closer_to_the_truth_than_raw_means(store: Store) -> None:
    # Measured (seed 1, per quarter, averaged): attachment shrunk 0.670 vs raw 0.562; CE index 0.663 vs
    # 0.550. Over seeds 1-8 shrinkage gains 0.022-0.109 (attachment) and 0.012-0.113 (CE index).
    data, tables = thinned_demo(1, "customer")
    import_tables(store, tables, "truth-customer-1")
    shrunk, mean = truth_correlations(store, data, "customer", "attachment", "true_attachment")
    assert shrunk > mean + 0.02, (shrunk, mean)
    shrunk, mean = truth_correlations(store, data, "customer", "ce_index", "true_attachment")
    assert shrunk > mean + 0.02, (shrunk, mean)


def test_shrunk_engagement_is_closer_to_the_truth_on_average_over_seeds(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Employees: shown stores have n >= 5, so the gain is smaller and varies by seed (0.014 to 0.083
    over seeds 1-8, and negative for some seeds of other configurations): asserted on the average of
    seeds 1-4. DuckDB only: the engines' scorecards are equal (test above) and four demos per engine
    would double the file's time.

    Measured (shrunk vs raw, per quarter, averaged): seed 1 0.660 vs 0.626, 2 0.622 vs 0.539,
    3 0.588 vs 0.571, 4 0.610 vs 0.566; average 0.620 vs 0.576.
    """
    pairs = []
    for seed in (1, 2, 3, 4):
        data, tables = thinned_demo(seed, "employee")
        with fresh_store(request, "duckdb", tmp_path) as store:
            import_tables(store, tables, f"truth-employee-{seed}")
            pairs.append(truth_correlations(store, data, "employee", "engagement_index", "true_ee"))
    shrunk, mean = np.mean(pairs, axis=0)
    assert shrunk > mean + 0.01, pairs
