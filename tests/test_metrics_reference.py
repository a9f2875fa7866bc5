"""The pushed-down Ibis scoring (``measure_sums``) against a plain pandas reference.

``bench/pandas_scorecard.py`` writes the customer rules of ``shared/design/domain.md``
out again in pandas, independently of :mod:`servicechain.metrics.respondent`; on the same
rows both must give the same n (exactly) and sums (to 1e-9 relative), on every unit of
the tree, in both engines.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from servicechain.demo.load import load_demo
from servicechain.metrics import measure_sums
from servicechain.store import Store

KEYS = ["source", "unit_id", "period", "measure"]


def _reference() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "pandas_scorecard.py"
    spec = importlib.util.spec_from_file_location("bench_pandas_scorecard", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


reference = _reference()


def _load(store: Store) -> None:
    load_demo(store, units=8, periods=2, customers_per_unit=40, seed=11)


def _read(store: Store, table: str) -> pd.DataFrame:
    with store.engine.connect() as connection:
        return pd.read_sql(f"SELECT * FROM {table}", connection)


def _pandas_sums(store: Store) -> pd.DataFrame:
    frames = (_read(store, t) for t in ("customer_response", "org_unit", "survey_wave"))
    return reference.pandas_customer_sums(*frames)


def _ibis_sums(store: Store) -> pd.DataFrame:
    sums, catalogue = measure_sums(store, sources=("customer",))
    assert set(sums["measure"]) == set(catalogue)
    return sums


def _assert_same(ibis_sums: pd.DataFrame, pandas_sums: pd.DataFrame) -> None:
    assert len(ibis_sums) > 0
    both = ibis_sums.merge(pandas_sums, on=KEYS, how="outer", suffixes=("_ibis", "_pandas"), indicator=True)
    missing = both[both["_merge"] != "both"]
    assert missing.empty, missing[[*KEYS, "_merge"]].head(20).to_string()
    wrong_n = both[both["n_ibis"] != both["n_pandas"]]
    assert wrong_n.empty, wrong_n[[*KEYS, "n_ibis", "n_pandas"]].head(20).to_string()
    for column in ("total", "total_sq"):
        np.testing.assert_allclose(
            both[f"{column}_ibis"].to_numpy(dtype="float64"),
            both[f"{column}_pandas"].to_numpy(dtype="float64"),
            rtol=1e-9,
            atol=1e-9,
            err_msg=column,
        )


def test_measure_sums_match_the_pandas_reference(store: Store) -> None:
    _load(store)
    ibis_sums = _ibis_sums(store)
    _assert_same(ibis_sums, _pandas_sums(store))
    assert set(ibis_sums["measure"]) == {reference.RESPONDENTS, *reference.MEASURES}


def test_missing_answers_match_the_reference(store: Store) -> None:
    """Blank answers so every 'missing when' rule and threshold edge is exercised."""
    _load(store)
    attachment = reference.ATTACHMENT
    blanks = {
        "mod(id, 7) = 0": ["satisfaction"],
        "mod(id, 11) = 0": ["recommend"],
        "mod(id, 13) = 0": ["continue"],
        "mod(id, 5) = 0": attachment[:4],  # exactly half answered: attachment still defined
        "mod(id, 9) = 0": attachment[:5],  # fewer than half: no attachment, no segment
        "mod(id, 17) = 0": ["confidence_promises", "confidence_competent", "recommend"],
        "mod(id, 23) = 0": [*reference.RATIONAL, *attachment[:2]],  # 6 of 11: CE index defined
        "mod(id, 29) = 0": [*reference.RATIONAL, *attachment[:3]],  # 5 of 11: no CE index
    }
    with store.transaction() as connection:
        for where, items in blanks.items():
            columns = ", ".join(f'"{item}" = NULL' for item in items)
            connection.exec_driver_sql(f"UPDATE customer_response SET {columns} WHERE {where}")
        connection.exec_driver_sql(
            'UPDATE customer_response SET satisfaction = 5, "continue" = 5, recommend = 9, '
            "confidence_promises = 5, confidence_competent = 4, integrity_fair = 5, integrity_fix = 4, "
            "pride_proud = 5, pride_respect = 4, passion_irreplaceable = 5, passion_fit = 4 "
            "WHERE mod(id, 31) = 0"  # attachment exactly 4.5, rationally loyal: fully engaged
        )
        connection.exec_driver_sql(
            "UPDATE customer_response SET satisfaction = 3, confidence_promises = 3, "
            "confidence_competent = 2, integrity_fair = 3, integrity_fix = 2, pride_proud = 3, "
            "pride_respect = 2, "
            "passion_irreplaceable = 3, passion_fit = 2 WHERE mod(id, 37) = 0"  # attachment exactly 2.5
        )
    ibis_sums = _ibis_sums(store)
    _assert_same(ibis_sums, _pandas_sums(store))
    company = ibis_sums[ibis_sums["unit_id"] == 1].groupby("measure")["n"].sum()
    assert company["fully_engaged_customers"] < company["ce_index"] < company["customer_respondents"]
    assert company["emotionally_satisfied"] < company["csat_top_box"] < company["customer_respondents"]


def test_a_wave_without_period_falls_back_to_the_quarter_of_its_responses(store: Store) -> None:
    """Its rows are reported in the quarter of its last response, not dropped."""
    _load(store)
    with store.transaction() as connection:
        connection.exec_driver_sql(
            "UPDATE survey_wave SET period = NULL WHERE id = "
            "(SELECT min(id) FROM survey_wave WHERE instrument_key = 'customer')"
        )
    _assert_same(_ibis_sums(store), _pandas_sums(store))


def test_regions_sum_their_stores_and_the_company_counts_every_response(store: Store) -> None:
    _load(store)
    sums = _ibis_sums(store)
    units = _read(store, "org_unit")
    kind = sums["unit_id"].map(units.set_index("id")["kind"])
    parent = sums["unit_id"].map(units.set_index("id")["parent_id"])
    regions = sums[kind == "region"].set_index(["unit_id", "period", "measure"])
    stores = sums[kind == "location"].assign(unit_id=parent[kind == "location"].astype("int64"))
    summed = stores.groupby(["unit_id", "period", "measure"])[["n", "total", "total_sq"]].sum()
    assert len(regions) == len(summed) > 0
    assert (regions["n"] == summed.loc[regions.index, "n"]).all()
    np.testing.assert_allclose(regions["total"], summed.loc[regions.index, "total"], rtol=1e-9)

    company = units.loc[units["parent_id"].isna(), "id"].item()
    counts = sums[(sums["unit_id"] == company) & (sums["measure"] == "customer_respondents")]
    rows = _read(store, "customer_response")
    assert counts["n"].sum() == len(rows) == 8 * 2 * 40
    assert (counts["total"] == counts["n"]).all()
