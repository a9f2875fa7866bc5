"""The precomputed results the dashboards read (:mod:`servicechain.analysis.snapshot`), on both
engines: the stored scorecard is the scorecard (suppressed rows without numbers), reports in
both languages, one snapshot kept, staleness after an import, and `servicechain import`
refreshing by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from servicechain.analysis.scorecard import unit_results
from servicechain.analysis.snapshot import (
    is_stale,
    latest_snapshot,
    read_document,
    read_scorecard,
    refresh,
    review_aspects,
)
from servicechain.demo.load import load_demo
from servicechain.store import Store, schema
from tests.conftest import fresh_store


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with fresh_store(request, request.param, tmp_path_factory.mktemp("snapshot")) as store:
        load_demo(store, units=8, periods=3, customers_per_unit=30, seed=5)
        yield store


def test_stored_scorecard_is_the_scorecard(demo: Store) -> None:
    info = refresh(demo)
    stored = read_scorecard(demo, info.id).set_index(["unit_id", "period", "measure"]).sort_index()
    table = unit_results(demo).table.astype({"period": str, "measure": str})
    expected = table.set_index(["unit_id", "period", "measure"]).sort_index()
    assert len(stored) == len(expected)
    for column in ("mean", "ci_low", "ci_high", "shrunk", "percentile"):
        np.testing.assert_allclose(stored[column].astype(float), expected[column].astype(float), rtol=1e-9,
                                   equal_nan=True, err_msg=column)  # fmt: skip
    assert (stored["suppressed"].astype(bool) == expected["suppressed"].astype(bool)).all()
    hidden = stored[stored["suppressed"].astype(bool)]
    assert len(hidden) > 0, "the demo has teams below the anonymity threshold"
    assert hidden[["n", "mean", "se", "ci_low", "ci_high", "shrunk", "percentile"]].isna().all().all()
    assert hidden["suppressed_reason"].notna().all()


def test_reports_in_both_languages_and_two_snapshots_kept(demo: Store) -> None:
    first, second, third = refresh(demo), refresh(demo), refresh(demo)
    assert first.id < second.id < third.id
    with demo.engine.connect() as connection:
        kept = connection.execute(sa.select(schema.result_snapshot.c.id)).scalars().all()
        query = sa.select(schema.result_scorecard.c.snapshot_id).distinct()
        stored = connection.execute(query).scalars().all()
    assert sorted(kept) == sorted(stored) == [second.id, third.id]  # the one before stays for readers
    second = third
    dutch, english = read_document(demo, second.id, "report:nl"), read_document(demo, second.id, "report:en")
    assert dutch["language"] == "nl" and english["language"] == "en"
    assert dutch["period"] == english["period"]
    assert dutch["summary"] != english["summary"]
    assert read_document(demo, second.id, "anonymity")["default"] == 5
    assert "ce_index" in read_document(demo, second.id, "measures")


def test_stale_after_an_import(demo: Store, tmp_path: Path) -> None:
    from servicechain.ingest.pipeline import import_file

    info = refresh(demo)
    assert not is_stale(demo, info)
    assert is_stale(demo, None)
    with demo.engine.connect() as connection:
        period = connection.execute(sa.select(sa.func.max(schema.unit_kpi.c.period))).scalar()
        code = connection.execute(
            sa.select(schema.org_unit.c.code).where(schema.org_unit.c.kind == "location").limit(1)
        ).scalar()
    path = tmp_path / "kpis.csv"
    path.write_text(f"unit_code,period,metric,value\n{code},{period},nps_target,42\n", encoding="utf-8")
    import_file(demo, "kpis", path)
    assert is_stale(demo, latest_snapshot(demo))
    assert not is_stale(demo, refresh(demo))


def test_review_aspects_by_hand(demo: Store) -> None:
    aspects = review_aspects(demo)
    with demo.engine.connect() as connection:
        reviews = pd.DataFrame(connection.execute(sa.select(schema.review)).mappings().all())
    assert set(aspects["aspect"]) >= {"overall"}
    one = aspects[aspects["aspect"] == "overall"].iloc[0]
    posted = pd.to_datetime(reviews["posted_at"])
    period = posted.dt.year.astype(str) + "-Q" + posted.dt.quarter.astype(str)
    mine = reviews[(reviews["unit_id"] == one["unit_id"]) & (period == one["period"])]
    values = mine["rating"] * 5.0 / mine["rating_max"]
    assert one["n"] == len(values)
    assert one["mean"] == pytest.approx(values.mean())
    if len(values) > 1:  # t-interval, clipped to the 1..5 scale
        from scipy import stats

        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        assert one["ci_low"] == pytest.approx(max(1.0, values.mean() - half))
        assert one["ci_high"] == pytest.approx(min(5.0, values.mean() + half))


def test_refresh_before_any_survey(store: Store, tmp_path: Path) -> None:
    """Only the organisation imported: the refresh works (an import runs it) and stores no report."""
    from servicechain.ingest.pipeline import import_file

    path = tmp_path / "units.csv"
    path.write_text(
        "unit_code,name,kind,parent_code\nNL,Keten,company,\nR1,Regio,region,NL\nL1,Winkel,location,R1\n"
    )
    import_file(store, "units", path)
    info = refresh(store)
    assert "unavailable" in read_document(store, info.id, "report:en")
    assert read_document(store, info.id, "review_aspects") == []
