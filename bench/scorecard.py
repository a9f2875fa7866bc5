"""The customer scorecard at 1M and 10M responses: pushed-down Ibis vs the engine floor vs pandas.

    python bench/scorecard.py [--sizes 1000000,10000000] [--keep]

For each size N a DuckDB store holds about N demo customer responses (``DemoConfig`` with
667 customers per store and 3 quarters, so 500 stores at 1M and 5,000 at 10M; tiny
employee volumes, no touchpoints or reviews). The units and the customer responses go
through the normal import pipeline (``import_table``, one import per wave; the
``customer_code`` column is left out so the customers table need not be imported). The
store is cached in ``bench/.cache/`` keyed by size and configuration: an existing one is
always reused, one built by this run is deleted at the end unless ``--keep`` is given.

Then, in this process, each after one warm-up run, best of 3:

- floor: the bare DuckDB query ``SELECT unit_id, wave_id, count(x), sum(x), sum(x*x)``
  for each of the 11 items ``GROUP BY unit_id, wave_id`` on the raw connection, fetched
  as a DataFrame: the least any scorecard must do (one scan, no scoring, no rollup);
- scorecard: ``build_scorecard(store, sources=("customer",))``: respondent scoring,
  rollup to every ancestor, statistics, shrinkage, flags, percentiles, anonymity;
- measure_sums: the pushed-down pass alone (``measure_sums(store, sources=("customer",))``);
- pandas: ``SELECT *`` of the responses into pandas (timed on its own: "read") and the
  analyst's scorecard of ``bench/pandas_scorecard.py`` on that frame ("compute"); the
  pandas figure is reported without and with the read.

Printed: seconds, the scorecard / floor and pandas / scorecard ratios (targets at 10M:
at most 1.5x the floor, at least 4x faster than pandas), and the peak resident memory of
the process during each measurement (Linux ``VmHWM``, reset before each one). The CPU
seconds (all threads) of the fastest run and the load average are printed too: on a shared
machine wall times vary with other work, CPU seconds much less.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from servicechain.demo import DemoConfig, generate_demo
from servicechain.ingest.pipeline import import_table
from servicechain.ingest.readers import table_from_frame
from servicechain.metrics import measure_sums
from servicechain.store import Store, open_store
from servicechain.store.bulk import read_frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pandas_scorecard import ITEMS, pandas_scorecard

CACHE = Path(__file__).resolve().parent / ".cache"
PERIODS, PER_UNIT, SEED = 3, 667, 2026
REPEAT = 3


def demo_config(size: int) -> DemoConfig:
    """About ``size`` customer responses, and as little of everything else as the config allows."""
    return DemoConfig(
        units=max(2, round(size / (PERIODS * PER_UNIT))),
        periods=PERIODS,
        customers_per_unit=PER_UNIT,
        seed=SEED,
        employees_per_location=(6, 6),
        employee_response_rate=0.01,
        touchpoints_per_customer=0.0,
        reviews_per_location=0.0,
    )


def timed(action, *args):  # type: ignore[no-untyped-def]
    """(result, seconds) of calling ``action(*args)``."""
    start = time.perf_counter()
    result = action(*args)
    return result, time.perf_counter() - start


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_mib() -> float:
    """Peak resident memory of this process since the last :func:`reset_peak`, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


Figures = tuple[float, float, float]
"""Best wall seconds, CPU seconds of that run (all threads), peak MiB."""


def best_of(action: Callable[[], Any], repeat: int = REPEAT) -> tuple[Any, Figures]:
    """(last result, figures of the fastest of ``repeat`` runs after one warm-up)."""
    action()
    gc.collect()
    reset_peak()
    runs, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        cpu = time.process_time()
        result, seconds = timed(action)
        runs.append((seconds, time.process_time() - cpu))
    seconds, cpu = min(runs)
    return result, (seconds, cpu, peak_mib())


def build_store(path: Path, size: int) -> tuple[int, float, float]:
    """Generate the demo and import units and customer responses; (rows, generate s, import s)."""
    data, generate = timed(generate_demo, demo_config(size))
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    store = open_store(f"duckdb:///{partial}")
    start = time.perf_counter()
    import_table(store, "units", table_from_frame(data["units"], "units", f"bench-units-{size}"))
    responses = data["customer-responses"].drop(columns="customer_code")
    del data
    rows = 0
    for wave, part in responses.groupby("wave", observed=True):
        identity = hashlib.sha256(f"bench-scorecard|{size}|{wave}".encode()).hexdigest()
        result = import_table(store, "customer-responses", table_from_frame(part, f"{wave}", identity))
        rows += result.inserted
    with store.engine.connect() as connection:
        connection.exec_driver_sql("CHECKPOINT")
    seconds = time.perf_counter() - start
    store.dispose()
    partial.rename(path)
    return rows, generate, seconds


