"""All unit-level tables of one analysis run, for ``servicechain analyze --out DIR``.

- ``scorecard``: every unit, period and measure (as :func:`build_scorecard`, all of it);
- ``funnel``: each unit's mean against the funnel limits of its peers (target, alert 95%,
  alarm 99.8%, with over-dispersion) and its flag;
- ``peer_groups``: per level, period and measure: units, sigma^2 (within), tau^2
  (between, DerSimonian-Laird), grand mean, ICC(1) and ICC(2);
- ``reliability``: Cronbach's alpha per multi-item dimension and period (whole company);
- ``agreement``: r_wg / r_wg(J) per unit, period and employee dimension;
- ``units``: the organisation.

Every employee number passes the anonymity rules: suppressed groups carry no numbers,
and statistics over groups (ICC, alpha) use only groups that may be shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from servicechain.analysis.scorecard import EXTRA, FIELDS, UnitResults, in_reading_order, unit_results
from servicechain.instruments import load_default_instruments
from servicechain.metrics import item_sums
from servicechain.metrics.items import COMPLETE
from servicechain.settings import Settings, get_settings
from servicechain.stats import cronbach_alpha, rwg, rwg_j
from servicechain.stats.peers import peer_icc
from servicechain.store.engine import Store

_GROUP = ["level", "period", "source", "measure"]


def funnel_table(results: UnitResults) -> pd.DataFrame:
    """Per unit, period and measure: n, mean, the funnel limits and the flag."""
    table = results.table[results.table["kind"] != "count"]
    columns = ["unit_code", "unit_name", "level", "period", "source", "measure", "n", "mean", "target",
               "alert_low", "alert_high", "alarm_low", "alarm_high", "flag", "alarm",
               "suppressed"]  # fmt: skip
    return in_reading_order(table, results.units, results.catalogue)[columns]


def peer_group_table(results: UnitResults) -> pd.DataFrame:
    """Per level, period and measure: the estimates behind shrinkage and flags, and the ICCs."""
    shown = results.table[(results.table["kind"] != "count") & results.table["n"].notna()]
    shown = shown.assign(n=shown["n"].astype("int64"))
    icc = peer_icc(shown, _GROUP)
    estimates = shown.groupby(_GROUP, sort=True)[["sigma2", "tau2", "grand_mean", "target"]].first()
    table = icc[["units", "respondents"]].join(estimates).join(icc[["icc1", "icc2"]])
    return table.reset_index()


def reliability_table(items: pd.DataFrame, results: UnitResults, minimum: int) -> pd.DataFrame:
    """Cronbach's alpha per source, dimension and period, over all respondents of the company."""
    roots = set(results.units.loc[results.units["parent_id"].isna(), "unit_id"])
    complete = items[items["unit_id"].isin(roots) & items["measure"].str.contains(COMPLETE, regex=False)]
    complete = complete.assign(
        dimension=complete["measure"].str.split(COMPLETE).str[0],
        part=complete["measure"].str.split(COMPLETE).str[1],
    )
    rows = []
    for (source, dimension, period), group in complete.groupby(["source", "dimension", "period"], sort=True):
        summed = group.groupby("part")[["n", "total", "total_sq"]].sum()
        if "total" not in summed.index:
            continue
        answers = summed.drop(index="total")
        n = int(summed.at["total", "n"])  # type: ignore[arg-type]
        alpha = np.nan
        if n >= max(minimum, 2):
            total, total_sq = float(summed["total"]["total"]), float(summed["total_sq"]["total"])
            alpha = cronbach_alpha(n, answers["total"], answers["total_sq"], total, total_sq)
        rows.append({"source": source, "dimension": dimension, "period": period, "items": len(answers),
                     "respondents": n, "alpha": alpha})  # fmt: skip
    return pd.DataFrame(rows)


def agreement_table(items: pd.DataFrame, results: UnitResults) -> pd.DataFrame:
    """r_wg (one item) or r_wg(J) (several) per unit, period and employee dimension, if shown."""
    instrument = load_default_instruments()["employee"]
    scorecard = results.table[results.table["source"] == "employee"].set_index(
        ["unit_id", "period", "measure"]
    )
    plain = items[(items["source"] == "employee") & ~items["measure"].str.contains(COMPLETE, regex=False)]
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (plain["total_sq"] - plain["total"] ** 2 / plain["n"]) / (plain["n"] - 1)
    plain = plain.assign(variance=variance.where(plain["n"] > 1))
    rows = []
    for measure in (m for m in results.catalogue.values() if m.source == "employee" and m.kind == "score"):
        dimension = "engagement" if measure.key == "engagement_index" else measure.key
        keys = [item.key for item in instrument.items if item.dimension == dimension]
        if not keys or measure.scale_min is None or measure.scale_max is None:
            continue
        mean_variance = plain[plain["measure"].isin(keys)].groupby(["unit_id", "period"])["variance"].mean()
        value = (rwg(mean_variance, measure.scale_min, measure.scale_max) if len(keys) == 1
                 else rwg_j(mean_variance, len(keys), measure.scale_min, measure.scale_max))  # fmt: skip
        frame = (
            pd.DataFrame({"rwg": value}, index=mean_variance.index).reset_index().assign(measure=measure.key)
        )
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["unit_code", "period", "measure", "items", "rwg", "suppressed"])
    agreement = pd.concat(rows, ignore_index=True)
    shown = scorecard.reindex(pd.MultiIndex.from_frame(agreement[["unit_id", "period", "measure"]]))
    agreement["suppressed"] = shown["suppressed"].fillna(True).to_numpy().astype(bool)
    agreement["rwg"] = agreement["rwg"].mask(agreement["suppressed"])
    codes = results.units.set_index("unit_id")
    agreement.insert(0, "unit_code", agreement["unit_id"].map(codes["unit_code"]))
    agreement.insert(1, "level", agreement["unit_id"].map(codes["level"]))
    return agreement.drop(columns="unit_id").sort_values(
        ["period", "unit_code", "measure"], ignore_index=True
    )


def units_table(results: UnitResults) -> pd.DataFrame:
    """The organisation: code, name, level, parent code, depth."""
    units = results.units
    codes = units.set_index("unit_id")["unit_code"]
    parent = units["parent_id"].map(lambda p: None if pd.isna(p) else codes.get(int(p)))
    return units.assign(parent_code=parent)[["unit_code", "unit_name", "level", "parent_code", "depth"]]


def analysis_tables(
    store: Store, *, settings: Settings | None = None, on_step: Callable[[str], None] | None = None
) -> dict[str, pd.DataFrame]:
    """Every unit-level table of the organisation, by name (see the module docstring)."""
    settings = settings or get_settings()
    step = on_step or (lambda _: None)
    results = unit_results(store, settings=settings, on_step=step)
    step("item sums (reliability, agreement)")
    items = item_sums(store)
    step("writing tables")
    scorecard = in_reading_order(results.table, results.units, results.catalogue)
    return {
        "scorecard": scorecard[[*FIELDS, *EXTRA, "weight"]],
        "funnel": funnel_table(results),
        "peer_groups": peer_group_table(results),
        "reliability": reliability_table(items, results, settings.anonymity_threshold),
        "agreement": agreement_table(items, results),
        "units": units_table(results),
    }


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Each table as ``NAME.parquet`` and ``NAME.csv`` in ``folder`` (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        for path, write in (
            (folder / f"{name}.parquet", table.to_parquet),
            (folder / f"{name}.csv", table.to_csv),
        ):
            write(path, index=False)
            written.append(path)
    return written
