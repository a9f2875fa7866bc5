"""Customer-level linkage on the demo: the planted Gallup premiums and the 2.6x revenue ratio.

The generator plants share-of-wallet premiums of +23% (fully engaged) and -13% (actively
disengaged) against the average customer, and revenue 2.6x for satisfaction 5 against 3
(docs/demo-ground-truth.md: 24 stores realise +23%, -12% and 2.57x).
"""

from __future__ import annotations

import pandas as pd
import pytest

from servicechain.analysis.customer_value import satisfaction_revenue_ratio, segment_premiums
from servicechain.demo.load import load_demo
from servicechain.metrics.customer_value import customer_value
from servicechain.store import Store


def test_segment_premiums_and_the_satisfaction_ratio_recover_the_planted_values(store: Store) -> None:
    load_demo(store, units=24, periods=8, customers_per_unit=60, seed=7)
    value = customer_value(store)
    segments = value[value["by"] == "segment"]
    with store.engine.connect() as connection:
        matched = connection.exec_driver_sql(
            "SELECT count(*) FROM customer_response r JOIN survey_wave w ON w.id = r.wave_id "
            "JOIN customer_kpi k ON k.customer_id = r.customer_id AND k.period = w.period"
        ).scalar()
    assert segments["customers"].sum() <= matched  # customers without an attachment score have no segment
    premiums = segment_premiums(value).set_index(["segment", "value"])
    wallet = premiums.xs("share_of_wallet", level="value")["premium"]
    assert wallet["fully_engaged"] == pytest.approx(0.23, abs=0.03)
    assert wallet["actively_disengaged"] == pytest.approx(-0.12, abs=0.03)
    retained = premiums.xs("retained", level="value")["mean"]
    assert (
        retained["fully_engaged"]
        > retained["engaged"]
        > retained["not_engaged"]
        > retained["actively_disengaged"]
    )
    ratio = satisfaction_revenue_ratio(value)
    assert ratio["ratio"] == pytest.approx(2.57, abs=0.15) and ratio["published"] == 2.6
    row = premiums.loc[("fully_engaged", "share_of_wallet")]
    assert row["ci_low"] < row["mean"] < row["ci_high"] and row["published_premium"] == 0.23
    assert isinstance(premiums, pd.DataFrame)