def cached_store(size: int) -> tuple[Path, bool]:
    """The store for ``size`` under ``bench/.cache/``; True when this run built it."""
    config = repr(demo_config(size))
    key = hashlib.sha256(config.encode()).hexdigest()[:10]
    path = CACHE / f"scorecard-{size}-{key}.duckdb"
    if path.exists():
        print(f"# reusing {path.relative_to(CACHE.parent.parent)}", flush=True)
        return path, False
    CACHE.mkdir(exist_ok=True)
    rows, generate, load = build_store(path, size)
    print(f"# built {path.name}: {rows:,} responses; generate {generate:.1f} s, "
          f"import pipeline (units + customer responses per wave) {load:.1f} s", flush=True)  # fmt: skip
    return path, True


def floor_query() -> str:
    """Sums and sums of squares of every item per unit and wave: no scoring, no rollup."""
    sums = ", ".join(f'count("{i}"), sum("{i}"), sum("{i}" * "{i}")' for i in ITEMS)
    return f"SELECT unit_id, wave_id, {sums} FROM customer_response GROUP BY unit_id, wave_id"


def read_raw(store: Store) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``SELECT *`` of the responses, units and waves, fetched columnar (the fastest pandas read)."""
    with store.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            read_frame(connection, f"SELECT * FROM {table}")
            for table in ("customer_response", "org_unit", "survey_wave")
        )


def measure(store: Store) -> dict[str, Figures]:
    """{name: figures} of every contender on ``store``."""
    from servicechain.analysis.scorecard import build_scorecard

    results: dict[str, Figures] = {}
    with store.engine.connect() as connection:
        raw = connection.connection.driver_connection
        query = floor_query()
        floor, results["floor"] = best_of(lambda: raw.execute(query).df())
    card, results["scorecard"] = best_of(lambda: build_scorecard(store, sources=("customer",)))
    (sums, _), results["measure_sums"] = best_of(lambda: measure_sums(store, sources=("customer",)))
    print(f"# floor {len(floor):,} groups; measure_sums {len(sums):,} rows; scorecard {len(card):,} rows",
          flush=True)  # fmt: skip
    del card, sums, floor
    frames, read = best_of(lambda: read_raw(store))
    results["pandas read (SELECT *)"] = read
    card, compute = best_of(partial(pandas_scorecard, *frames))
    results["pandas compute"] = compute
    results["pandas read + compute"] = (read[0] + compute[0], read[1] + compute[1], max(read[2], compute[2]))
    del card, frames
    gc.collect()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="customer scorecard: Ibis vs DuckDB floor vs pandas")
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated response counts")
    parser.add_argument("--keep", action="store_true", help="keep stores built by this run in bench/.cache/")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.replace(" ", ",").split(",") if size]
    summary = []
    for size in sizes:
        path, built = cached_store(size)
        store = open_store(f"duckdb:///{path}")
        with store.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT count(*) FROM customer_response")).scalar_one()
        try:
            results = measure(store)
        finally:
            store.dispose()
            if built and not args.keep:
                path.unlink(missing_ok=True)
                path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        floor, card = results["floor"][0], results["scorecard"][0]
        print(f"\n{rows:,} customer responses (DuckDB, best of {REPEAT} after a warm-up; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
        print(f"{'measure':30} {'seconds':>8} {'x floor':>8} {'cpu s':>7} {'peak MiB':>9}")
        for name, (seconds, cpu, peak) in results.items():
            print(f"{name:30} {seconds:8.2f} {seconds / floor:7.1f}x {cpu:7.2f} {peak:9,.0f}", flush=True)
        with_read = results["pandas read + compute"][0]
        summary.append((rows, floor, card, results["pandas compute"][0], with_read))
    print(f"\n{'responses':>12} {'floor s':>8} {'card s':>8} {'card/floor':>10} "
          f"{'pandas/card':>11} {'(with read)':>11}")  # fmt: skip
    for rows, floor, card, pandas_compute, with_read in summary:
        print(f"{rows:12,} {floor:8.2f} {card:8.2f} {card / floor:9.2f}x "
              f"{pandas_compute / card:10.1f}x {with_read / card:10.1f}x")  # fmt: skip
    print("targets at 10M: scorecard within 1.5x of the floor, pandas at least 4x slower than the scorecard")


if __name__ == "__main__":
    main()
