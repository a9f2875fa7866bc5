"""The demo goes through the real import path into both engines, and its planted chain
can be recovered from what the store holds (not only from the generated frames)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servicechain.demo import KINDS, DemoConfig, generate_demo
from servicechain.demo.load import load_demo, read_truth
from servicechain.store import Store
from servicechain.store.bulk import read_frame
from tests.conftest import snapshot

SMALL = {"units": 12, "periods": 4, "customers_per_unit": 150, "seed": 11}

ENGAGEMENT = "(eng_enthusiasm + eng_pride + eng_extra_mile + eng_commitment) / 4.0"
ATTACHMENT = (
    "(confidence_promises + confidence_competent + integrity_fair + integrity_fix + pride_proud"
    " + pride_respect + passion_irreplaceable + passion_fit) / 8.0"
)


def location_means(store: Store, table: str, expression: str) -> pd.DataFrame:
    """Mean of ``expression`` per location and wave period, rolling teams up into locations."""
    query = f"""
        SELECT loc.code AS unit_code, w.period AS period, avg({expression}) AS mean, count(*) AS n
        FROM {table} r
        JOIN org_unit u ON u.id = r.unit_id
        JOIN org_unit loc ON loc.kind = 'location' AND u.path LIKE loc.path || '%'
        JOIN survey_wave w ON w.id = r.wave_id
        GROUP BY loc.code, w.period
    """
    with store.transaction() as connection:
        return read_frame(connection, query)


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> tuple[Store, Path, list]:
    results = load_demo(store, export_dir=tmp_path / "demo", **SMALL)
    return store, tmp_path / "demo", results


def test_every_generated_row_lands_through_the_files(loaded: tuple[Store, Path, list]) -> None:
    _, folder, results = loaded
    data = generate_demo(DemoConfig(**SMALL))
    assert [result.kind for result in results] == list(KINDS)
    for result in results:
        assert result.rows == len(data[result.kind])
        assert result.inserted == result.rows, result.summary()
    assert (folder / "kpis.csv").read_bytes().count(b";") > 0
    assert (folder / "employees.xlsx").exists()


def test_the_truth_is_stored_beside_the_data(loaded: tuple[Store, Path, list]) -> None:
    store, _, _ = loaded
    truth = read_truth(store)
    assert truth["config"]["seed"] == SMALL["seed"]
    assert "parameters" in truth["truth"]
    units = pd.DataFrame(truth["truth_units"])
    assert len(units) == SMALL["units"] * SMALL["periods"]


def test_planted_engagement_and_attachment_are_recovered_from_the_store(
    loaded: tuple[Store, Path, list],
) -> None:
    store, _, _ = loaded
    truth = pd.DataFrame(read_truth(store)["truth_units"])
    engagement = location_means(store, "employee_response", ENGAGEMENT).merge(
        truth, on=["unit_code", "period"]
    )
    attachment = location_means(store, "customer_response", ATTACHMENT).merge(
        truth, on=["unit_code", "period"]
    )
    assert len(engagement) == len(truth) and len(attachment) == len(truth)
    # per location over all quarters (about 50 employee and 600 customer answers each)
    pooled_ee = (
        engagement.assign(mean=engagement["mean"].astype(float))
        .groupby("unit_code")[["mean", "true_ee"]]
        .mean()
    )
    pooled_ce = (
        attachment.assign(mean=attachment["mean"].astype(float))
        .groupby("unit_code")[["mean", "true_attachment"]]
        .mean()
    )
    assert np.corrcoef(pooled_ee["mean"], pooled_ee["true_ee"])[0, 1] > 0.85
    assert np.corrcoef(pooled_ce["mean"], pooled_ce["true_attachment"])[0, 1] > 0.85


def test_loading_the_demo_again_changes_nothing(loaded: tuple[Store, Path, list]) -> None:
    store, folder, _ = loaded
    before = snapshot(store)
    again = load_demo(store, export_dir=folder, **SMALL)
    # CSV files come out byte for byte the same and are recognised; the workbook's zip
    # timestamps differ, so it is read again and found to change nothing.
    assert all(r.already_imported for r in again if r.file.endswith(".csv"))
    assert all(r.inserted == 0 and r.updated == 0 for r in again)
    after = snapshot(store)
    assert {k: v for k, v in after.items() if k != "import_log"} == {
        k: v for k, v in before.items() if k != "import_log"
    }
